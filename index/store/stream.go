package store

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// bucketStream holds how far this data directory has committed a
// cluster's documents stream; created at the first write, so that a
// store that never joined a cluster has none.
var bucketStream = []byte("stream")

var keyDocsSeq = []byte("docs_seq")

// StreamSeq is the last sequence of the cluster's documents stream whose
// batch this data directory has committed (0: none). A backup carries it,
// and a replica started from the backup consumes from the next one.
func (s *Store) StreamSeq() (uint64, error) {
	var seq uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketStream); b != nil {
			if v := b.Get(keyDocsSeq); len(v) == 8 {
				seq = binary.BigEndian.Uint64(v)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: stream sequence: %w", err)
	}
	return seq, nil
}

// SetStreamSeq records that the batches up to seq are committed. It never
// goes back: batches delivered again after a crash carry older sequences.
func (s *Store) SetStreamSeq(seq uint64) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketStream)
		if err != nil {
			return err
		}
		if v := b.Get(keyDocsSeq); len(v) == 8 && binary.BigEndian.Uint64(v) >= seq {
			return nil
		}
		return b.Put(keyDocsSeq, binary.BigEndian.AppendUint64(nil, seq))
	})
	if err != nil {
		return fmt.Errorf("store: record stream sequence %d: %w", seq, err)
	}
	return nil
}
