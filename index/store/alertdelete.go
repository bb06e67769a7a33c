package store

import (
	"bytes"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

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
