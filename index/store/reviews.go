package store

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketReviews maps a partner's name to the date of its last alliance
// review (RFC 3339). It is created at the first review.
var bucketReviews = []byte("reviews")

// Reviewed returns the last alliance review date of every partner
// reviewed so far.
func (s *Store) Reviewed() (map[string]time.Time, error) {
	out := map[string]time.Time{}
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketReviews)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			t, err := time.Parse(time.RFC3339, string(v))
			if err != nil {
				return fmt.Errorf("review of %q: %w", k, err)
			}
			out[string(k)] = t
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: reviews: %w", err)
	}
	return out, nil
}

// SetReviewed records that the partner's alliance was reviewed at t.
func (s *Store) SetReviewed(partner string, t time.Time) error {
	if partner == "" {
		return fmt.Errorf("store: review: empty partner name")
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketReviews)
		if err != nil {
			return err
		}
		return b.Put([]byte(partner), []byte(t.UTC().Format(time.RFC3339)))
	})
	if err != nil {
		return fmt.Errorf("store: review %q: %w", partner, err)
	}
	return nil
}
