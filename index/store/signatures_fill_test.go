package store

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/techintel/techintel/index/story"
)

// TestSignaturePagesFilled: records written as news arrives (in
// publication order, in batches) fill their pages, instead of leaving
// them half empty as bbolt's default split does.
func TestSignaturePagesFilled(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	const n, batch = 3000, 250
	for i := 0; i < n; i += batch {
		var recs []story.Record
		for j := i; j < i+batch; j++ {
			id := fmt.Sprintf("doc-%06d", j)
			recs = append(recs, story.Record{ID: id, Story: id, Published: start.Add(time.Duration(j) * time.Minute),
				Sig: story.Fingerprint("", fmt.Sprintf("body of document %d with some words in it", j))})
		}
		if err := s.PutSignatures(recs); err != nil {
			t.Fatal(err)
		}
	}
	var pages, inuse, keys int
	err = s.db.View(func(tx *bolt.Tx) error {
		st := tx.Bucket(bucketSignatures).Stats()
		pages = st.LeafPageN + st.LeafOverflowN + st.BranchPageN + st.BranchOverflowN
		inuse, keys = st.LeafInuse+st.BranchInuse, st.KeyN-(st.BucketN-1) // less the day buckets
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if keys != n {
		t.Fatalf("%d records kept, want %d", keys, n)
	}
	perRecord := pages * s.db.Info().PageSize / n
	t.Logf("%d pages for %d records: %d bytes a record, %d of them in use", pages, n, perRecord, inuse/n)
	if perRecord > inuse/n*4/3 {
		t.Errorf("a record takes %d bytes of pages for %d in use: pages are left less than 3/4 full", perRecord, inuse/n)
	}
}

// TestItemPagesFilled: a feed's first fetch, its items recorded in one
// commit, fills their pages.
func TestItemPagesFilled(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const n = 2000
	items := map[string]string{}
	for i := range n {
		items[fmt.Sprintf("https://news.example/%x/article-%d", i*7919%n, i)] = fmt.Sprintf("%016x", i*2654435761)
	}
	c := Commit{Seen: time.Now(), Items: map[string]map[string]string{"news": items}}
	if err := s.PutCommit(c); err != nil {
		t.Fatal(err)
	}
	var pages, inuse, keys int
	err = s.db.View(func(tx *bolt.Tx) error {
		st := tx.Bucket(bucketItems).Bucket([]byte("news")).Stats()
		pages = st.LeafPageN + st.LeafOverflowN + st.BranchPageN + st.BranchOverflowN
		inuse, keys = st.LeafInuse+st.BranchInuse, st.KeyN
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if keys != n {
		t.Fatalf("%d items kept, want %d", keys, n)
	}
	used := pages * s.db.Info().PageSize
	t.Logf("%d pages for %d items: %d bytes, %d of them in use", pages, n, used, inuse)
	if used > inuse*4/3 {
		t.Errorf("%d bytes of pages for %d in use: pages are left less than 3/4 full", used, inuse)
	}
}
