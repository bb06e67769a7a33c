package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
)

// monthDocs returns n documents per month for the months from first,
// each mentioning "radio" and its month, published mid-month at a
// distinct hour.
func monthDocs(first time.Time, months, n int) []Document {
	var docs []Document
	for m := range months {
		for i := range n {
			pub := first.AddDate(0, m, 0).Add(time.Duration(i) * time.Hour)
			u := fmt.Sprintf("https://part.example/%d/%d", m, i)
			docs = append(docs, Document{ID: DocID(u), URL: u, Source: fmt.Sprintf("src%d", i%3),
				Title: fmt.Sprintf("Radio report %d of month %d", i, m),
				Body:  fmt.Sprintf("Nokia radio units, part %d, month%d.", i, m), Published: pub,
				Components: []string{}, Entities: []string{"Nokia"}, Technologies: []string{}})
		}
	}
	return docs
}

// monthly sizes partitions at one document, so that documents upserted
// in publication order get a partition per month, as the tests of
// pruning and walking want.
func monthly() Options { return Options{PartitionDocs: 1} }

var jan = time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)

func openDisk(t *testing.T, o Options) (*Index, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "index.bleve")
	ix, err := OpenWith(path, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix, path
}

func partKeys(t *testing.T, ix *Index) []string {
	t.Helper()
	ps, err := ix.Partitions()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, p := range ps {
		keys = append(keys, p.Key)
	}
	return keys
}

// TestPartitionsByMonth: documents go to the partition of their month,
// on disk, and Count, Get, Exists, MarkGone, CountBySource and search see
// all of them.
func TestPartitionsByMonth(t *testing.T) {
	ctx := context.Background()
	ix, path := openDisk(t, monthly())
	docs := monthDocs(jan, 3, 4)
	if _, err := ix.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	if got, want := partKeys(t, ix), []string{"2026-01", "2026-02", "2026-03"}; !slices.Equal(got, want) {
		t.Fatalf("partitions %v, want %v", got, want)
	}
	for _, k := range []string{"2026-01", "2026-02", "2026-03"} {
		if _, err := os.Stat(filepath.Join(path, k, singleIndexMeta)); err != nil {
			t.Errorf("partition %s on disk: %v", k, err)
		}
	}
	if n, err := ix.Count(); err != nil || n != 12 {
		t.Fatalf("count %d, %v", n, err)
	}
	for _, d := range []Document{docs[0], docs[5], docs[11]} {
		got, err := ix.Get(ctx, d.ID)
		if err != nil || got.Title != d.Title {
			t.Errorf("get %s: %+v, %v", d.URL, got, err)
		}
	}
	ex, err := ix.Exists([]string{docs[1].ID, docs[9].ID, "nope"})
	if err != nil || len(ex) != 2 || !ex[docs[1].ID] || !ex[docs[9].ID] {
		t.Errorf("exists: %v, %v", ex, err)
	}
	n, err := ix.MarkGone(ctx, []string{docs[2].ID, docs[10].ID, "nope"}, jan.AddDate(0, 6, 0))
	if err != nil || n != 2 {
		t.Fatalf("mark gone: %d, %v", n, err)
	}
	if c, _ := ix.Count(); c != 12 {
		t.Errorf("count after mark gone %d: a document was copied to another partition", c)
	}
	if got, _ := ix.Get(ctx, docs[10].ID); got == nil || got.Gone.IsZero() {
		t.Errorf("gone not recorded: %+v", got)
	}
	by, err := ix.CountBySource(ctx)
	if err != nil || by["src0"]+by["src1"]+by["src2"] != 12 {
		t.Errorf("count by source: %v, %v", by, err)
	}
	res, err := ix.Search(ctx, Query{Q: "radio", Limit: 100})
	if err != nil || res.Total != 12 || len(res.Hits) != 12 {
		t.Fatalf("search: %+v, %v", res, err)
	}
	if res.Facets.Sources["src0"] != 6 || res.Facets.Entities["Nokia"] != 12 {
		t.Errorf("facets across partitions: %+v", res.Facets)
	}
	// The alias reports a member's failure in the result's status, not
	// as an error: bleveSearch turns it back into one.
	bad := errors.New("TooManyClauses over 10000")
	sr := &bleve.SearchResult{Status: &bleve.SearchStatus{Errors: map[string]error{"2026-02": bad, "2026-01": bad}}}
	if err := partitionError(sr); err != bad || !isQueryError(err) {
		t.Errorf("partition error: %v", err)
	}
	if err := partitionError(&bleve.SearchResult{Status: &bleve.SearchStatus{}}); err != nil {
		t.Errorf("no partition failed: %v", err)
	}
}

// TestDatePruning: a date filter, from Since/Until or the query
// language, searches only the partitions it overlaps.
func TestDatePruning(t *testing.T) {
	ctx := context.Background()
	ix, err := openMem(monthly())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if _, err := ix.Upsert(ctx, monthDocs(jan, 6, 3)); err != nil {
		t.Fatal(err)
	}
	feb, apr := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		q     Query
		parts []string
		total uint64
	}{
		{"none", Query{}, []string{"2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"}, 18},
		{"since and until", Query{Since: feb, Until: apr}, []string{"2026-02", "2026-03"}, 6},
		{"since", Query{Since: apr}, []string{"2026-04", "2026-05", "2026-06"}, 9},
		{"query language", Query{Q: "radio published:2026-03"}, []string{"2026-03"}, 3},
		// February's documents are all before the 20th: its recorded
		// dates are its documents', not its month's.
		{"query range", Query{Q: "published:>=2026-02-20 published:<2026-03-20"}, []string{"2026-03"}, 3},
		{"under OR: no pruning", Query{Q: "published:2026-03 OR month1"}, []string{"2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"}, 6},
		{"under NOT: no pruning", Query{Q: "radio -published:2026-03"}, []string{"2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"}, 15},
		{"before everything", Query{Until: jan.AddDate(-1, 0, 0)}, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := ix.request(tc.q)
			if err != nil {
				t.Fatal(err)
			}
			lo, hi := publishedBounds(req.Query)
			var got []string
			for _, p := range overlapping(ix.parts, lo, hi) {
				got = append(got, p.key)
			}
			if !slices.Equal(got, tc.parts) {
				t.Errorf("partitions %v, want %v", got, tc.parts)
			}
			res, err := ix.Search(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != tc.total {
				t.Errorf("total %d, want %d", res.Total, tc.total)
			}
		})
	}
}

// TestDocumentStaysInItsPartition: a document whose publication date
// changes stays in the partition it was first written to, which widens
// its span, so that a filter on the new date still finds it.
func TestDocumentStaysInItsPartition(t *testing.T) {
	ctx := context.Background()
	ix, path := openDisk(t, monthly())
	d := monthDocs(jan, 1, 1)[0]
	if _, err := ix.Upsert(ctx, []Document{d}); err != nil {
		t.Fatal(err)
	}
	d.Published = time.Date(2026, 5, 3, 0, 0, 0, 0, time.UTC)
	d.Body += " Corrected."
	res, err := ix.Upsert(ctx, []Document{d})
	if err != nil || len(res.Updated) != 1 {
		t.Fatalf("update: %+v, %v", res, err)
	}
	if got := partKeys(t, ix); !slices.Equal(got, []string{"2026-01"}) {
		t.Fatalf("partitions %v: the document moved or was copied", got)
	}
	sr, err := ix.Search(ctx, Query{Since: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil || sr.Total != 1 {
		t.Fatalf("filter on the new date: %+v, %v", sr, err)
	}
	// The span is stored with the partition.
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ix2.Close()
	ps, _ := ix2.Partitions()
	if len(ps) != 1 || !ps[0].Until.After(d.Published) || ps[0].Docs != 1 {
		t.Errorf("after reopening: %+v", ps)
	}
	if sr, err := ix2.Search(ctx, Query{Since: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)}); err != nil || sr.Total != 1 {
		t.Errorf("filter on the new date after reopening: %+v, %v", sr, err)
	}
}

// TestDateOrderWalksNewestFirst: date order gives the same pages as one
// index would (checked against the documents sorted by hand), reading
// only the newest partitions when they hold the page, with exact totals
// and facets.
func TestDateOrderWalksNewestFirst(t *testing.T) {
	ctx := context.Background()
	ix, err := openMem(monthly())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	docs := monthDocs(jan, 5, 7)
	if _, err := ix.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(docs)
	slices.SortFunc(want, func(a, b Document) int {
		if c := b.Published.Compare(a.Published); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	var got []string
	after := ""
	for page := 0; ; page++ {
		res, err := ix.Search(ctx, Query{Q: "radio", Sort: SortDate, Limit: 4, After: after})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 35 || res.Facets.Entities["Nokia"] != 35 || res.Facets.Sources["src0"] != 15 {
			t.Fatalf("page %d: total %d, facets %+v", page, res.Total, res.Facets)
		}
		for _, h := range res.Hits {
			got = append(got, h.ID)
		}
		if res.Next == "" {
			break
		}
		after = res.Next
	}
	var wantIDs []string
	for _, d := range want {
		wantIDs = append(wantIDs, d.ID)
	}
	if !slices.Equal(got, wantIDs) {
		t.Fatalf("date order over the cursor pages differs from the sorted documents:\n got %v\nwant %v", got, wantIDs)
	}
	// Offsets, across a partition boundary.
	res, err := ix.Search(ctx, Query{Q: "radio", Sort: SortDate, Limit: 5, Offset: 5})
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range res.Hits {
		if h.ID != wantIDs[5+i] {
			t.Fatalf("offset 5: hit %d is %s, want %s", i, h.ID, wantIDs[5+i])
		}
	}
	// How many partitions the walk reads.
	for _, tc := range []struct {
		limit, offset, walked int
	}{{5, 0, 1}, {7, 0, 1}, {8, 0, 2}, {5, 5, 2}, {35, 0, 5}} {
		req, err := ix.request(Query{Q: "radio", Sort: SortDate, Limit: tc.limit, Offset: tc.offset})
		if err != nil {
			t.Fatal(err)
		}
		sr, walked, err := walkNewestFirst(ctx, req, ix.parts)
		if err != nil {
			t.Fatal(err)
		}
		if walked != tc.walked || sr.Total != 35 || len(sr.Hits) != tc.limit {
			t.Errorf("limit %d offset %d: walked %d partitions (want %d), total %d, %d hits", tc.limit, tc.offset, walked, tc.walked, sr.Total, len(sr.Hits))
		}
	}
}

// TestBackupAndCheckAcrossPartitions: a backup holds every partition and
// opens with Open; Check counts them all and names a damaged partition's
// file.
func TestBackupAndCheckAcrossPartitions(t *testing.T) {
	ctx := context.Background()
	ix, path := openDisk(t, monthly())
	if _, err := ix.Upsert(ctx, monthDocs(jan, 3, 5)); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "copy")
	if err := ix.Backup(dir); err != nil {
		t.Fatal(err)
	}
	cp, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := cp.Count(); n != 15 {
		t.Errorf("the copy holds %d documents, want 15", n)
	}
	if res, err := cp.Search(ctx, Query{Q: "radio", Sort: SortDate}); err != nil || res.Total != 15 {
		t.Errorf("search the copy: %+v, %v", res, err)
	}
	cp.Close()
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if n, err := Check(path); err != nil || n != 15 {
		t.Fatalf("check: %d, %v", n, err)
	}
	segs, _ := filepath.Glob(filepath.Join(path, "2026-02", "store", "*.zap"))
	if len(segs) == 0 {
		t.Fatal("no segment in 2026-02")
	}
	b, _ := os.ReadFile(segs[0])
	b[len(b)/2] ^= 1
	if err := os.WriteFile(segs[0], b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Check(path); !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), filepath.Join("2026-02", "store")) {
		t.Errorf("check of a damaged partition: %v", err)
	}
}

// TestRetagAcrossPartitions: Retag sees every partition and writes each
// document back where it was.
func TestRetagAcrossPartitions(t *testing.T) {
	ctx := context.Background()
	ix, err := openMem(monthly())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if _, err := ix.Upsert(ctx, monthDocs(jan, 3, 4)); err != nil {
		t.Fatal(err)
	}
	seen, changed, err := ix.Retag(ctx, func(d *Document) {
		if strings.Contains(d.Title, "month 1") || strings.Contains(d.Title, "month 2") {
			d.Technologies = []string{"O-RAN"}
		}
	}, nil)
	if err != nil || seen != 12 || changed != 8 {
		t.Fatalf("retag: seen %d changed %d, %v", seen, changed, err)
	}
	if n, _ := ix.Count(); n != 12 {
		t.Errorf("count %d after retag", n)
	}
	ps, _ := ix.Partitions()
	for _, p := range ps {
		if p.Docs != 4 {
			t.Errorf("partition %s holds %d documents, want 4", p.Key, p.Docs)
		}
	}
	if res, err := ix.Search(ctx, Query{Technologies: []string{"O-RAN"}}); err != nil || res.Total != 8 {
		t.Errorf("retagged: %+v, %v", res, err)
	}
}

// TestStoriesAndHistogramAcrossPartitions: near duplicates either side of
// a month boundary join one story, the loader reads only the partitions
// of its window, and a histogram counts across months.
func TestStoriesAndHistogramAcrossPartitions(t *testing.T) {
	ctx := context.Background()
	ix, path := openDisk(t, monthly())
	now := time.Now().UTC()
	old := monthDocs(now.AddDate(-1, 0, 0), 1, 3) // far outside the story window
	if _, err := ix.Upsert(ctx, old); err != nil {
		t.Fatal(err)
	}
	body := "Nokia and Ericsson announced a shared open RAN test lab in Lisbon, with three operators joining the first trials of multi-vendor radio units next spring."
	boundary := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	a := Document{ID: DocID("https://a.example/lab"), URL: "https://a.example/lab", Title: "Nokia and Ericsson open a RAN lab", Body: body,
		Published: boundary.Add(-2 * time.Hour), Components: []string{}, Entities: []string{}, Technologies: []string{}}
	if _, err := ix.Upsert(ctx, []Document{a}); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ix2.Close()
	// The loader's request reaches only the partitions of its window.
	since := now.Add(-storyHorizon)
	var want int
	for _, p := range ix2.parts {
		if p.hi.After(since) {
			want++
		}
	}
	lo, _ := publishedBounds(publishedRange(since, time.Time{}))
	if got := len(overlapping(ix2.parts, lo, time.Time{})); got != want || got == len(ix2.parts) {
		t.Errorf("the story loader reads %d of %d partitions, want %d", got, len(ix2.parts), want)
	}
	b := a
	b.ID, b.URL, b.Title = DocID("https://b.example/lab"), "https://b.example/lab", "Nokia and Ericsson open a RAN test lab"
	b.Published = boundary.Add(2 * time.Hour)
	if _, err := ix2.Upsert(ctx, []Document{b}); err != nil {
		t.Fatal(err)
	}
	gb, err := ix2.Get(ctx, b.ID)
	if err != nil || gb.Story != a.ID {
		t.Errorf("the copy across the month boundary has story %q, want %q (%v)", gb.Story, a.ID, err)
	}
	res, err := ix2.Search(ctx, Query{Histogram: []time.Time{boundary.AddDate(-2, 0, 0), boundary, boundary.AddDate(0, 1, 0)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Histogram) != 2 || res.Histogram[0].Count != 4 || res.Histogram[1].Count != 1 {
		t.Errorf("histogram across partitions: %+v", res.Histogram)
	}
}

// TestPercolateAgreesAcrossPartitions: a standing search matches, among a
// batch spread over several months, the documents the same search finds
// in the partitioned index.
func TestPercolateAgreesAcrossPartitions(t *testing.T) {
	ctx := context.Background()
	ix, err := openMem(monthly())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	docs := monthDocs(jan, 4, 5)
	if _, err := ix.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	searches := []Standing{
		{ID: "feb-mar", Q: "radio", Since: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)},
		{ID: "month3", Q: "month3 published:>=2026-01-01"},
		{ID: "src1", Sources: []string{"src1"}},
	}
	matched, failed, err := Percolate(ctx, docs, searches)
	if err != nil || len(failed) != 0 {
		t.Fatal(err, failed)
	}
	for _, s := range searches {
		q := s.Query()
		q.Limit = 100
		res, err := ix.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var found []string
		for _, h := range res.Hits {
			found = append(found, h.ID)
		}
		slices.Sort(found)
		got := slices.Clone(matched[s.ID])
		slices.Sort(got)
		if len(got) == 0 || !slices.Equal(got, found) {
			t.Errorf("%s: percolation matched %d, search found %d", s.ID, len(got), len(found))
		}
	}
}

// TestSearchWhilePartitionsAreCreated: searches, Get and Count run while
// writes create new partitions (-race checks the guard).
func TestSearchWhilePartitionsAreCreated(t *testing.T) {
	ctx := context.Background()
	ix, _ := openDisk(t, monthly())
	docs := monthDocs(jan, 6, 3)
	done := make(chan error)
	go func() {
		for m := range 6 {
			if _, err := ix.Upsert(ctx, docs[3*m:3*m+3]); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			if res, err := ix.Search(ctx, Query{Q: "radio", Sort: SortDate}); err != nil || res.Total != 18 {
				t.Fatalf("after the writes: %+v, %v", res, err)
			}
			return
		default:
		}
		if _, err := ix.Search(ctx, Query{Q: "radio", Sort: SortDate, Limit: 2}); err != nil {
			t.Fatal(err)
		}
		if _, err := ix.Search(ctx, Query{Q: "radio"}); err != nil {
			t.Fatal(err)
		}
		if _, err := ix.Count(); err != nil {
			t.Fatal(err)
		}
		if _, err := ix.Get(ctx, docs[0].ID); err != nil && !errors.Is(err, ErrNotFound) {
			t.Fatal(err)
		}
	}
}

// TestUnfinishedPartitionCreation: a process killed while it created a
// partition (before bleve's metadata, or before the mapping version) does
// not keep the index from opening.
func TestUnfinishedPartitionCreation(t *testing.T) {
	ix, path := openDisk(t, monthly())
	if _, err := ix.Upsert(context.Background(), monthDocs(jan, 1, 2)); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(path, "2026-02", "store"), 0o750); err != nil {
		t.Fatal(err)
	}
	bi, err := bleve.NewUsing(filepath.Join(path, "2026-03"), NewMapping(), "scorch", "scorch", nil)
	if err != nil {
		t.Fatal(err)
	}
	bi.Close()
	ix2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ix2.Close()
	if got := partKeys(t, ix2); !slices.Equal(got, []string{"2026-01", "2026-03"}) {
		t.Errorf("partitions %v", got)
	}
	if n, _ := ix2.Count(); n != 2 {
		t.Errorf("count %d", n)
	}
}
