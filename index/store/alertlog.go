package store

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"

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
