package store

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Alerts are stored as references: an alert names its subscription, its
// document and when it was raised, in a few bytes, and copies nothing of
// the document. A saved search alerts on thousands of documents and a
// thousand saved searches on the same documents, so what is stored per
// alert, and how it fills bbolt's pages, is what the store grows by.
//
//	alert_subno:   sub key (8) → its number (uvarint), given at its first alert
//	alert_subof:   number (4) → sub key (8)
//	alert_groups:  first seq (8) → a group: the alerts of one AddAlerts call,
//	               each a seq delta, a subscription number and an index into
//	               the group's table of document IDs (see groupEncoder)
//	alert_bysub:   number (4) + seq (8) → uvarint deltas of the sub's next
//	               seqs: a subscription's alerts, a run of up to bySubRun bytes
//	alert_docsubs: document or story ID (idKey) → the subscriptions that
//	               alerted on it, as a document, a story or both
//	alert_kept:    document ID (idKey) → title and URL, saved when the
//	               document leaves the index while alerts refer to it
//
// The alert ID is the sequence number, unique across subscriptions;
// alerts are listed in its order. Groups are written at the end of their
// bucket (seqs only grow) and so fill their pages; a group holds each of
// its documents' IDs once however many subscriptions alert on it.
// alert_docsubs is keyed by hashes, so its inserts land all over it: one
// record a document, not one an alert.
var (
	bucketSubNo   = []byte("alert_subno")
	bucketSubOf   = []byte("alert_subof")
	bucketGroups  = []byte("alert_groups")
	bucketBySub   = []byte("alert_bysub")
	bucketDocSubs = []byte("alert_docsubs")
	bucketKept    = []byte("alert_kept")
	alertBuckets  = [][]byte{bucketSubNo, bucketSubOf, bucketGroups, bucketBySub, bucketDocSubs, bucketKept}
)

// What a subscription alerted on, the low bits of alert_docsubs entries.
const (
	bitDoc   = 1 // an alert refers to the document
	bitStory = 2 // the subscription alerted on a document of the story
)

// Size bounds of the layout.
const (
	// maxAlertTitle bounds the title kept for an alert, in bytes: enough
	// to recognise the document when the index no longer has it.
	maxAlertTitle = 200
	// maxGroup bounds the alerts of one group, so that reading one alert
	// decodes at most a few dozen kilobytes.
	maxGroup = 4096
	// bySubRun bounds a run of a subscription's seqs in alert_bysub: a
	// run is extended in place until then (one key per run, not per
	// alert), and read whole to list from inside it.
	bySubRun = 256
)

// subKey is the 8 bytes of a subscription ID; ok is false for anything
// AddSubscription does not make.
func subKey(id string) (key []byte, ok bool) {
	if len(id) != 16 || !isLowerHex(id) {
		return nil, false
	}
	k, err := hex.DecodeString(id)
	return k, err == nil
}

func isLowerHex(s string) bool {
	for i := range len(s) {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// idKey encodes a document or story ID: 1 + its 16 bytes for the usual
// 32 hex digits, 2 + the text for anything else, so that the two never
// collide.
func idKey(id string) []byte {
	if len(id) == 32 && isLowerHex(id) {
		k, _ := hex.DecodeString(id)
		return append([]byte{1}, k...)
	}
	return append([]byte{2}, id...)
}

func idOfKey(k []byte) string {
	if len(k) == 17 && k[0] == 1 {
		return hex.EncodeToString(k[1:])
	}
	if len(k) > 0 {
		return string(k[1:])
	}
	return ""
}

func seqBytes(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

func numBytes(num uint32) []byte { return binary.BigEndian.AppendUint32(nil, num) }

// groupAlert is one alert of a group.
type groupAlert struct {
	seq     uint64
	sub     uint32
	doc     []byte // idKey
	created int64  // Unix seconds
}

// A group is encoded as
//
//	uvarint created of its first alert (Unix seconds)
//	uvarint number of documents, then each: uvarint length + idKey
//	per alert: uvarint seq delta << 1 | created changed,
//	           [zigzag varint created delta], uvarint sub, uvarint doc index
//
// The first alert's seq delta is 0: its seq is the group's key.
type groupEncoder struct {
	first, last       uint64
	created0, created int64
	n                 int
	docs              map[string]uint64
	table, body       []byte
}

func (g *groupEncoder) add(a groupAlert) {
	if g.n == 0 {
		g.first, g.last, g.created0, g.created = a.seq, a.seq, a.created, a.created
		g.docs = map[string]uint64{}
		g.table, g.body = g.table[:0], g.body[:0]
	}
	idx, ok := g.docs[string(a.doc)]
	if !ok {
		idx = uint64(len(g.docs))
		g.docs[string(a.doc)] = idx
		g.table = binary.AppendUvarint(g.table, uint64(len(a.doc)))
		g.table = append(g.table, a.doc...)
	}
	delta := (a.seq - g.last) << 1
	if a.created != g.created {
		delta |= 1
	}
	g.body = binary.AppendUvarint(g.body, delta)
	if a.created != g.created {
		g.body = binary.AppendVarint(g.body, a.created-g.created)
		g.created = a.created
	}
	g.body = binary.AppendUvarint(g.body, uint64(a.sub))
	g.body = binary.AppendUvarint(g.body, idx)
	g.last = a.seq
	g.n++
}

// encode returns the group's key and value.
func (g *groupEncoder) encode() (key, value []byte) {
	v := binary.AppendUvarint(nil, uint64(max(g.created0, 0)))
	v = binary.AppendUvarint(v, uint64(len(g.docs)))
	v = append(append(v, g.table...), g.body...)
	return seqBytes(g.first), v
}

// flush writes the group, if it holds alerts, and empties g.
func (g *groupEncoder) flush(b *bolt.Bucket) error {
	if g.n == 0 {
		return nil
	}
	k, v := g.encode()
	g.n = 0
	return b.Put(k, v)
}

// encodeGroup encodes alerts (in seq order) as one group.
func encodeGroup(alerts []groupAlert) (key, value []byte) {
	var g groupEncoder
	for _, a := range alerts {
		g.add(a)
	}
	return g.encode()
}

// seekFloor positions c at the greatest key at most key.
func seekFloor(c *bolt.Cursor, key []byte) ([]byte, []byte) {
	k, v := c.Seek(key)
	switch {
	case bytes.Equal(k, key):
		return k, v
	case k == nil:
		return c.Last()
	}
	return c.Prev()
}

var errDamagedGroup = errors.New("damaged alert group")

// decodeGroup decodes a group stored under key k.
func decodeGroup(k, v []byte) ([]groupAlert, error) {
	if len(k) != 8 {
		return nil, fmt.Errorf("alert group key %x: %w", k, errDamagedGroup)
	}
	seq := binary.BigEndian.Uint64(k)
	uv := func() (uint64, bool) {
		x, w := binary.Uvarint(v)
		if w <= 0 {
			return 0, false
		}
		v = v[w:]
		return x, true
	}
	created, ok1 := uv()
	ndocs, ok2 := uv()
	if !ok1 || !ok2 || ndocs > uint64(len(v)) {
		return nil, fmt.Errorf("alert group %d: %w", seq, errDamagedGroup)
	}
	docs := make([][]byte, 0, ndocs)
	for range ndocs {
		n, ok := uv()
		if !ok || n > uint64(len(v)) {
			return nil, fmt.Errorf("alert group %d: %w", seq, errDamagedGroup)
		}
		docs, v = append(docs, v[:n:n]), v[n:]
	}
	at := int64(created)
	var out []groupAlert
	for len(v) > 0 {
		delta, ok := uv()
		if !ok {
			return nil, fmt.Errorf("alert group %d: %w", seq, errDamagedGroup)
		}
		if delta&1 != 0 {
			d, w := binary.Varint(v)
			if w <= 0 {
				return nil, fmt.Errorf("alert group %d: %w", seq, errDamagedGroup)
			}
			at, v = at+d, v[w:]
		}
		seq += delta >> 1
		sub, ok1 := uv()
		idx, ok2 := uv()
		if !ok1 || !ok2 || idx >= uint64(len(docs)) || sub > 1<<32-1 {
			return nil, fmt.Errorf("alert group %d: %w", seq, errDamagedGroup)
		}
		out = append(out, groupAlert{seq: seq, sub: uint32(sub), doc: docs[idx], created: at})
	}
	return out, nil
}

// subSet is what alert_docsubs holds for one document or story: the
// subscriptions that alerted on it with their bits, by number.
type subSet []subBits

type subBits struct {
	sub  uint32
	bits byte
}

func decodeSubSet(v []byte) (subSet, error) {
	var out subSet
	var sub uint64
	for len(v) > 0 {
		x, w := binary.Uvarint(v)
		// Numbers start at 1 and strictly increase; each has a bit.
		if w <= 0 || x&3 == 0 || x>>2 == 0 || sub+x>>2 > 1<<32-1 {
			return nil, errors.New("damaged alert record")
		}
		sub += x >> 2
		out, v = append(out, subBits{sub: uint32(sub), bits: byte(x & 3)}), v[w:]
	}
	return out, nil
}

func (s subSet) encode() []byte {
	var v []byte
	var prev uint32
	for _, e := range s {
		v = binary.AppendUvarint(v, uint64(e.sub-prev)<<2|uint64(e.bits))
		prev = e.sub
	}
	return v
}

func (s subSet) find(sub uint32) (int, bool) {
	return sort.Find(len(s), func(i int) int {
		switch {
		case sub < s[i].sub:
			return -1
		case sub > s[i].sub:
			return 1
		}
		return 0
	})
}

func (s subSet) has(sub uint32, bit byte) bool {
	i, ok := s.find(sub)
	return ok && s[i].bits&bit != 0
}

func (s *subSet) set(sub uint32, bits byte) {
	i, ok := s.find(sub)
	if ok {
		(*s)[i].bits |= bits
		return
	}
	*s = slices.Insert(*s, i, subBits{sub: sub, bits: bits})
}

// anyDoc: an alert of some subscription refers to the document.
func (s subSet) anyDoc() bool {
	return slices.ContainsFunc(s, func(e subBits) bool { return e.bits&bitDoc != 0 })
}

// alertTx is one write transaction's view of the alert buckets; it
// gathers what the transaction changes in runs and records and writes
// them in flush, each once.
type alertTx struct {
	subNo, subOf, groups, bySub, docSubs, kept *bolt.Bucket

	nums  map[string]uint32  // sub key → number
	recs  map[string]*subSet // idKey → record, read or changed in this transaction
	runs  map[uint32]*subRun // sub number → its last run, extended in this transaction
	dirty map[string]bool    // recs to write
	group groupEncoder
}

// subRun is the last run of a subscription's seqs in alert_bysub.
type subRun struct {
	key  []byte
	last uint64
	val  []byte
}

func openAlertTx(tx *bolt.Tx) (*alertTx, error) {
	var bs [6]*bolt.Bucket
	for i, name := range alertBuckets {
		b, err := tx.CreateBucketIfNotExists(name)
		if err != nil {
			return nil, err
		}
		bs[i] = b
	}
	a := &alertTx{subNo: bs[0], subOf: bs[1], groups: bs[2], bySub: bs[3], docSubs: bs[4], kept: bs[5],
		nums: map[string]uint32{}, recs: map[string]*subSet{}, runs: map[uint32]*subRun{}, dirty: map[string]bool{}}
	// Numbers and seqs only grow: these buckets are appended to, and
	// their pages split full instead of half. alert_docsubs is keyed by
	// hashes, yet split full it fills its pages too (99% against 50% at
	// bbolt's default, BenchmarkAlertStoreGrowth): a transaction adds a
	// few records to each page, which then splits into one full page
	// and one that fills with the next batches.
	a.subOf.FillPercent, a.groups.FillPercent, a.docSubs.FillPercent = 1.0, 1.0, 1.0
	return a, nil
}

// subNum returns the number of a subscription (its 8-byte key), giving it
// one if create is set; 0 when it has none.
func (a *alertTx) subNum(sub []byte, create bool) (uint32, error) {
	if n, ok := a.nums[string(sub)]; ok {
		return n, nil
	}
	if v := a.subNo.Get(sub); v != nil {
		n, w := binary.Uvarint(v)
		if w <= 0 || n == 0 || n > 1<<32-1 {
			return 0, fmt.Errorf("subscription %x: damaged number", sub)
		}
		a.nums[string(sub)] = uint32(n)
		return uint32(n), nil
	}
	if !create {
		return 0, nil
	}
	n, err := a.subNo.NextSequence()
	if err != nil {
		return 0, err
	}
	if n > 1<<32-1 {
		return 0, errors.New("out of subscription numbers")
	}
	if err := a.subNo.Put(sub, binary.AppendUvarint(nil, n)); err != nil {
		return 0, err
	}
	if err := a.subOf.Put(numBytes(uint32(n)), sub); err != nil {
		return 0, err
	}
	a.nums[string(sub)] = uint32(n)
	return uint32(n), nil
}

// rec returns the record of a document or story (its idKey), read once
// per transaction.
func (a *alertTx) rec(k []byte) (*subSet, error) {
	if r, ok := a.recs[string(k)]; ok {
		return r, nil
	}
	r, err := decodeSubSet(a.docSubs.Get(k))
	if err != nil {
		return nil, fmt.Errorf("alerts of %s: %w", idOfKey(k), err)
	}
	a.recs[string(k)] = &r
	return &r, nil
}

// mark records that sub alerted on k with bits.
func (a *alertTx) mark(k []byte, sub uint32, bits byte) error {
	r, err := a.rec(k)
	if err != nil {
		return err
	}
	r.set(sub, bits)
	a.dirty[string(k)] = true
	return nil
}

// alerted says whether sub alerted already on the document of m or on its
// story.
func (a *alertTx) alerted(sub uint32, m Match) (bool, error) {
	d, err := a.rec(idKey(m.Document))
	if err != nil || d.has(sub, bitDoc) {
		return err == nil, err
	}
	if m.Story == "" {
		return false, nil
	}
	s, err := a.rec(idKey(m.Story))
	if err != nil {
		return false, err
	}
	return s.has(sub, bitStory), nil
}

// add records alert seq of subscription sub on match m.
func (a *alertTx) add(sub uint32, seq uint64, m Match, created int64) error {
	if a.group.n >= maxGroup {
		if err := a.group.flush(a.groups); err != nil {
			return err
		}
	}
	doc := idKey(m.Document)
	a.group.add(groupAlert{seq: seq, sub: sub, doc: doc, created: created})
	if err := a.appendRun(sub, seq); err != nil {
		return err
	}
	switch {
	case m.Story == m.Document:
		return a.mark(doc, sub, bitDoc|bitStory)
	case m.Story != "":
		if err := a.mark(idKey(m.Story), sub, bitStory); err != nil {
			return err
		}
	}
	return a.mark(doc, sub, bitDoc)
}

// appendRun adds seq, greater than every seq of sub so far, to sub's last
// run in alert_bysub, or starts a new run.
func (a *alertTx) appendRun(sub uint32, seq uint64) error {
	r, ok := a.runs[sub]
	if !ok {
		r = &subRun{}
		prefix := numBytes(sub)
		k, v := seekFloor(a.bySub.Cursor(), append(bytes.Clone(prefix), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))
		if k != nil && len(k) == 12 && bytes.HasPrefix(k, prefix) {
			seqs, err := decodeRun(k, v)
			if err != nil {
				return err
			}
			r.key, r.last, r.val = bytes.Clone(k), seqs[len(seqs)-1], bytes.Clone(v)
		}
		a.runs[sub] = r
	}
	if r.key == nil || len(r.val) >= bySubRun || seq <= r.last {
		if r.key != nil {
			if err := a.bySub.Put(r.key, r.val); err != nil {
				return err
			}
		}
		r.key, r.val = append(numBytes(sub), seqBytes(seq)...), nil
	} else {
		r.val = binary.AppendUvarint(r.val, seq-r.last)
	}
	r.last = seq
	return nil
}

// decodeRun returns the seqs of a run.
func decodeRun(k, v []byte) ([]uint64, error) {
	if len(k) != 12 {
		return nil, fmt.Errorf("alert run key %x: %w", k, errDamagedGroup)
	}
	seq := binary.BigEndian.Uint64(k[4:])
	out := []uint64{seq}
	for len(v) > 0 {
		d, w := binary.Uvarint(v)
		if w <= 0 || d == 0 {
			return nil, fmt.Errorf("alert run %x: %w", k, errDamagedGroup)
		}
		seq += d
		out, v = append(out, seq), v[w:]
	}
	return out, nil
}

// flush writes what the transaction gathered.
func (a *alertTx) flush() error {
	if err := a.group.flush(a.groups); err != nil {
		return err
	}
	for _, r := range a.runs {
		if r.key != nil {
			if err := a.bySub.Put(r.key, r.val); err != nil {
				return err
			}
		}
	}
	a.runs = map[uint32]*subRun{}
	for k := range a.dirty {
		r := a.recs[k]
		var err error
		if len(*r) == 0 {
			err = a.docSubs.Delete([]byte(k))
		} else {
			err = a.docSubs.Put([]byte(k), r.encode())
		}
		if err != nil {
			return err
		}
	}
	a.dirty = map[string]bool{}
	return nil
}

// alertReader reads alerts in one transaction, read or write.
type alertReader struct {
	subOf, groups, bySub, kept *bolt.Bucket
	subIDs                     map[uint32]string
	// The group decoded last: listing a subscription's alerts reads
	// several of one group in a row.
	groupKey []byte
	group    []groupAlert
}

func newAlertReader(tx *bolt.Tx) *alertReader {
	r := &alertReader{subOf: tx.Bucket(bucketSubOf), groups: tx.Bucket(bucketGroups),
		bySub: tx.Bucket(bucketBySub), kept: tx.Bucket(bucketKept), subIDs: map[uint32]string{}}
	if r.subOf == nil || r.groups == nil || r.bySub == nil || r.kept == nil {
		return nil // no alert was ever stored
	}
	return r
}

func (r *alertReader) subID(num uint32) (string, error) {
	if id, ok := r.subIDs[num]; ok {
		return id, nil
	}
	v := r.subOf.Get(numBytes(num))
	if len(v) != 8 {
		return "", fmt.Errorf("subscription number %d unknown", num)
	}
	id := hex.EncodeToString(v)
	r.subIDs[num] = id
	return id, nil
}

// alert is the Alert of a group's entry, with what is kept of its document.
func (r *alertReader) alert(g groupAlert) (Alert, error) {
	sub, err := r.subID(g.sub)
	if err != nil {
		return Alert{}, fmt.Errorf("alert %d: %w", g.seq, err)
	}
	a := Alert{ID: strconv.FormatUint(g.seq, 10), Subscription: sub, Document: idOfKey(g.doc),
		Created: time.Unix(g.created, 0).UTC()}
	if v := r.kept.Get(g.doc); v != nil {
		a.Title, a.URL = decodeKept(v)
	}
	return a, nil
}

// find returns the entry of seq, decoding the group that holds it.
func (r *alertReader) find(seq uint64) (groupAlert, bool, error) {
	if r.group != nil && seq >= binary.BigEndian.Uint64(r.groupKey) && seq <= r.group[len(r.group)-1].seq {
		return searchGroup(r.group, seq)
	}
	k, v := seekFloor(r.groups.Cursor(), seqBytes(seq))
	if k == nil {
		return groupAlert{}, false, nil
	}
	g, err := decodeGroup(k, v)
	if err != nil {
		return groupAlert{}, false, err
	}
	if len(g) == 0 {
		return groupAlert{}, false, nil
	}
	r.groupKey, r.group = bytes.Clone(k), g
	return searchGroup(g, seq)
}

func searchGroup(g []groupAlert, seq uint64) (groupAlert, bool, error) {
	i, ok := slices.BinarySearchFunc(g, seq, func(a groupAlert, s uint64) int {
		switch {
		case a.seq < s:
			return -1
		case a.seq > s:
			return 1
		}
		return 0
	})
	if !ok {
		return groupAlert{}, false, nil
	}
	return g[i], true, nil
}

func encodeKept(title, url string) []byte {
	if len(title) > maxAlertTitle {
		title = title[:maxAlertTitle]
	}
	v := binary.AppendUvarint(nil, uint64(len(title)))
	return append(append(v, title...), url...)
}

func decodeKept(v []byte) (title, url string) {
	n, w := binary.Uvarint(v)
	if w <= 0 || uint64(len(v)-w) < n {
		return "", ""
	}
	return string(v[w : w+int(n)]), string(v[w+int(n):])
}

// listAll returns up to limit alerts of every subscription with a seq of
// at least from.
func listAll(tx *bolt.Tx, from uint64, limit int) ([]Alert, error) {
	out := []Alert{}
	r := newAlertReader(tx)
	if r == nil {
		return out, nil
	}
	c := r.groups.Cursor()
	k, v := seekFloor(c, seqBytes(from))
	if k == nil {
		k, v = c.First()
	}
	for ; k != nil && len(out) < limit; k, v = c.Next() {
		g, err := decodeGroup(k, v)
		if err != nil {
			return nil, err
		}
		for _, e := range g {
			if e.seq < from {
				continue
			}
			if len(out) == limit {
				break
			}
			a, err := r.alert(e)
			if err != nil {
				return nil, err
			}
			out = append(out, a)
		}
	}
	return out, nil
}

// listSub returns up to limit alerts of one subscription (its 8-byte
// key) with a seq of at least from.
func listSub(tx *bolt.Tx, sub []byte, from uint64, limit int) ([]Alert, error) {
	out := []Alert{}
	r := newAlertReader(tx)
	if r == nil {
		return out, nil
	}
	v := tx.Bucket(bucketSubNo).Get(sub)
	if v == nil {
		return out, nil
	}
	n, w := binary.Uvarint(v)
	if w <= 0 || n > 1<<32-1 {
		return nil, fmt.Errorf("subscription %x: damaged number", sub)
	}
	prefix := numBytes(uint32(n))
	c := r.bySub.Cursor()
	start := append(bytes.Clone(prefix), seqBytes(from)...)
	// The run that starts at or before from may hold it.
	k, rv := seekFloor(c, start)
	if k == nil || !bytes.HasPrefix(k, prefix) {
		k, rv = c.Seek(start)
	}
	for ; k != nil && bytes.HasPrefix(k, prefix) && len(out) < limit; k, rv = c.Next() {
		seqs, err := decodeRun(k, rv)
		if err != nil {
			return nil, err
		}
		for _, seq := range seqs {
			if seq < from {
				continue
			}
			if len(out) == limit {
				break
			}
			e, ok, err := r.find(seq)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, fmt.Errorf("alert %d of subscription %x: not in the log", seq, sub)
			}
			a, err := r.alert(e)
			if err != nil {
				return nil, err
			}
			out = append(out, a)
		}
	}
	return out, nil
}

// deleteAlertsOf forgets a subscription's alerts and what it alerted on,
// and the titles kept only for them, returning the alerts' sequence keys
// (8 bytes each).
func deleteAlertsOf(tx *bolt.Tx, sub []byte) ([][]byte, error) {
	subNo := tx.Bucket(bucketSubNo)
	if subNo == nil || subNo.Get(sub) == nil {
		return nil, nil
	}
	a, err := openAlertTx(tx)
	if err != nil {
		return nil, err
	}
	num, err := a.subNum(sub, false)
	if err != nil {
		return nil, err
	}
	prefix := numBytes(num)
	// Its seqs, from its runs.
	var seqs []uint64
	var runKeys [][]byte
	c := a.bySub.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		s, err := decodeRun(k, v)
		if err != nil {
			return nil, err
		}
		seqs, runKeys = append(seqs, s...), append(runKeys, bytes.Clone(k))
	}
	for _, k := range runKeys {
		if err := a.bySub.Delete(k); err != nil {
			return nil, err
		}
	}
	// Each group that holds some of them, once, without them.
	gc := a.groups.Cursor()
	for i := 0; i < len(seqs); {
		k, v := seekFloor(gc, seqBytes(seqs[i]))
		if k == nil {
			return nil, fmt.Errorf("alert %d: not in the log", seqs[i])
		}
		g, err := decodeGroup(k, v)
		if err != nil {
			return nil, err
		}
		k = bytes.Clone(k)
		end := seqs[i]
		if len(g) > 0 {
			end = g[len(g)-1].seq
		}
		rest := slices.DeleteFunc(g, func(e groupAlert) bool { return e.sub == num })
		if err := a.groups.Delete(k); err != nil {
			return nil, err
		}
		if len(rest) > 0 {
			nk, nv := encodeGroup(rest)
			if err := a.groups.Put(nk, nv); err != nil {
				return nil, err
			}
		}
		for i < len(seqs) && seqs[i] <= end {
			i++
		}
		gc = a.groups.Cursor() // the bucket changed under it
	}
	// What it alerted on: one pass over every record.
	type change struct {
		k    []byte
		rest subSet
	}
	var changes []change
	err = a.docSubs.ForEach(func(k, v []byte) error {
		r, err := decodeSubSet(v)
		if err != nil {
			return fmt.Errorf("alerts of %s: %w", idOfKey(k), err)
		}
		if i, ok := r.find(num); ok {
			changes = append(changes, change{k: bytes.Clone(k), rest: slices.Delete(r, i, i+1)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, ch := range changes {
		if len(ch.rest) == 0 {
			err = a.docSubs.Delete(ch.k)
		} else {
			err = a.docSubs.Put(ch.k, ch.rest.encode())
		}
		if err == nil && !ch.rest.anyDoc() {
			err = a.kept.Delete(ch.k)
		}
		if err != nil {
			return nil, err
		}
	}
	if err := a.subNo.Delete(sub); err != nil {
		return nil, err
	}
	if err := a.subOf.Delete(prefix); err != nil {
		return nil, err
	}
	keys := make([][]byte, len(seqs))
	for i, s := range seqs {
		keys[i] = seqBytes(s)
	}
	return keys, nil
}

// Alert returns one alert of a subscription, or an error wrapping
// ErrNotFound.
func (s *Store) Alert(subID, alertID string) (Alert, error) {
	var a Alert
	err := s.db.View(func(tx *bolt.Tx) error {
		sub, ok := subKey(subID)
		seq, err := strconv.ParseUint(alertID, 10, 64)
		if !ok || err != nil {
			return ErrNotFound
		}
		r := newAlertReader(tx)
		if r == nil {
			return ErrNotFound
		}
		e, found, err := r.find(seq)
		if err != nil {
			return err
		}
		if !found {
			return ErrNotFound
		}
		if a, err = r.alert(e); err != nil {
			return err
		}
		if a.Subscription != hex.EncodeToString(sub) {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return Alert{}, fmt.Errorf("store: alert %s of subscription %s: %w", alertID, subID, err)
	}
	return a, nil
}

// GoneDoc is a document leaving the index: what an alert that refers to
// it keeps showing.
type GoneDoc struct{ ID, Title, URL string }

// KeepGone saves the title and URL of each document that alerts refer to,
// for when the index no longer has it (call it before the index drops
// them); documents no alert refers to are passed over.
func (s *Store) KeepGone(docs []GoneDoc) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		recs, kept := tx.Bucket(bucketDocSubs), tx.Bucket(bucketKept)
		if recs == nil || kept == nil {
			return nil
		}
		for _, d := range docs {
			k := idKey(d.ID)
			v := recs.Get(k)
			if v == nil {
				continue
			}
			r, err := decodeSubSet(v)
			if err != nil {
				return fmt.Errorf("alerts of %s: %w", d.ID, err)
			}
			if !r.anyDoc() {
				continue
			}
			if err := kept.Put(k, encodeKept(d.Title, d.URL)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: keep %d documents leaving the index: %w", len(docs), err)
	}
	return nil
}
