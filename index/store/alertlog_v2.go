package store

import (
	"bytes"
	"container/heap"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The layout of the second release of alerts (one bucket a subscription
// in alert_log and alert_seen, refs, and a copy of each document's title
// and URL), kept to read stores written by it and to convert the first
// layout on the way (migrateAlerts); migrateV2 converts it to the
// current one (alertlog.go).
//
//	alert_log:  sub (8 bytes) → bucket: seq (8) → doc ref (uvarint) + created (uvarint, Unix seconds)
//	alert_seen: sub (8) → bucket: kind + ref (4) → nothing: what the subscription
//	            alerted on, a document (kindDoc), a story (kindStory) or both (kindBoth)
//	alert_refs: document or story ID → ref (uvarint)
//	alert_docs: ref (4) → ID, title and URL
var (
	bucketLog      = []byte("alert_log")
	bucketSeen     = []byte("alert_seen")
	bucketRefs     = []byte("alert_refs")
	bucketRefDocs  = []byte("alert_docs")
	alertBucketsV2 = [][]byte{bucketLog, bucketSeen, bucketRefs, bucketRefDocs}
)

// What a subscription alerted on (the kind byte of alert_seen keys).
const (
	kindDoc   = 'd'
	kindStory = 's'
	kindBoth  = 'b' // a document that is its own story
)

func refKey(ref uint64) []byte { return binary.BigEndian.AppendUint32(nil, uint32(ref)) }

func seenKey(kind byte, ref uint64) []byte { return append([]byte{kind}, refKey(ref)...) }

// alertTxV2 is one transaction's view of the alert buckets.
type alertTxV2 struct {
	log, seen, refs, docs *bolt.Bucket
}

// subBuckets returns a subscription's log and seen buckets, made if
// create is set (else nil when it has none).
func (a alertTxV2) subBuckets(sub []byte, create bool) (log, seen *bolt.Bucket, err error) {
	if !create {
		return a.log.Bucket(sub), a.seen.Bucket(sub), nil
	}
	if log, err = a.log.CreateBucketIfNotExists(sub); err != nil {
		return nil, nil, err
	}
	if seen, err = a.seen.CreateBucketIfNotExists(sub); err != nil {
		return nil, nil, err
	}
	// Seqs and most refs only grow: the pages of one subscription's
	// buckets are appended to, and split full.
	log.FillPercent, seen.FillPercent = 1.0, 0.9
	return log, seen, nil
}

func openAlertTxV2(tx *bolt.Tx) (alertTxV2, error) {
	var bs [4]*bolt.Bucket
	for i, name := range alertBucketsV2 {
		b, err := tx.CreateBucketIfNotExists(name)
		if err != nil {
			return alertTxV2{}, err
		}
		bs[i] = b
	}
	a := alertTxV2{log: bs[0], seen: bs[1], refs: bs[2], docs: bs[3]}
	a.docs.FillPercent = 1.0 // refs only grow
	return a, nil
}

// ref returns the ref of a document or story ID, 0 when it has none.
func (a alertTxV2) ref(id string) uint64 {
	v := a.refs.Get(idKey(id))
	if v == nil {
		return 0
	}
	r, _ := binary.Uvarint(v)
	return r
}

// ensureRef returns the ref of id, making one if needed; a title or URL
// given is kept with it unless it has them already.
func (a alertTxV2) ensureRef(id, title, url string) (uint64, error) {
	r := a.ref(id)
	if r == 0 {
		next, err := a.refs.NextSequence()
		if err != nil {
			return 0, err
		}
		r = next
		if err := a.refs.Put(idKey(id), binary.AppendUvarint(nil, r)); err != nil {
			return 0, err
		}
	} else if title == "" && url == "" {
		return r, nil
	} else if _, t, u := decodeRefDoc(a.docs.Get(refKey(r))); t != "" || u != "" {
		return r, nil
	}
	if len(title) > maxAlertTitle {
		title = title[:maxAlertTitle]
	}
	k := idKey(id)
	v := binary.AppendUvarint(nil, uint64(len(k)))
	v = append(v, k...)
	v = binary.AppendUvarint(v, uint64(len(title)))
	v = append(append(v, title...), url...)
	return r, a.docs.Put(refKey(r), v)
}

func decodeRefDoc(v []byte) (id, title, url string) {
	n, w := binary.Uvarint(v)
	if w <= 0 || uint64(len(v)-w) < n {
		return "", "", ""
	}
	id, v = idOfKey(v[w:w+int(n)]), v[w+int(n):]
	n, w = binary.Uvarint(v)
	if w <= 0 || uint64(len(v)-w) < n {
		return id, "", ""
	}
	return id, string(v[w : w+int(n)]), string(v[w+int(n):])
}

// seenAny: the subscription (its seen bucket) alerted on ref as one of
// kinds.
func seenAny(seen *bolt.Bucket, ref uint64, kinds ...byte) bool {
	if ref == 0 || seen == nil {
		return false
	}
	c := seen.Cursor()
	for _, kind := range kinds {
		// The keys hold no value, and bbolt's Get returns nil for an
		// empty one: Seek tells a key that is there.
		want := seenKey(kind, ref)
		if k, _ := c.Seek(want); bytes.Equal(k, want) {
			return true
		}
	}
	return false
}

// alerted says whether m raised an alert already in the subscription whose
// seen bucket this is: its document, or another document of its story.
func (a alertTxV2) alerted(seen *bolt.Bucket, m Match) bool {
	if seenAny(seen, a.ref(m.Document), kindDoc, kindBoth) {
		return true
	}
	return m.Story != "" && seenAny(seen, a.ref(m.Story), kindStory, kindBoth)
}

// add records the alert seq of m in its subscription's buckets, with the
// document's title and URL.
func (a alertTxV2) add(log, seen *bolt.Bucket, seq uint64, m Match, title, url string, created time.Time) error {
	doc, err := a.ensureRef(m.Document, title, url)
	if err != nil {
		return err
	}
	v := binary.AppendUvarint(nil, doc)
	v = binary.AppendUvarint(v, uint64(max(created.Unix(), 0)))
	if err := log.Put(binary.BigEndian.AppendUint64(nil, seq), v); err != nil {
		return err
	}
	switch {
	case m.Story == m.Document:
		return seen.Put(seenKey(kindBoth, doc), nil)
	case m.Story != "":
		story, err := a.ensureRef(m.Story, "", "")
		if err != nil {
			return err
		}
		if err := seen.Put(seenKey(kindStory, story), nil); err != nil {
			return err
		}
	}
	return seen.Put(seenKey(kindDoc, doc), nil)
}

// logCursor walks one subscription's log.
type logCursor struct {
	c    *bolt.Cursor
	sub  []byte
	k, v []byte
}

// logHeap orders the subscriptions' cursors by the sequence they are at.
type logHeap []logCursor

func (h logHeap) Len() int { return len(h) }
func (h logHeap) Less(i, j int) bool {
	return binary.BigEndian.Uint64(h[i].k) < binary.BigEndian.Uint64(h[j].k)
}
func (h logHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *logHeap) Push(x any)   { *h = append(*h, x.(logCursor)) }
func (h *logHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// The layout before compact alerts: a JSON copy of each alert's fields by
// sequence, and two indexes of full IDs.
var (
	bucketAlertsV1    = []byte("alerts")     // seq (8 bytes) → Alert as JSON
	bucketSubAlertsV1 = []byte("sub_alerts") // sub ID + 0 + seq → nothing
	bucketAlertedV1   = []byte("alerted")    // sub ID + 0 + doc ID, or sub ID + 0 + 1 + story → seq
)

// migrateAlerts moves alerts stored before compact alerts into the
// compact layout, keeping their IDs (so webhook deliveries still find
// them) and what each subscription alerted on. It runs when the store
// opens, once: the old buckets are gone afterwards.
func migrateAlerts(tx *bolt.Tx) (int, error) {
	old := tx.Bucket(bucketAlertsV1)
	if old == nil {
		return 0, nil
	}
	a, err := openAlertTxV2(tx)
	if err != nil {
		return 0, err
	}
	n := 0
	err = old.ForEach(func(k, v []byte) error {
		var al Alert
		if err := json.Unmarshal(v, &al); err != nil {
			return fmt.Errorf("alert %x: %w", k, err)
		}
		sub, ok := subKey(al.Subscription)
		if !ok || len(k) != 8 {
			return nil // not made by this store: nothing can list it
		}
		log, _, err := a.subBuckets(sub, true)
		if err != nil {
			return err
		}
		doc, err := a.ensureRef(al.Document, "", "")
		if err != nil {
			return err
		}
		v2 := binary.AppendUvarint(nil, doc)
		v2 = binary.AppendUvarint(v2, uint64(max(al.Created.Unix(), 0)))
		n++
		return log.Put(k, v2)
	})
	if err != nil {
		return 0, err
	}
	if err := a.log.SetSequence(max(a.log.Sequence(), old.Sequence())); err != nil {
		return 0, err
	}
	if alerted := tx.Bucket(bucketAlertedV1); alerted != nil {
		err := alerted.ForEach(func(k, _ []byte) error {
			subID, rest, ok := bytes.Cut(k, []byte{0})
			sub, okSub := subKey(string(subID))
			if !ok || !okSub {
				return nil
			}
			kind := byte(kindDoc)
			if len(rest) > 0 && rest[0] == 1 {
				kind, rest = kindStory, rest[1:]
			}
			_, seen, err := a.subBuckets(sub, true)
			if err != nil {
				return err
			}
			ref, err := a.ensureRef(string(rest), "", "")
			if err != nil {
				return err
			}
			return seen.Put(seenKey(kind, ref), nil)
		})
		if err != nil {
			return 0, err
		}
	}
	for _, name := range [][]byte{bucketAlertsV1, bucketSubAlertsV1, bucketAlertedV1} {
		if err := tx.DeleteBucket(name); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
			return 0, err
		}
	}
	return n, nil
}

// migrateOptions are for tests of the conversion: entries a transaction
// (0: migrateChunk), and a stop after that many transactions (0: none).
type migrateOptions struct {
	chunk, failAfter int
}

// migrateChunk is how many alerts (or records) one transaction of the
// conversion moves: a store of millions of alerts is converted in many
// transactions, not one that holds every page in memory.
const migrateChunk = 20000

// errMigrateKilled stops a conversion in a test, as a kill would.
var errMigrateKilled = errors.New("store: conversion stopped (test)")

// migrateV2 converts alerts of the second layout (alertlog_v2.go) to the
// current one, keeping every alert's ID, time, subscription and
// document, what each subscription alerted on, and the titles and URLs
// the old layout copied (they may be all that is left of a document no
// longer in the index). Each transaction moves a chunk and deletes what
// it moved, so a conversion that stops (a kill, a full disk) resumes at
// the next open where it stopped, and a converted store holds nothing of
// the old layout.
func migrateV2(db *bolt.DB, o migrateOptions) error {
	if o.chunk <= 0 {
		o.chunk = migrateChunk
	}
	txs := 0
	for _, step := range []func(*bolt.Tx, int) (bool, error){migrateLogChunk, migrateSeenChunk, migrateTitlesChunk} {
		for done := false; !done; {
			if o.failAfter > 0 && txs == o.failAfter {
				return errMigrateKilled
			}
			err := db.Update(func(tx *bolt.Tx) error {
				var err error
				done, err = step(tx, o.chunk)
				return err
			})
			if err != nil {
				return fmt.Errorf("store: convert alerts: %w", err)
			}
			txs++
		}
	}
	return nil
}

// migrateLogChunk moves the n first alerts of every subscription's log,
// in ID order, into groups; done when none is left.
func migrateLogChunk(tx *bolt.Tx, n int) (bool, error) {
	log := tx.Bucket(bucketLog)
	if log == nil {
		return true, nil
	}
	docs := tx.Bucket(bucketRefDocs)
	a, err := openAlertTx(tx)
	if err != nil {
		return false, err
	}
	if s := log.Sequence(); s > a.groups.Sequence() {
		if err := a.groups.SetSequence(s); err != nil {
			return false, err
		}
	}
	var h logHeap
	err = log.ForEach(func(k, v []byte) error {
		if v != nil {
			return nil // not a subscription's bucket
		}
		c := log.Bucket(k).Cursor()
		if ck, cv := c.First(); ck != nil {
			h = append(h, logCursor{c: c, sub: bytes.Clone(k), k: ck, v: cv})
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	heap.Init(&h)
	type moved struct {
		sub, key []byte
		ref      uint64
		created  int64
	}
	var batch []moved
	for len(h) > 0 && len(batch) < n {
		top := &h[0]
		ref, w := binary.Uvarint(top.v)
		created, w2 := binary.Uvarint(top.v[max(w, 0):])
		if w <= 0 || w2 <= 0 || len(top.k) != 8 {
			return false, fmt.Errorf("alert %x: damaged record %x", top.k, top.v)
		}
		batch = append(batch, moved{sub: top.sub, key: bytes.Clone(top.k), ref: ref, created: int64(created)})
		if top.k, top.v = top.c.Next(); top.k == nil {
			heap.Pop(&h)
		} else {
			heap.Fix(&h, 0)
		}
	}
	for _, m := range batch {
		// An alert whose document bbolt lost (never seen) could not be
		// listed before either; it stays out.
		var id string
		if docs != nil {
			id, _, _ = decodeRefDoc(docs.Get(refKey(m.ref)))
		}
		if id == "" {
			continue
		}
		num, err := a.subNum(m.sub, true)
		if err != nil {
			return false, err
		}
		if a.group.n >= maxGroup {
			if err := a.group.flush(a.groups); err != nil {
				return false, err
			}
		}
		doc := idKey(id)
		seq := binary.BigEndian.Uint64(m.key)
		a.group.add(groupAlert{seq: seq, sub: num, doc: doc, created: m.created})
		if err := a.appendRun(num, seq); err != nil {
			return false, err
		}
		if err := a.mark(doc, num, bitDoc); err != nil {
			return false, err
		}
	}
	if err := a.flush(); err != nil {
		return false, err
	}
	for _, m := range batch {
		b := log.Bucket(m.sub)
		if err := b.Delete(m.key); err != nil {
			return false, err
		}
	}
	if len(h) == 0 {
		return true, tx.DeleteBucket(bucketLog)
	}
	return false, nil
}

// migrateSeenChunk moves what subscriptions alerted on, whole
// subscriptions at a time, until about n entries moved; done when none is
// left.
func migrateSeenChunk(tx *bolt.Tx, n int) (bool, error) {
	seen := tx.Bucket(bucketSeen)
	if seen == nil {
		return true, nil
	}
	docs := tx.Bucket(bucketRefDocs)
	a, err := openAlertTx(tx)
	if err != nil {
		return false, err
	}
	var subs [][]byte
	err = seen.ForEach(func(k, v []byte) error {
		if v == nil {
			subs = append(subs, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	entries, i := 0, 0
	for ; i < len(subs) && entries < n; i++ {
		num, err := a.subNum(subs[i], true)
		if err != nil {
			return false, err
		}
		err = seen.Bucket(subs[i]).ForEach(func(k, _ []byte) error {
			entries++
			if len(k) != 5 || docs == nil {
				return nil
			}
			id, _, _ := decodeRefDoc(docs.Get(k[1:]))
			if id == "" {
				return nil
			}
			bits := byte(bitDoc)
			switch k[0] {
			case kindStory:
				bits = bitStory
			case kindBoth:
				bits = bitDoc | bitStory
			}
			return a.mark(idKey(id), num, bits)
		})
		if err != nil {
			return false, err
		}
	}
	if err := a.flush(); err != nil {
		return false, err
	}
	for _, sub := range subs[:i] {
		if err := seen.DeleteBucket(sub); err != nil {
			return false, err
		}
	}
	if i == len(subs) {
		return true, tx.DeleteBucket(bucketSeen)
	}
	return false, nil
}

// migrateTitlesChunk keeps the titles and URLs the old layout copied, of
// documents alerts refer to, n records at a time; done when none is
// left, with the refs.
func migrateTitlesChunk(tx *bolt.Tx, n int) (bool, error) {
	docs := tx.Bucket(bucketRefDocs)
	if docs == nil {
		if tx.Bucket(bucketRefs) != nil {
			return true, tx.DeleteBucket(bucketRefs)
		}
		return true, nil
	}
	a, err := openAlertTx(tx)
	if err != nil {
		return false, err
	}
	var keys [][]byte
	c := docs.Cursor()
	for k, v := c.First(); k != nil && len(keys) < n; k, v = c.Next() {
		keys = append(keys, bytes.Clone(k))
		id, title, url := decodeRefDoc(v)
		if id == "" || title == "" && url == "" {
			continue
		}
		r, err := a.rec(idKey(id))
		if err != nil {
			return false, err
		}
		if r.anyDoc() {
			if err := a.kept.Put(idKey(id), encodeKept(title, url)); err != nil {
				return false, err
			}
		}
	}
	for _, k := range keys {
		if err := docs.Delete(k); err != nil {
			return false, err
		}
	}
	if len(keys) < n {
		if err := tx.DeleteBucket(bucketRefDocs); err != nil {
			return false, err
		}
		if tx.Bucket(bucketRefs) != nil {
			return true, tx.DeleteBucket(bucketRefs)
		}
		return true, nil
	}
	return false, nil
}
