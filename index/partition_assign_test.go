package index

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	bolt "go.etcd.io/bbolt"
)

// partSpans describes the partitions as "key first..last docs", oldest
// first, and fails if two of them cover the same month.
func partSpans(t *testing.T, ix *Index) []string {
	t.Helper()
	ps, err := ix.Partitions()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i, p := range ps {
		if p.LastMonth < p.FirstMonth {
			t.Errorf("partition %s covers %s to %s: not a span", p.Key, p.FirstMonth, p.LastMonth)
		}
		if i > 0 && ps[i-1].LastMonth >= p.FirstMonth {
			t.Errorf("partitions %s (to %s) and %s (from %s) overlap", ps[i-1].Key, ps[i-1].LastMonth, p.Key, p.FirstMonth)
		}
		out = append(out, fmt.Sprintf("%s %s..%s %d", p.Key, p.FirstMonth, p.LastMonth, p.Docs))
	}
	return out
}

// datedDocs returns one document per date, mentioning "sparrow" and its
// number.
func datedDocs(prefix string, dates ...time.Time) []Document {
	docs := make([]Document, len(dates))
	for i, d := range dates {
		u := fmt.Sprintf("https://dated.example/%s/%d", prefix, i)
		docs[i] = Document{ID: DocID(u), URL: u, Source: "dated", Title: fmt.Sprintf("Sparrow %s %d", prefix, i),
			Body: "Sparrow sightings.", Published: d, Components: []string{}, Entities: []string{}, Technologies: []string{}}
	}
	return docs
}

// TestPartitionsSizedByDocuments: a partition takes the documents of the
// months next to it until it holds PartitionDocs, then a new one starts;
// spans never overlap, and survive a reopen.
func TestPartitionsSizedByDocuments(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		partDocs int
		months   int // of 4 documents each from January 2026, in one Upsert
		want     []string
	}{
		{"default size: a year is one partition", 0, 12, []string{"2026-01 2026-01..2026-12 48"}},
		{"ten documents", 10, 6, []string{"2026-01 2026-01..2026-03 12", "2026-04 2026-04..2026-06 12"}},
		{"one document: a partition a month", 1, 3,
			[]string{"2026-01 2026-01..2026-01 4", "2026-02 2026-02..2026-02 4", "2026-03 2026-03..2026-03 4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := Options{PartitionDocs: tt.partDocs}
			ix, path := openDisk(t, o)
			if _, err := ix.Upsert(ctx, monthDocs(jan, tt.months, 4)); err != nil {
				t.Fatal(err)
			}
			if got := partSpans(t, ix); !slices.Equal(got, tt.want) {
				t.Fatalf("partitions %q, want %q", got, tt.want)
			}
			// A month filter still finds its month's documents, and
			// prunes the partitions that cannot hold them.
			res, err := ix.Search(ctx, Query{Q: "radio", Since: jan.AddDate(0, 1, -14), Until: jan.AddDate(0, 2, -14), Limit: 100})
			if err != nil || res.Total != 4 {
				t.Fatalf("a month: %+v, %v", res, err)
			}
			if err := ix.Close(); err != nil {
				t.Fatal(err)
			}
			ix2, err := OpenWith(path, o)
			if err != nil {
				t.Fatal(err)
			}
			defer ix2.Close()
			if got := partSpans(t, ix2); !slices.Equal(got, tt.want) {
				t.Fatalf("after a reopen: partitions %q, want %q", got, tt.want)
			}
			// A document of a covered month joins its partition, however
			// full: every month maps to one partition.
			if _, err := ix2.Upsert(ctx, datedDocs("again", jan.AddDate(0, 1, 3))); err != nil {
				t.Fatal(err)
			}
			if got := partSpans(t, ix2); len(got) != len(tt.want) {
				t.Errorf("a covered month started a partition: %q", got)
			}
		})
	}
}

// TestHostileDatesAddPartitionsOnlyAsTheyFill: dates decades old go to
// partitions before the oldest, which start only when the oldest is full,
// so that a century of dates adds partitions by the number of documents,
// not by the months they reach back; a future date counts as now for the
// choice of partition; searches by date still find them all.
func TestHostileDatesAddPartitionsOnlyAsTheyFill(t *testing.T) {
	const partDocs = 4
	for _, order := range []string{"oldest first", "newest first"} {
		t.Run(order, func(t *testing.T) {
			ctx := context.Background()
			ix, _ := openDisk(t, Options{PartitionDocs: partDocs})
			now := time.Now().UTC()
			recent := []time.Time{now.AddDate(0, -2, 0), now.AddDate(0, -2, 0), now.AddDate(0, -2, 0), now.AddDate(0, -2, 0),
				now.AddDate(0, -1, 0), now.AddDate(0, -1, 0)}
			if _, err := ix.Upsert(ctx, datedDocs("recent", recent...)); err != nil {
				t.Fatal(err)
			}
			if before := partSpans(t, ix); len(before) != 2 {
				t.Fatalf("partitions %q, want one full and one of two documents", before)
			}
			var old []time.Time
			for y := 1900; y < 2000; y += 3 {
				old = append(old, time.Date(y, time.Month(1+y%12), 10, 0, 0, 0, 0, time.UTC))
			}
			if order == "newest first" {
				slices.Reverse(old)
			}
			far := now.AddDate(50, 0, 0)
			docs := datedDocs("old", old...)
			docs = append(docs, datedDocs("future", far, now.AddDate(0, 0, 40), now.AddDate(5, 0, 0))...)
			if _, err := ix.Upsert(ctx, docs); err != nil {
				t.Fatal(err)
			}
			ps, err := ix.Partitions()
			if err != nil {
				t.Fatal(err)
			}
			spans := partSpans(t, ix)
			// At most one partition per partDocs old documents (plus one
			// partly filled), and the future dates in the newest or in a
			// new one for this month.
			if most := 2 + (len(old)+partDocs-1)/partDocs + 1; len(ps) > most {
				t.Fatalf("%d dates over a century and the future opened %d partitions, want at most %d: %q", len(docs), len(ps), most, spans)
			}
			var oldDocs uint64
			for _, p := range ps {
				if p.LastMonth < now.AddDate(0, -2, 0).Format(monthFormat) {
					oldDocs += p.Docs
				}
			}
			if ps[0].FirstMonth != slices.MinFunc(old, time.Time.Compare).Format(monthFormat) || oldDocs != uint64(len(old)) {
				t.Errorf("the old dates are not in partitions of their own before the recent ones: %q", spans)
			}
			if order == "oldest first" && len(ps) > 4 {
				// The oldest date comes first and covers the century.
				t.Errorf("old dates in ascending order opened more than one partition: %q", spans)
			}
			if last := ps[len(ps)-1].LastMonth; last != now.Format(monthFormat) {
				t.Errorf("the newest partition covers months to %s, want this month %s: %q", last, now.Format(monthFormat), spans)
			}
			for _, c := range []struct {
				name         string
				since, until time.Time
				want         uint64
			}{
				{"the 1900s", time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), uint64(len(old))},
				{"50 years ahead", far.AddDate(0, 0, -1), far.AddDate(0, 0, 1), 1},
				{"the future", now.AddDate(0, 0, 1), time.Time{}, 3},
				{"everything", time.Time{}, time.Time{}, uint64(len(recent) + len(docs))},
			} {
				res, err := ix.Search(ctx, Query{Q: "sparrow", Since: c.since, Until: c.until, Limit: 100})
				if err != nil {
					t.Errorf("%s: %v", c.name, err)
				} else if res.Total != c.want {
					t.Errorf("%s: %d hits, want %d", c.name, res.Total, c.want)
				}
			}
		})
	}
}

// TestArchiveNewestFirstIsPartitioned: a year read newest first (a feed
// lists its newest item first, so a first crawl of a deep archive comes
// so) is cut into partitions of about PartitionDocs, as the same year in
// time order is, and searches of a month find the month's documents.
func TestArchiveNewestFirstIsPartitioned(t *testing.T) {
	ctx := context.Background()
	docs := monthDocs(jan, 12, 4)
	slices.Reverse(docs)
	ix, path := openDisk(t, Options{PartitionDocs: 10})
	for chunk := range slices.Chunk(docs, 7) { // several Upserts, as runs commit them
		if _, err := ix.Upsert(ctx, chunk); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"2026-01 2026-01..2026-03 12", "2026-04 2026-04..2026-06 12", "2026-07 2026-07..2026-09 12", "2026-10 2026-10..2026-12 12"}
	// The key of a partition is its first month at creation: a partition
	// started by December and widened back to October keeps December's.
	got := partSpans(t, ix)
	for i := range got {
		if len(want) != len(got) || !strings.HasSuffix(got[i], want[i][len("2026-01"):]) {
			t.Fatalf("partitions %q, want spans %q", got, want)
		}
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix, err := OpenWith(path, Options{PartitionDocs: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	for m := range 12 {
		since := time.Date(2026, time.Month(1+m), 1, 0, 0, 0, 0, time.UTC)
		res, err := ix.Search(ctx, Query{Q: "radio", Since: since, Until: since.AddDate(0, 1, 0), Limit: 100})
		if err != nil || res.Total != 4 {
			t.Fatalf("month %d: %d hits, %v; want 4", m+1, res.Total, err)
		}
	}
}

// TestMonthlyLayoutOpensUnchanged: an index of the release with one
// partition per month (layout "monthly-1", spans without months) opens as
// it is; the file is marked "spans-1" before a partition first covers two
// months, and a version it does not know is refused.
func TestMonthlyLayoutOpensUnchanged(t *testing.T) {
	ctx := context.Background()
	ix, path := openDisk(t, monthly())
	if _, err := ix.Upsert(ctx, monthDocs(jan, 3, 2)); err != nil {
		t.Fatal(err)
	}
	// Rewrite it as the monthly release left it.
	err := ix.readParts(func(parts []*partition) error {
		for _, p := range parts {
			v, _ := json.Marshal(struct{ Lo, Hi time.Time }{p.lo, p.hi})
			if err := p.bi.SetInternal([]byte(spanKey), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	setVersion := func(v string) {
		t.Helper()
		db, err := bolt.Open(filepath.Join(path, layoutFile), 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.Update(func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(layoutBucket)).Put([]byte(layoutVersionKey), []byte(v))
		}); err != nil {
			t.Fatal(err)
		}
	}
	setVersion(monthlyVersion)

	ix2, err := OpenWith(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2026-01 2026-01..2026-01 2", "2026-02 2026-02..2026-02 2", "2026-03 2026-03..2026-03 2"}
	if got := partSpans(t, ix2); !slices.Equal(got, want) {
		t.Fatalf("the monthly layout opened as %q, want %q", got, want)
	}
	// A document of a month already covered keeps the layout monthly.
	if _, err := ix2.Upsert(ctx, datedDocs("feb", jan.AddDate(0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	if ix2.layoutVersion != monthlyVersion {
		t.Errorf("layout %q after a write within a month, want it left %q", ix2.layoutVersion, monthlyVersion)
	}
	// A new month widens the newest partition: from now on the release
	// of monthly partitions would misread the index, so it must refuse.
	if _, err := ix2.Upsert(ctx, datedDocs("apr", jan.AddDate(0, 3, 0))); err != nil {
		t.Fatal(err)
	}
	want = []string{"2026-01 2026-01..2026-01 2", "2026-02 2026-02..2026-02 3", "2026-03 2026-03..2026-04 3"}
	if got := partSpans(t, ix2); !slices.Equal(got, want) {
		t.Fatalf("partitions %q, want %q", got, want)
	}
	if err := ix2.Close(); err != nil {
		t.Fatal(err)
	}
	db, _, _, err := openLayout(path)
	if err != nil {
		t.Fatal(err)
	}
	var v string
	_ = db.View(func(tx *bolt.Tx) error {
		v = string(tx.Bucket([]byte(layoutBucket)).Get([]byte(layoutVersionKey)))
		return nil
	})
	db.Close()
	if v != layoutVersion {
		t.Errorf("layout file says %q, want %q", v, layoutVersion)
	}

	setVersion("spans-9")
	_, err = OpenWith(path, Options{})
	if err == nil || !strings.Contains(err.Error(), `"spans-9"`) || !strings.Contains(err.Error(), "another release") {
		t.Errorf("a layout of another release: %v", err)
	}
}

// TestRetentionDropsWholeSpans: retention drops a partition only when its
// whole span is older than the cutoff, and a date older than every
// partition left starts a partition before the oldest, which is full.
func TestRetentionDropsWholeSpans(t *testing.T) {
	ctx := context.Background()
	ix, _ := openDisk(t, Options{PartitionDocs: 10})
	if _, err := ix.Upsert(ctx, monthDocs(jan, 6, 4)); err != nil {
		t.Fatal(err)
	}
	if dropped, err := ix.DropBefore(time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)); err != nil || len(dropped) != 0 {
		t.Fatalf("dropped %v, %v: the first partition holds mid-March", dropped, err)
	}
	dropped, err := ix.DropBefore(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || !slices.Equal(dropped, []string{"2026-01"}) {
		t.Fatalf("dropped %v, %v", dropped, err)
	}
	if _, err := ix.Upsert(ctx, datedDocs("late", jan.AddDate(0, 1, 0))); err != nil {
		t.Fatal(err)
	}
	if got, want := partSpans(t, ix), []string{"2026-02 2026-02..2026-03 1", "2026-04 2026-04..2026-06 12"}; !slices.Equal(got, want) {
		t.Errorf("partitions %q, want %q", got, want)
	}
}

// TestEmptyOverlapChecksTheQuery: a date filter no partition overlaps
// answers nothing, but a query or filter that fails with data fails the
// same way: those the request builder refuses, and those bleve finds only
// when the search starts (a bad regular expression, here in a request
// built by hand, as the query language writes none).
func TestEmptyOverlapChecksTheQuery(t *testing.T) {
	ctx := context.Background()
	empty, err := openMem(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer empty.Close()
	ix, _ := openDisk(t, monthly())
	if _, err := ix.Upsert(ctx, monthDocs(jan, 2, 3)); err != nil {
		t.Fatal(err)
	}
	since, until := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1991, 1, 1, 0, 0, 0, 0, time.UTC)
	nineties := Query{Since: since, Until: until}
	for _, q := range []Query{{Q: "title:/a(/"}, {Q: `"open ran`}, {Q: "foo:bar"}, {Q: "radio", Facets: []string{"colours"}}} {
		_, withData := ix.Search(ctx, q)
		if !errors.Is(withData, ErrBadQuery) {
			t.Fatalf("%q with data: %v, want ErrBadQuery", q.Q, withData)
		}
		for name, c := range map[string]struct {
			ix *Index
			q  Query
		}{"a filter before every partition": {ix, nineties}, "no partition at all": {empty, Query{}}} {
			c.q.Q, c.q.Facets = q.Q, q.Facets
			_, err := c.ix.Search(ctx, c.q)
			if !errors.Is(err, ErrBadQuery) || err.Error() != withData.Error() {
				t.Errorf("%q, %s: %v; with data: %v", q.Q, name, err, withData)
			}
		}
	}
	rx := func(lo, hi time.Time) *bleve.SearchRequest {
		r := bleve.NewRegexpQuery("a[")
		r.SetField(fieldTitle)
		d := bleve.NewDateRangeQuery(lo, hi)
		d.SetField(fieldPublished)
		return bleve.NewSearchRequest(bleve.NewConjunctionQuery(r, d))
	}
	_, withData := ix.search(ctx, rx(jan.AddDate(0, 0, -20), jan.AddDate(0, 2, 0)))
	_, without := ix.search(ctx, rx(since, until))
	if !errors.Is(withData, ErrBadQuery) || without == nil || without.Error() != withData.Error() {
		t.Errorf("a bad regular expression: %v over no partition, %v with data", without, withData)
	}
	q := nineties
	q.Q, q.Facets = "radio", []string{facetSources}
	res, err := ix.Search(ctx, q)
	if err != nil || res.Total != 0 || len(res.Hits) != 0 {
		t.Errorf("a good query over no partition: %+v, %v", res, err)
	}
}

// TestRetentionShapesPartitions: with a retention, a partition spans at
// most a sixth of it, so that retention drops expired documents whichever
// order they came in (a feed lists the newest first), and expired dates
// however many make one partition.
func TestRetentionShapesPartitions(t *testing.T) {
	ctx := context.Background()
	year := Retention{Months: 12}
	now := time.Now().UTC()
	var ages []time.Time // newest first
	for m := range 12 {
		ages = append(ages, now.AddDate(0, -m, 0))
	}
	var expired []time.Time
	for _, m := range []int{13, 14, 20, 12 * 30, 12 * 60} {
		expired = append(expired, now.AddDate(0, -m, 0))
	}
	ix, _ := openDisk(t, Options{Retention: year})
	if _, err := ix.Upsert(ctx, datedDocs("kept", ages...)); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Upsert(ctx, datedDocs("expired", expired...)); err != nil {
		t.Fatal(err)
	}
	spans := partSpans(t, ix)
	if len(spans) > 8 {
		t.Fatalf("a year of documents and five expired ones in %d partitions, want at most 7 (two months each, and one expired): %q", len(spans), spans)
	}
	dropped, err := ix.ApplyRetention(now)
	if err != nil || len(dropped) != 1 {
		t.Fatalf("retention dropped %v, %v; want the one partition of expired documents of %q", dropped, err, spans)
	}
	if n, _ := ix.Count(); n != uint64(len(ages)) {
		t.Errorf("%d documents after retention, want the %d of the last year: %q", n, len(ages), partSpans(t, ix))
	}
	// In publication order, partitions roll over every two months.
	ix2, _ := openDisk(t, Options{Retention: year})
	slices.Reverse(ages)
	if _, err := ix2.Upsert(ctx, datedDocs("kept", ages...)); err != nil {
		t.Fatal(err)
	}
	if got := partSpans(t, ix2); len(got) != 6 {
		t.Errorf("a year in publication order made partitions %q, want six of two months", got)
	}
}

// TestMigrateToOnePartition: a single index of a few months' documents
// migrates to one partition of default size, covering them all.
func TestMigrateToOnePartition(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.bleve")
	buildSingleIndex(t, path, monthDocs(jan, 4, 10))
	ix, err := OpenWith(path, Options{migratePage: 7})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if got, want := partSpans(t, ix), []string{"2026-01 2026-01..2026-04 40"}; !slices.Equal(got, want) {
		t.Errorf("partitions %q, want %q", got, want)
	}
}
