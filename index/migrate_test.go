package index

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
)

// buildSingleIndex writes docs into an index of the layout before
// partitions, as the previous release's Open and Upsert did: one bleve
// index at path with the mapping version stored.
func buildSingleIndex(t *testing.T, path string, docs []Document) {
	t.Helper()
	bi, err := bleve.NewUsing(path, NewMapping(), scorch.Name, scorch.Name, openConfig(false))
	if err != nil {
		t.Fatal(err)
	}
	if err := bi.SetInternal([]byte(mappingVersionKey), []byte(mappingVersion)); err != nil {
		t.Fatal(err)
	}
	b := bi.NewBatch()
	for i := range docs {
		d := &docs[i]
		d.Fetched, d.Updated = d.Published.Add(time.Hour), d.Published.Add(time.Hour)
		d.Story = d.ID
		if err := indexDoc(b, d, contentHash(d)); err != nil {
			t.Fatal(err)
		}
	}
	if err := bi.Batch(b); err != nil {
		t.Fatal(err)
	}
	if err := bi.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestMigrateSingleIndex: an index of the single-index layout is split
// into partitions at open, every document kept field for field, the old
// files removed; a migration killed half-way resumes and ends with every
// document once.
func TestMigrateSingleIndex(t *testing.T) {
	ctx := context.Background()
	docs := monthDocs(jan, 4, 10)
	docs[3].Gone = jan.AddDate(0, 2, 0)
	docs[7].Evidence = []Evidence{{Entity: "Nokia", Field: fieldBody, Matched: "Nokia", Excerpt: "Nokia radio units"}}
	for _, killAfter := range []int{0, 2} {
		t.Run(fmt.Sprintf("killed after %d pages", killAfter), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "index.bleve")
			buildSingleIndex(t, path, slices.Clone(docs))
			if killAfter > 0 {
				_, err := OpenWith(path, Options{migratePage: 7, migrateFailAfter: killAfter, PartitionDocs: 10})
				if !errors.Is(err, errMigrateKilled) {
					t.Fatalf("the killed migration: %v", err)
				}
				if _, err := os.Stat(filepath.Join(path, singleIndexMeta)); err != nil {
					t.Fatalf("the old index is gone before the migration ended: %v", err)
				}
			}
			var logged strings.Builder
			ix, err := OpenWith(path, Options{migratePage: 7, Logger: newTestLogger(&logged), PartitionDocs: 10})
			if err != nil {
				t.Fatal(err)
			}
			defer ix.Close()
			if killAfter > 0 && !strings.Contains(logged.String(), "resumed_after=true") {
				t.Errorf("the resumed migration does not say so: %s", logged.String())
			}
			if !strings.Contains(logged.String(), "split into partitions") {
				t.Errorf("the migration does not log its progress: %s", logged.String())
			}
			if n, _ := ix.Count(); n != 40 {
				t.Fatalf("count %d after migration, want 40", n)
			}
			// Read in publication order, the documents fill partitions
			// of PartitionDocs in time order: one per month here.
			if got := partKeys(t, ix); !slices.Equal(got, []string{"2026-01", "2026-02", "2026-03", "2026-04"}) {
				t.Errorf("partitions %v", got)
			}
			for _, name := range []string{singleIndexMeta, "store"} {
				if _, err := os.Stat(filepath.Join(path, name)); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("old %s left: %v", name, err)
				}
			}
			for _, i := range []int{0, 3, 7, 39} {
				got, err := ix.Get(ctx, docs[i].ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Title != docs[i].Title || got.Body != docs[i].Body || !got.Published.Equal(docs[i].Published) ||
					!got.Gone.Equal(docs[i].Gone) || len(got.Evidence) != len(docs[i].Evidence) || got.Source != docs[i].Source {
					t.Errorf("document %d after migration: %+v", i, got)
				}
			}
			// The same documents again: nothing changed.
			again := slices.Clone(docs)
			for i := range again {
				again[i].Gone = time.Time{}
			}
			res, err := ix.Upsert(ctx, again[:10])
			if err != nil || len(res.New) != 0 {
				t.Errorf("re-upsert after migration: %+v, %v", res, err)
			}
			if err := ix.Close(); err != nil {
				t.Fatal(err)
			}
			if n, err := Check(path); err != nil || n != 40 {
				t.Errorf("check after migration: %d, %v", n, err)
			}
		})
	}
}

func newTestLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
