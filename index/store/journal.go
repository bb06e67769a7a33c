package store

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The ingest journal makes alerts survive a crash. The index and this
// store are two files with no shared transaction: a document can be in
// the index while the process died before its alerts were raised. So the
// IDs of a batch are journalled here before the batch goes to the index,
// and the entry is cleared once its alerts are stored; at start, entries
// left behind are percolated again. Replaying is harmless: an alert is
// raised once per subscription and document (AddAlerts), and only for
// documents first fetched after the subscription was created.
var bucketJournal = []byte("journal") // batch seq (8 bytes, big-endian) + doc ID → nothing

// PendingBatch is a journalled batch whose alerts may not have been
// raised.
type PendingBatch struct {
	Seq uint64
	IDs []string
}

// JournalAdd records the document IDs of a batch about to be indexed and
// returns the batch's sequence number for JournalDone. Batches of
// concurrent runs never share an entry, so one finishing does not clear
// another's.
func (s *Store) JournalAdd(ids []string) (uint64, error) {
	var seq uint64
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketJournal)
		if err != nil {
			return err
		}
		if seq, err = b.NextSequence(); err != nil {
			return err
		}
		prefix := binary.BigEndian.AppendUint64(nil, seq)
		for _, id := range ids {
			if err := b.Put(append(prefix[:8:8], id...), nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: journal %d documents: %w", len(ids), err)
	}
	return seq, nil
}

// JournalDone clears a batch: its alerts are stored.
func (s *Store) JournalDone(seq uint64) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketJournal)
		if b == nil {
			return nil
		}
		prefix := binary.BigEndian.AppendUint64(nil, seq)
		c := b.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
			if err := c.Delete(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: clear journal batch %d: %w", seq, err)
	}
	return nil
}

// Pending lists the journalled batches, oldest first.
func (s *Store) Pending() ([]PendingBatch, error) {
	var out []PendingBatch
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketJournal)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, _ []byte) error {
			if len(k) < 8 {
				return fmt.Errorf("malformed journal key %q", k)
			}
			seq := binary.BigEndian.Uint64(k)
			if len(out) == 0 || out[len(out)-1].Seq != seq {
				out = append(out, PendingBatch{Seq: seq})
			}
			out[len(out)-1].IDs = append(out[len(out)-1].IDs, string(k[8:]))
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: journal: %w", err)
	}
	return out, nil
}
