package store

import (
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketItems holds one nested bucket per feed source: the identity key of
// an item within the feed (its GUID, else its link, else its title and date)
// → the document the item was indexed as. Each value is the time the item
// was last seen in the feed (8 bytes, big-endian Unix seconds) followed by
// the document ID.
var bucketItems = []byte("feed_items")

// ItemRetention is how long a feed item's identity is kept after it was
// last seen in its feed. Feeds list their latest items only; an item gone
// from the feed for this long is not expected back, and forgetting it keeps
// the map of a busy feed from growing without bound.
const ItemRetention = 90 * 24 * time.Hour

// itemRefresh is how stale an entry's last-seen time may get before seeing
// the item again rewrites it: a feed fetched every few minutes then costs
// no store write while its items stay the same.
const itemRefresh = 24 * time.Hour

// itemFill is how full bbolt fills a source's pages of items when it
// splits them (its default is half): a feed's first fetch writes all
// its items in one transaction, and at half its pages stayed half
// empty (4.5 MB of file for 2.2 MB of items over techbench's 20,000).
const itemFill = 0.9

// ItemIDs returns the document IDs recorded for the given identity keys of
// a feed source's items, for those keys that are known.
func (s *Store) ItemIDs(source string, keys []string) (map[string]string, error) {
	out := make(map[string]string, len(keys))
	err := s.db.View(func(tx *bolt.Tx) error {
		b := itemsBucket(tx, source)
		if b == nil {
			return nil
		}
		for _, k := range keys {
			if _, id, ok := decodeItem(b.Get([]byte(k))); ok {
				out[k] = id
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: items of %q: %w", source, err)
	}
	return out, nil
}

// PutItemIDs records that the items with the given identity keys were seen
// in the source's feed at seen and are indexed as the given document IDs
// (key → ID). An entry that already says the same and was seen less than a
// day before is left alone, so an unchanged feed costs no write. When it
// writes, it also forgets the source's items not seen for ItemRetention.
func (s *Store) PutItemIDs(source string, ids map[string]string, seen time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	var stale []string
	err := s.db.View(func(tx *bolt.Tx) error {
		b := itemsBucket(tx, source)
		for k, id := range ids {
			if b == nil {
				stale = append(stale, k)
				continue
			}
			at, old, ok := decodeItem(b.Get([]byte(k)))
			if !ok || old != id || seen.Sub(at) >= itemRefresh {
				stale = append(stale, k)
			}
		}
		return nil
	})
	if err != nil || len(stale) == 0 {
		if err != nil {
			return fmt.Errorf("store: items of %q: %w", source, err)
		}
		return nil
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		root, err := tx.CreateBucketIfNotExists(bucketItems)
		if err != nil {
			return err
		}
		b, err := root.CreateBucketIfNotExists([]byte(source))
		if err != nil {
			return err
		}
		b.FillPercent = itemFill
		for _, k := range stale {
			if err := b.Put([]byte(k), encodeItem(seen, ids[k])); err != nil {
				return err
			}
		}
		return forgetItems(b, seen.Add(-ItemRetention))
	})
	if err != nil {
		return fmt.Errorf("store: put %d items of %q: %w", len(stale), source, err)
	}
	return nil
}

// forgetItems deletes the entries of b last seen before cutoff.
func forgetItems(b *bolt.Bucket, cutoff time.Time) error {
	var old [][]byte
	err := b.ForEach(func(k, v []byte) error {
		if at, _, ok := decodeItem(v); !ok || at.Before(cutoff) {
			old = append(old, k) // keys are valid only during the transaction, which this is
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

func itemsBucket(tx *bolt.Tx, source string) *bolt.Bucket {
	root := tx.Bucket(bucketItems)
	if root == nil {
		return nil
	}
	return root.Bucket([]byte(source))
}

func encodeItem(seen time.Time, id string) []byte {
	v := make([]byte, 8, 8+len(id))
	binary.BigEndian.PutUint64(v, uint64(seen.Unix()))
	return append(v, id...)
}

// decodeItem splits a stored value; ok is false for a missing or short one.
func decodeItem(v []byte) (seen time.Time, id string, ok bool) {
	if len(v) <= 8 {
		return time.Time{}, "", false
	}
	return time.Unix(int64(binary.BigEndian.Uint64(v[:8])), 0).UTC(), string(v[8:]), true
}

// Items returns every identity key recorded for a feed source's items,
// with the document each was indexed as: what a fetch of the source is
// told it already knows (see the gather package's Job).
func (s *Store) Items(source string) (map[string]string, error) {
	out := map[string]string{}
	err := s.db.View(func(tx *bolt.Tx) error {
		b := itemsBucket(tx, source)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if _, id, ok := decodeItem(v); ok {
				out[string(k)] = id
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: items of %q: %w", source, err)
	}
	return out, nil
}
