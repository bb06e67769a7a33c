package store

import (
	"bytes"
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
