package index

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/search"
)

// requestCorpus indexes n news-like documents made of real sentences, so
// that words repeat, phrases recur and bodies have several fragments.
func requestCorpus(t *testing.T, n int) *Index {
	t.Helper()
	return requestCorpusEvery(t, n, time.Hour)
}

// requestCorpusEvery is requestCorpus with every second document published
// step after the one before: a day or more spreads them over several
// month partitions.
func requestCorpusEvery(t *testing.T, n int, step time.Duration) *Index {
	t.Helper()
	sentences := []string{
		"Nokia and Vodafone trial network slicing on a standalone 5G core in Newbury.",
		"The open radio access network alliance published its security specification.",
		"Ericsson ships massive MIMO radios to operators across Europe this quarter.",
		"Engineers measured the latency of the private 5G network at the port of Hamburg.",
		"The standards body froze the release, leaving the study items for the next one.",
		"Analysts expect spectrum auctions to slow down as operators pay down debt.",
		"A software library for network automation was released under an open licence.",
		"Quantum-safe cryptography moves from the laboratory into the mobile core.",
		"The operator said the trial <b>beat</b> its targets & would continue in spring.",
		"Satellite links complement terrestrial radio where fibre never arrives.",
	}
	r := rand.New(rand.NewPCG(7, 11))
	ents := []string{"Nokia", "Vodafone", "Ericsson"}
	var docs []Document
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		var b strings.Builder
		for range 4 + r.IntN(8) {
			b.WriteString(sentences[r.IntN(len(sentences))])
			b.WriteByte(' ')
		}
		u := fmt.Sprintf("https://news.example/%d", i)
		if i%7 == 0 {
			u = fmt.Sprintf("https://news.example/tag/%d", i) // a listing page: ranked below articles
		}
		e := ents[i%len(ents)]
		docs = append(docs, Document{ID: DocID(u), URL: u, Source: fmt.Sprintf("s%d", i%4),
			Title: strings.TrimSuffix(sentences[i%len(sentences)], "."), Body: b.String(),
			// Some documents share a publication second, as items of one feed do.
			Published:  base.Add(time.Duration(i/2) * step),
			Components: []string{Components[i%len(Components)]}, Entities: []string{e}, Technologies: []string{},
			Evidence: []Evidence{{Entity: e, Field: fieldBody, Matched: e, Excerpt: "said " + e + " today"}}})
	}
	ix, err := openMem(monthly()) // a partition a month
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	if _, err := ix.Upsert(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	return ix
}

// TestSearchMatchesSingleRequest: Search highlights the page in a second
// request and serves filter-only facets from its cache; its answers must
// be what the single bleve request it replaces gives (with the ranking
// phrase of several words applied to its first hits: rescore): the same
// hits in the same order, the same snippets, the same totals and facet
// counts.
func TestSearchMatchesSingleRequest(t *testing.T) {
	t.Run("one partition", func(t *testing.T) { testSearchMatchesSingleRequest(t, requestCorpus(t, 300)) })
	// 150 days: five months, so that the page's hits come from several
	// partitions and are highlighted in those alone (searchHolding).
	t.Run("five partitions", func(t *testing.T) {
		ix := requestCorpusEvery(t, 300, 24*time.Hour)
		if ps, err := ix.Partitions(); err != nil || len(ps) != 5 {
			t.Fatalf("partitions %+v, %v; want five months", ps, err)
		}
		testSearchMatchesSingleRequest(t, ix)
	})
}

func testSearchMatchesSingleRequest(t *testing.T, ix *Index) {
	ctx := context.Background()
	may := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)
	for _, q := range []Query{
		{Q: "network"},
		{Q: "network slicing"},
		{Q: `"network slicing"`},
		{Q: "+radio +operators"},
		{Q: "trial", Sort: SortDate},
		{Q: "trial", Sort: SortRecency},
		{Q: "beat"}, // in the text with markup to escape
		{Q: "title:latency OR spectrum", Limit: 50},
		{Q: "network", Since: may, Until: may.AddDate(0, 0, 5)},
		{Q: "operators", Entities: []string{"Nokia"}, Offset: 20},
		{},
		{Components: []string{"own"}},
		{Entities: []string{"Vodafone"}, Sort: SortDate},
		{Since: may, Until: may.AddDate(0, 0, 3), Facets: []string{"sources", "entities"}},
		{Q: "nothingmatchesthis"},
	} {
		t.Run(fmt.Sprintf("%+v", q), func(t *testing.T) {
			req, rs, err := ix.plan(q)
			if err != nil {
				t.Fatal(err)
			}
			from, size := req.From, req.Size
			if rs.on {
				req.From, req.Size = 0, max(from+size, ix.rescoreWindow())
			}
			want, err := ix.Bleve().SearchInContext(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if rs.on { // the window reordered by the phrase, then the page
				if err := ix.rescore(ctx, rs, want.Hits[:min(len(want.Hits), ix.rescoreWindow())]); err != nil {
					t.Fatal(err)
				}
				want.Hits = want.Hits[min(from, len(want.Hits)):min(from+size, len(want.Hits))]
			}
			// Twice: the second answer may come from the facet cache.
			for round := range 2 {
				got, err := ix.Search(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				if got.Total != want.Total {
					t.Errorf("round %d: total %d, single request %d", round, got.Total, want.Total)
				}
				if len(got.Hits) != len(want.Hits) {
					t.Fatalf("round %d: %d hits, single request %d", round, len(got.Hits), len(want.Hits))
				}
				for i, h := range want.Hits {
					g := got.Hits[i]
					if g.ID != h.ID {
						t.Fatalf("round %d: hit %d is %s, single request %s", round, i, g.ID, h.ID)
					}
					if s := snippet(h, q); g.Snippet != s {
						t.Errorf("round %d: hit %d snippet\n%q\nsingle request\n%q", round, i, g.Snippet, s)
					}
				}
				if f := facets(want.Facets); !equalFacets(got.Facets, f) {
					t.Errorf("round %d: facets %+v, single request %+v", round, got.Facets, f)
				}
			}
		})
	}
}

// TestSnippetsMarkTheQuery: the snippets of a text query are readable
// text with the query's words marked and everything else escaped.
func TestSnippetsMarkTheQuery(t *testing.T) {
	ix := requestCorpus(t, 100)
	res, err := ix.Search(context.Background(), Query{Q: "beat"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) == 0 {
		t.Fatal("no hits for beat")
	}
	for _, h := range res.Hits {
		if !strings.Contains(h.Snippet, "<mark>beat</mark>") {
			t.Errorf("%s: snippet %q does not mark beat", h.ID, h.Snippet)
		}
		if strings.Contains(h.Snippet, "<b>") || strings.Contains(h.Snippet, " & ") {
			t.Errorf("%s: snippet %q is not escaped", h.ID, h.Snippet)
		}
	}
}

// TestCollapsedHighlightsThePage: collapsed results are highlighted too,
// though only the page's hits are.
func TestCollapsedHighlightsThePage(t *testing.T) {
	ix := requestCorpus(t, 100)
	res, err := ix.Search(context.Background(), Query{Q: "satellite", Collapse: true, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) == 0 {
		t.Fatal("no hits for satellite")
	}
	for _, h := range res.Hits {
		if !strings.Contains(strings.ToLower(h.Snippet), "<mark>satellite</mark>") {
			t.Errorf("%s: snippet %q does not mark satellite", h.ID, h.Snippet)
		}
	}
}

// TestFacetCacheFollowsWrites: the cached counts of a filter-only search
// change with the next write, and a search that ran across a write does
// not leave its counts behind as current.
func TestFacetCacheFollowsWrites(t *testing.T) {
	ix := requestCorpus(t, 60)
	ctx := context.Background()
	q := Query{Components: []string{"own"}, Facets: []string{"sources"}}
	first, err := ix.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(ix.facets.m) != 1 {
		t.Fatalf("the cache holds %d entries after one filter-only search, want 1", len(ix.facets.m))
	}
	again, err := ix.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if !equalFacets(first.Facets, again.Facets) {
		t.Fatalf("cached facets %+v differ from the first %+v", again.Facets, first.Facets)
	}
	u := "https://news.example/extra"
	if _, err := ix.Upsert(ctx, []Document{{ID: DocID(u), URL: u, Title: "Extra", Body: "An extra document.",
		Source: "s9", Published: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC),
		Components: []string{"own"}, Entities: []string{}, Technologies: []string{}}}); err != nil {
		t.Fatal(err)
	}
	after, err := ix.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if after.Facets.Sources["s9"] != 1 || after.Total != first.Total+1 {
		t.Errorf("after a write: s9 counted %d (want 1), total %d (want %d)", after.Facets.Sources["s9"], after.Total, first.Total+1)
	}
	// A search of an older generation does not store over a newer one.
	ix.facets.put("stale", ix.gen.Load()-1, search.FacetResults{})
	if ix.facets.get("stale", ix.gen.Load()) != nil {
		t.Error("counts of an older generation are served")
	}
}

// TestFacetKeyTellsRequestsApart: two different filters never share an
// entry, and the same filters always do.
func TestFacetKeyTellsRequestsApart(t *testing.T) {
	e := env{m: NewMapping(), now: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)}
	key := func(q Query) string {
		req, err := buildRequest(q, e)
		if err != nil {
			t.Fatal(err)
		}
		return facetKey(req)
	}
	qs := []Query{
		{}, {Components: []string{"own"}}, {Components: []string{"others"}}, {Entities: []string{"Nokia"}},
		{Entities: []string{"Nokia"}, Salient: true}, {Since: e.now.AddDate(0, -1, 0)},
		{Facets: []string{"sources"}}, {FacetSize: 100}, {Sort: SortDate},
	}
	var keys []string
	for _, q := range qs {
		k := key(q)
		if k == "" || k != key(q) {
			t.Fatalf("%+v: key %q is empty or unstable", q, k)
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(slices.Compact(keys)) != len(qs) {
		t.Errorf("%d distinct keys for %d distinct requests", len(slices.Compact(keys)), len(qs))
	}
}

func equalFacets(a, b Facets) bool {
	eq := func(x, y map[string]int) bool {
		for k, v := range x {
			if y[k] != v {
				return false
			}
		}
		for k, v := range y {
			if x[k] != v {
				return false
			}
		}
		return true
	}
	return eq(a.Components, b.Components) && eq(a.Entities, b.Entities) && eq(a.Technologies, b.Technologies) && eq(a.Sources, b.Sources)
}

// TestHasPhrase: which requests highlight in one request (a typed phrase)
// and which in two (the ranking phrase of several words is rescore's).
func TestHasPhrase(t *testing.T) {
	e := env{m: NewMapping(), now: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)}
	for q, want := range map[string]bool{
		"network": false, "+radio +operators": false, "radio OR spectrum": false, "title:latency": false,
		`"network slicing"`: true, "network slicing": false, `radio OR "open ran"`: true,
	} {
		req, _, err := buildPlan(Query{Q: q}, e)
		if err != nil {
			t.Fatal(err)
		}
		if got := hasPhrase(req.Query); got != want {
			t.Errorf("%s: hasPhrase %v, want %v", q, got, want)
		}
	}
}
