package store

import (
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Commit is what a group of ingest batches records once their documents
// are indexed and their alerts stored: Put writes it in one transaction,
// so that many small batches cost one bbolt commit instead of several
// each.
type Commit struct {
	// Journal are the journal batches (JournalAdd's sequence numbers) to
	// clear.
	Journal []uint64
	// Items are feed item identities seen at Seen: source → key → ID.
	Items map[string]map[string]string
	Seen  time.Time
	// Validators are feeds' new HTTP validators: source → [ETag,
	// Last-Modified].
	Validators map[string][2]string
	// Pages are sites' page states: source → URL → state (nil forgets).
	Pages map[string]map[string]*PageState
}

// PutCommit writes c in one transaction.
func (s *Store) PutCommit(c Commit) error {
	now := time.Now().UTC()
	err := s.db.Update(func(tx *bolt.Tx) error {
		for source, ids := range c.Items {
			if err := putItemsTx(tx, source, ids, c.Seen); err != nil {
				return err
			}
		}
		for source, v := range c.Validators {
			err := updateSourceTx(tx, source, func(st *SourceState) { st.ETag, st.LastModified = v[0], v[1] })
			if err != nil {
				return err
			}
		}
		for source, pages := range c.Pages {
			if err := putPagesTx(tx, source, pages, now); err != nil {
				return err
			}
		}
		if j := tx.Bucket(bucketJournal); j != nil {
			for _, seq := range c.Journal {
				if err := journalDoneTx(j, seq); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: commit %d journal batches: %w", len(c.Journal), err)
	}
	return nil
}

// putItemsTx writes the identities of a source's items that are new,
// changed or not refreshed for itemRefresh, and forgets stale ones when
// it writes.
func putItemsTx(tx *bolt.Tx, source string, ids map[string]string, seen time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	root, err := tx.CreateBucketIfNotExists(bucketItems)
	if err != nil {
		return err
	}
	b, err := root.CreateBucketIfNotExists([]byte(source))
	if err != nil {
		return err
	}
	b.FillPercent = itemFill
	wrote := false
	for k, id := range ids {
		at, old, ok := decodeItem(b.Get([]byte(k)))
		if ok && old == id && seen.Sub(at) < itemRefresh {
			continue
		}
		if err := b.Put([]byte(k), encodeItem(seen, id)); err != nil {
			return err
		}
		wrote = true
	}
	if !wrote {
		return nil
	}
	return forgetItems(b, seen.Add(-ItemRetention))
}

// journalDoneTx deletes one journal batch's entries.
func journalDoneTx(b *bolt.Bucket, seq uint64) error {
	prefix := binary.BigEndian.AppendUint64(nil, seq)
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && len(k) >= 8 && binary.BigEndian.Uint64(k[:8]) == seq; k, _ = c.Seek(prefix) {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}
