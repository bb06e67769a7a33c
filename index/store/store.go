// Package store keeps techintel's small transactional state beside the
// search index: per-source run state (last run, last error, HTTP cache
// validators), subscriptions, their alerts and the webhook outbox. It is a bbolt file in the data directory; bbolt is imported
// here only.
package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrLocked: another process holds the store.
var ErrLocked = errors.New("store: in use by another process")

var (
	bucketSources = []byte("sources")
	bucketPages   = []byte("pages")
)

// Store is an open state file. It is safe for concurrent use.
type Store struct {
	db       *bolt.DB
	enqueued chan struct{} // see Enqueued
}

// Open opens or creates the store at path. If another process holds it,
// Open fails after a second with an error wrapping ErrLocked.
func Open(path string) (*Store, error) { return openWith(path, migrateOptions{}) }

// openWith is Open with the conversion's options (tests).
func openWith(path string, mo migrateOptions) (*Store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("store: open %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketSources, bucketPages} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		_, err := migrateAlerts(tx)
		return err
	})
	if err == nil {
		err = migrateV2(db, mo)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: init %s: %w", path, err)
	}
	return &Store{db: db, enqueued: make(chan struct{}, 1)}, nil
}

// Close closes the store.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// SourceState is what techintel remembers about a source between runs.
type SourceState struct {
	LastRun             time.Time `json:"last_run"`
	LastSuccess         time.Time `json:"last_success"`
	LastError           string    `json:"last_error"`
	ConsecutiveFailures int       `json:"consecutive_failures"`
	// BackoffUntil: scheduled runs wait until then after failures.
	BackoffUntil time.Time `json:"backoff_until"`
	// HTTP cache validators of the last successful feed fetch (RFC 9111).
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	// ResolvedURL is the feed a source's web page links to, when its URL
	// is a page rather than a feed.
	ResolvedURL string `json:"resolved_url,omitempty"`
	// ItemsSeen is how many items or pages the last run saw.
	ItemsSeen int `json:"items_seen"`
}

// Source returns the state of the named source (zero if never run).
func (s *Store) Source(name string) (SourceState, error) {
	var st SourceState
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketSources).Get([]byte(name))
		if v == nil {
			return nil
		}
		return json.Unmarshal(v, &st)
	})
	if err != nil {
		return SourceState{}, fmt.Errorf("store: source %q: %w", name, err)
	}
	return st, nil
}

// UpdateSource reads, changes and writes the state of a source in one
// transaction.
func (s *Store) UpdateSource(name string, fn func(*SourceState)) error {
	err := s.db.Update(func(tx *bolt.Tx) error { return updateSourceTx(tx, name, fn) })
	if err != nil {
		return fmt.Errorf("store: update source %q: %w", name, err)
	}
	return nil
}

func updateSourceTx(tx *bolt.Tx, name string, fn func(*SourceState)) error {
	return updateJSON(tx.Bucket(bucketSources), []byte(name), fn)
}

// updateJSON reads the JSON record at key in b (the zero value when there
// is none), lets fn change it and writes it back.
func updateJSON[T any](b *bolt.Bucket, key []byte, fn func(*T)) error {
	var rec T
	if v := b.Get(key); v != nil {
		if err := json.Unmarshal(v, &rec); err != nil {
			return err
		}
	}
	fn(&rec)
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return b.Put(key, v)
}

// PageState is what a site crawl remembers about one page: its HTTP cache
// validators (RFC 9111), the hash and length of its extracted text, the
// hash of the body as received (a page that comes back byte for byte the
// same is not extracted again), and the history of its changes.
type PageState struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	Hash         string `json:"hash,omitempty"`
	Length       int    `json:"length,omitempty"` // characters of the extracted text
	BodyHash     string `json:"body_hash,omitempty"`
	// Seen is when the crawl saw the page in this state: the time a
	// change is recorded with. PutPages uses the time of the call when
	// it is zero.
	Seen time.Time `json:"seen,omitzero"`
	// History is kept by the store, oldest first, the last MaxPageHistory
	// changes: PutPages ignores what a caller puts here.
	History []PageChange `json:"history,omitempty"`
}

// MaxPageHistory is how many changes of a page the store keeps.
const MaxPageHistory = 20

// PageChange is one change of a page's extracted text, as PutPages saw
// it: Hash differed from the one stored.
type PageChange struct {
	At        time.Time `json:"at"`
	OldLength int       `json:"old_length"` // characters before; 0 if the length was not known
	NewLength int       `json:"new_length"` // characters after
}

// PageHistory returns the recorded changes of a page of a source, oldest
// first; none for a page never changed or not known.
func (s *Store) PageHistory(source, url string) ([]PageChange, error) {
	st, _, err := s.Page(source, url)
	if err != nil {
		return nil, err
	}
	return st.History, nil
}

func pageKey(source, url string) []byte { return []byte(source + "\x00" + url) }

// Page returns what is known about a page of a source.
func (s *Store) Page(source, url string) (PageState, bool, error) {
	var st PageState
	found := false
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketPages).Get(pageKey(source, url))
		if v == nil {
			return nil
		}
		found = true
		return json.Unmarshal(v, &st)
	})
	if err != nil {
		return PageState{}, false, fmt.Errorf("store: page %q: %w", url, err)
	}
	return st, found, nil
}

// Pages returns what is known about every page of a source, by URL: what
// a crawl of the source is told it already knows (see the gather
// package's Job). History is left out.
func (s *Store) Pages(source string) (map[string]PageState, error) {
	out := map[string]PageState{}
	prefix := pageKey(source, "")
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketPages).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var st PageState
			if err := json.Unmarshal(v, &st); err != nil {
				return fmt.Errorf("page %q: %w", k[len(prefix):], err)
			}
			st.History = nil
			out[string(k[len(prefix):])] = st
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: pages of %q: %w", source, err)
	}
	return out, nil
}

// PutPages records the state of many pages of a source in one transaction;
// a nil state forgets the page, history included. A page whose Hash
// differs from the one stored gets a PageChange in its history.
func (s *Store) PutPages(source string, pages map[string]*PageState) error {
	if len(pages) == 0 {
		return nil
	}
	now := time.Now().UTC()
	err := s.db.Update(func(tx *bolt.Tx) error { return putPagesTx(tx, source, pages, now) })
	if err != nil {
		return fmt.Errorf("store: put %d pages of %q: %w", len(pages), source, err)
	}
	return nil
}

// putPagesTx records the states of pages of a source; see PutPages.
func putPagesTx(tx *bolt.Tx, source string, pages map[string]*PageState, now time.Time) error {
	b := tx.Bucket(bucketPages)
	for url, st := range pages {
		if st == nil {
			if err := b.Delete(pageKey(source, url)); err != nil {
				return err
			}
			continue
		}
		var old PageState
		if v := b.Get(pageKey(source, url)); v != nil {
			if err := json.Unmarshal(v, &old); err != nil {
				return fmt.Errorf("page %q: %w", url, err)
			}
		}
		next := *st // the caller's state is left as it was
		next.History = old.History
		if old.Hash != "" && next.Hash != "" && old.Hash != next.Hash {
			at := next.Seen
			if at.IsZero() {
				at = now
			}
			next.History = append(next.History, PageChange{At: at.UTC(), OldLength: old.Length, NewLength: next.Length})
			if n := len(next.History); n > MaxPageHistory {
				next.History = next.History[n-MaxPageHistory:]
			}
		}
		v, err := json.Marshal(next)
		if err != nil {
			return err
		}
		if err := b.Put(pageKey(source, url), v); err != nil {
			return err
		}
	}
	return nil
}

// Backup writes a consistent copy of the store to path (a new file) from
// one read transaction, while the store stays in use, and syncs it.
func (s *Store) Backup(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		_, err := tx.WriteTo(f)
		return err
	})
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("store: backup to %s: %w", path, err)
	}
	return nil
}
