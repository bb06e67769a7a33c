package index_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/techintel/techintel/index"
)

// BenchmarkRelevanceSort compares the request Search builds for relevance
// order (score alone, bleve's top-k collector, the chosen facets) with the
// request it built before (score, then date and id: a multi-key sort that
// skips the top-k collector, and all four facets), on the same index and
// query, run through bleve directly so that only the request differs.
func BenchmarkRelevanceSort(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 5))
	vocab := make([]string, 3000)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("w%dx", i)
	}
	text := func(n int) string {
		w := make([]string, n)
		for i := range w {
			// Zipf-like: low words are common, so queries match many.
			w[i] = vocab[int(float64(len(vocab))*r.Float64()*r.Float64()*r.Float64())]
		}
		return strings.Join(w, " ")
	}
	ix, err := index.OpenMem()
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	var docs []index.Document
	for i := range 20000 {
		u := fmt.Sprintf("https://b.example/%d", i)
		docs = append(docs, index.Document{ID: index.DocID(u), URL: u, Title: text(8), Body: text(120), Source: "s",
			Published:  time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute),
			Components: []string{}, Entities: []string{}, Technologies: []string{}})
	}
	if _, err := ix.Upsert(context.Background(), docs); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, q := range []string{"w1x", "w1x w2x", `"w1x w2x"`} {
		now, err := index.BuildRequest(index.Query{Q: q, Facets: []string{"entities"}})
		if err != nil {
			b.Fatal(err)
		}
		before, _ := index.BuildRequest(index.Query{Q: q})
		before.SortBy([]string{"-_score", "-published", "_id"})
		// unranked is now without the ranking clauses (title, phrase,
		// article): what they cost.
		unranked := *now
		unranked.Query = now.Query.(*query.BooleanQuery).Must.(*query.ConjunctionQuery).Conjuncts[0]
		for _, c := range []struct {
			name string
			req  *bleve.SearchRequest
		}{{"before", before}, {"now", now}, {"unranked", &unranked}} {
			b.Run(q+"/"+c.name, func(b *testing.B) {
				req := c.req
				for b.Loop() {
					if _, err := ix.Bleve().SearchInContext(ctx, req); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkSearchRequest compares Search (the page highlighted in a second
// request; filter-only facet counts cached until the next write) with the
// single bleve request it replaces (highlighting every match's term
// vectors; facets counted on every search), on the same index and
// queries, alternating: "bleve" runs BuildRequest's request on the
// index's bleve, "search" runs index.Search (which also makes the page's
// hits, snippets and facet maps); search/bleve is their ratio.
//
//	go test -run='^$' -bench=SearchRequest -benchtime=20x ./index/
func BenchmarkSearchRequest(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 8))
	vocab := make([]string, 3000)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("w%dx", i)
	}
	text := func(n int) string {
		w := make([]string, n)
		for i := range w {
			w[i] = vocab[int(float64(len(vocab))*r.Float64()*r.Float64()*r.Float64())]
		}
		return strings.Join(w, " ")
	}
	ix, err := index.OpenMem()
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	var docs []index.Document
	for i := range 20000 {
		u := fmt.Sprintf("https://b.example/%d", i)
		docs = append(docs, index.Document{ID: index.DocID(u), URL: u, Title: text(8), Body: text(200), Source: fmt.Sprintf("s%d", i%50),
			Published:  time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute),
			Components: []string{index.Components[i%4]}, Entities: []string{fmt.Sprintf("e%d", i%30)}, Technologies: []string{}})
	}
	if _, err := ix.Upsert(context.Background(), docs); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, q := range []index.Query{
		{Q: "w1x", Facets: []string{"entities"}},
		{Q: "w1x w2x", Facets: []string{"entities"}},
		{Q: `"w1x w2x"`, Facets: []string{"entities"}},
		{Q: "w40x", Facets: []string{"entities"}},
		{Components: []string{"own"}},
		{Since: time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)},
	} {
		req, err := index.BuildRequest(q)
		if err != nil {
			b.Fatal(err)
		}
		name := fmt.Sprintf("q=%s,component=%v,since=%v", q.Q, q.Components, !q.Since.IsZero())
		// Each iteration runs both, alternating which goes first, so that
		// the machine's load weighs on both alike; the ratio is the figure.
		b.Run(name, func(b *testing.B) {
			var bl, se time.Duration
			i := 0
			for b.Loop() {
				one := func(search bool) {
					t := time.Now()
					var err error
					if search {
						_, err = ix.Search(ctx, q)
						se += time.Since(t)
					} else {
						_, err = ix.Bleve().SearchInContext(ctx, req)
						bl += time.Since(t)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				one(i%2 == 0)
				one(i%2 != 0)
				i++
			}
			b.ReportMetric(float64(bl.Microseconds())/1000/float64(i), "bleve-ms/op")
			b.ReportMetric(float64(se.Microseconds())/1000/float64(i), "search-ms/op")
			b.ReportMetric(float64(se)/float64(bl), "search/bleve")
		})
	}
}
