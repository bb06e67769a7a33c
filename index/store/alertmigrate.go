package store

import (
	"bytes"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

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
	old := false
	err := db.View(func(tx *bolt.Tx) error {
		for _, name := range alertBucketsV2 {
			old = old || tx.Bucket(name) != nil
		}
		return nil
	})
	if err != nil || !old {
		return err // nothing to convert: no write at every open
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
