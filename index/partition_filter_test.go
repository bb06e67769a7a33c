package index

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// facetCount is term's count in a bleve facet result (0 if absent).
func facetCount(f *search.FacetResult, term string) int {
	if f.Terms == nil {
		return 0
	}
	for _, tf := range f.Terms.Terms() {
		if tf.Term == term {
			return tf.Count
		}
	}
	return 0
}

// TestDateFilterOverPartitions: since and until filter without scoring,
// and a partition whose every document lies inside them searches without
// them: over partitions some inside the bounds and one across a bound, in
// relevance and in date order, the hits, totals and facets are those of
// one bare bleve index holding the same documents, and every hit scores
// as it does without the filter.
func TestDateFilterOverPartitions(t *testing.T) {
	ctx := context.Background()
	ix, _ := openDisk(t, monthly())
	docs := monthDocs(jan, 6, 4) // the 15th of January to June, 00:00 to 03:00
	if _, err := ix.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	bare, err := bleve.NewUsing("", NewMapping(), scorch.Name, scorch.Name, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bare.Close()
	b := bare.NewBatch()
	for i := range docs {
		if err := AddToBatch(b, &docs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := bare.Batch(b); err != nil {
		t.Fatal(err)
	}
	unfiltered, err := ix.Search(ctx, Query{Q: "radio", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	scores := map[string]float64{}
	for _, h := range unfiltered.Hits {
		scores[h.ID] = h.Score
	}
	// February's partition lies across the lower bound (two of its four
	// documents are after 01:30); March and April's lie inside.
	since, until := time.Date(2026, 2, 15, 1, 30, 0, 0, time.UTC), time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	for _, q := range []Query{
		{Q: "radio", Since: since, Until: until, Limit: 100, Facets: []string{facetSources}},
		{Q: "radio", Since: since, Until: until, Limit: 3, Offset: 2},
		{Q: "radio", Since: since, Until: until, Limit: 100, Sort: SortDate, Facets: []string{facetSources}},
		{Since: since, Until: until, Limit: 100},
		{Since: since, Until: until, Limit: 4, Sort: SortDate},
		{Q: "radio", Since: since.AddDate(0, 0, -1), Limit: 100}, // every partition from February inside
	} {
		res, err := ix.Search(ctx, q)
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		req, err := BuildRequest(q)
		if err != nil {
			t.Fatal(err)
		}
		want, err := bare.SearchInContext(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != want.Total || len(res.Hits) != len(want.Hits) {
			t.Fatalf("%+v: %d matches, %d hits; bare bleve %d, %d", q, res.Total, len(res.Hits), want.Total, len(want.Hits))
		}
		var got, exp []string
		for i, h := range res.Hits {
			got, exp = append(got, h.ID), append(exp, want.Hits[i].ID)
			if s, ok := scores[h.ID]; ok && q.Q != "" && q.Sort == "" && math.Abs(s-h.Score) > 1e-9 {
				t.Errorf("%+v: %s scores %v with the filter, %v without", q, h.ID, h.Score, s)
			}
			if h.Published.Before(q.Since) || !q.Until.IsZero() && !h.Published.Before(q.Until) {
				t.Errorf("%+v: %s published %v, outside the bounds", q, h.ID, h.Published)
			}
		}
		if q.Limit == 100 || q.Sort == SortDate {
			// Score ties between partitions may order differently; the
			// sets must agree, and date order exactly.
			if q.Sort != SortDate {
				slices.Sort(got)
				slices.Sort(exp)
			}
			if !slices.Equal(got, exp) {
				t.Errorf("%+v: hits %q, bare bleve %q", q, got, exp)
			}
		}
		if q.Facets != nil {
			for src, n := range res.Facets.Sources {
				if f := want.Facets[facetSources]; f == nil || facetCount(f, src) != n {
					t.Errorf("%+v: source %s counted %d; bare bleve %v", q, src, n, want.Facets[facetSources])
				}
			}
		}
	}
}

// TestPartitionRequestDropsCoveringRanges: a partition drops exactly the
// ranges on published of the filter that hold all its dates.
func TestPartitionRequestDropsCoveringRanges(t *testing.T) {
	p := &partition{lo: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), hi: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)}
	day := func(m, d int) time.Time { return time.Date(2026, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	for _, c := range []struct {
		name string
		q    Query
		drop bool
	}{
		{"the month exactly", Query{Q: "radio", Since: day(3, 1), Until: day(4, 1)}, true},
		{"a quarter around it", Query{Q: "radio", Since: day(2, 1), Until: day(5, 1)}, true},
		{"since alone, before it", Query{Since: day(1, 1)}, true},
		{"until alone, after it", Query{Q: "radio", Until: day(4, 1)}, true},
		{"inside it", Query{Q: "radio", Since: day(3, 2), Until: day(4, 1)}, false},
		{"ending inside it", Query{Q: "radio", Until: day(3, 31)}, false},
		{"no bounds", Query{Q: "radio"}, false},
		{"updated bounds are kept", Query{Q: "radio", Since: day(3, 1), UpdatedSince: day(1, 1)}, true},
	} {
		req, _, err := buildPlan(c.q, env{m: NewMapping(), now: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		r := p.request(req)
		if dropped := r != req; dropped != c.drop {
			t.Errorf("%s: dropped %v, want %v", c.name, dropped, c.drop)
		}
		if c.name == "updated bounds are kept" {
			f, ok := r.Query.(*query.BooleanQuery).Filter.(*query.DateRangeQuery)
			if !ok || f.FieldVal != fieldUpdated {
				t.Errorf("%s: the filter left is %#v, want the range on updated", c.name, r.Query.(*query.BooleanQuery).Filter)
			}
		}
	}
}
