package index_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/store"
	"github.com/techintel/techintel/index/story"
)

// benchStoryDocs is how many documents BenchmarkStoryRestore puts in the
// window: TECHINTEL_BENCH_STORY_DOCS, 5,000 by default (the index is
// built first, at about 1,000 documents a second).
func benchStoryDocs(b *testing.B) int {
	n := 5000
	if v := os.Getenv("TECHINTEL_BENCH_STORY_DOCS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 100 {
			b.Fatalf("TECHINTEL_BENCH_STORY_DOCS=%q: want a number of documents of at least 100", v)
		}
	}
	return n
}

// BenchmarkStoryRestore measures the first write's restore of the story
// clusterer from an index whose window holds n documents: "index" reads
// them back from the index and fingerprints them (the baseline, and what
// an index without a signature store still does), "store" reads their
// kept signatures. Each iteration opens the index, restores, and closes.
//
//	TECHINTEL_BENCH_STORY_DOCS=30000 go test -run '^$' -bench StoryRestore -benchtime 1x ./index
func BenchmarkStoryRestore(b *testing.B) {
	n := benchStoryDocs(b)
	now := time.Now().UTC()
	docs, _ := storyWorld(n, now)
	dir := b.TempDir()
	path := filepath.Join(dir, "index")
	st, err := store.Open(filepath.Join(dir, "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ix, err := index.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	ix.SetSignatureStore(st)
	if _, err := ix.Upsert(context.Background(), docs); err != nil {
		b.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		b.Fatal(err)
	}
	restore := func(b *testing.B, sigs index.SignatureStore) {
		for b.Loop() {
			ix, err := index.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			if sigs != nil {
				ix.SetSignatureStore(sigs)
			}
			if err := ix.PrepareWrites(context.Background()); err != nil {
				b.Fatal(err)
			}
			if err := ix.Close(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n), "docs")
	}
	b.Run("index", func(b *testing.B) { restore(b, nil) })
	b.Run("store", func(b *testing.B) { restore(b, st) })
}

// BenchmarkStoryRestoreFromStore measures the restore from a store
// holding the signatures of 100,000 documents of the window
// (TECHINTEL_BENCH_STORY_RECORDS), without building an index of them:
// the store path never reads the index once its signatures are complete.
func BenchmarkStoryRestoreFromStore(b *testing.B) {
	n := 100_000
	if v := os.Getenv("TECHINTEL_BENCH_STORY_RECORDS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("TECHINTEL_BENCH_STORY_RECORDS=%q: want a number of records", v)
		}
	}
	now := time.Now().UTC()
	docs, _ := storyWorld(min(n, 20_000), now)
	dir := b.TempDir()
	st, err := store.Open(filepath.Join(dir, "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	// Signatures of the generated documents, repeated under new ids and
	// times to reach n.
	sigs := make([]story.Signature, len(docs))
	for i, d := range docs {
		sigs[i] = story.Fingerprint(d.Title, d.Body)
	}
	var recs []story.Record
	for i := range n {
		d := docs[i%len(docs)]
		id := strconv.Itoa(i)
		recs = append(recs, story.Record{ID: id, Story: id, Published: d.Published.Add(time.Duration(i) * time.Millisecond), Sig: sigs[i%len(docs)]})
		if len(recs) == 5000 || i == n-1 {
			if err := st.PutSignatures(recs); err != nil {
				b.Fatal(err)
			}
			recs = recs[:0]
		}
	}
	if err := st.SetSignaturesFilled(time.Time{}, true); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, "index")
	for b.Loop() {
		ix, err := index.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		ix.SetSignatureStore(st)
		if err := ix.PrepareWrites(context.Background()); err != nil {
			b.Fatal(err)
		}
		if err := ix.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n), "docs")
}
