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
