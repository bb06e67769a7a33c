package index_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/techintel/techintel/index"
)

// loadCorpus indexes testdata/corpus.json and returns the index and a map
// from the last path segment of each URL to its document ID.
func loadCorpus(tb testing.TB) (*index.Index, map[string]string) {
	tb.Helper()
	raw, err := os.ReadFile("testdata/corpus.json")
	if err != nil {
		tb.Fatal(err)
	}
	var docs []index.Document
	if err := json.Unmarshal(raw, &docs); err != nil {
		tb.Fatal(err)
	}
	names := map[string]string{}
	for i := range docs {
		u, err := index.CanonicalURL(docs[i].URL)
		if err != nil {
			tb.Fatal(err)
		}
		docs[i].URL, docs[i].ID = u, index.DocID(u)
		names[u[strings.LastIndexByte(u, '/')+1:]] = docs[i].ID
	}
	ix := openMem(tb)
	if _, err := ix.Upsert(context.Background(), docs); err != nil {
		tb.Fatal(err)
	}
	return ix, names
}

func hitNames(res *index.Result, names map[string]string) []string {
	byID := map[string]string{}
	for n, id := range names {
		byID[id] = n
	}
	var out []string
	for _, h := range res.Hits {
		out = append(out, byID[h.ID])
	}
	return out
}

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestSearch(t *testing.T) {
	ix, names := loadCorpus(t)
	tests := []struct {
		name    string
		q       index.Query
		want    []string // in order when ordered, else as a set
		ordered bool
	}{
		{name: "plural finds singular", q: index.Query{Q: "libraries"}, want: []string{"nokia-library", "3gpp-rel20"}},
		{name: "singular finds plural", q: index.Query{Q: "library"}, want: []string{"nokia-library", "3gpp-rel20"}},
		{name: "stem", q: index.Query{Q: "trialling"}, want: []string{"vodafone-slicing"}},
		{name: "phrase", q: index.Query{Q: `"network slicing"`}, want: []string{"nokia-library", "vodafone-slicing"}},
		{name: "field query", q: index.Query{Q: "title:huawei"}, want: []string{"huawei-6g"}},
		{name: "keyword field query", q: index.Query{Q: "entities:Samsung"}, want: []string{"huawei-6g"}},
		{name: "must and must not", q: index.Query{Q: "+vodafone -ericsson"}, want: []string{"vodafone-slicing"}},
		{name: "component filter", q: index.Query{Components: []string{"industry"}}, want: []string{"3gpp-rel20", "etsi-quantum"}},
		{name: "components are ORed", q: index.Query{Components: []string{"industry", "own"}}, want: []string{"3gpp-rel20", "etsi-quantum", "nokia-library", "vodafone-slicing"}},
		{name: "filters are ANDed", q: index.Query{Components: []string{"alliances"}, Entities: []string{"Nokia"}}, want: []string{"vodafone-slicing"}},
		{name: "technology filter", q: index.Query{Technologies: []string{"6G"}}, want: []string{"3gpp-rel20", "huawei-6g"}},
		{name: "source filter with query", q: index.Query{Q: "guidance", Sources: []string{"standards"}}, want: []string{"etsi-quantum"}},
		{name: "since until", q: index.Query{Since: date("2026-10-28"), Until: date("2026-11-03")}, want: []string{"etsi-quantum", "ericsson-ran"}},
		{name: "sort by date", q: index.Query{Sort: index.SortDate, Limit: 3}, want: []string{"vodafone-slicing", "huawei-6g", "nokia-library"}, ordered: true},
		{name: "offset", q: index.Query{Sort: index.SortDate, Limit: 2, Offset: 4}, want: []string{"etsi-quantum", "3gpp-rel20"}, ordered: true},
		{name: "no match", q: index.Query{Q: "satellite"}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ix.Search(context.Background(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			got := hitNames(res, names)
			if !tt.ordered {
				slices.Sort(got)
				want := slices.Clone(tt.want)
				slices.Sort(want)
				tt.want = want
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("hits = %v, want %v", got, tt.want)
			}
			if tt.q.Offset == 0 && res.Total != uint64(len(tt.want)) && tt.q.Limit == 0 {
				t.Errorf("total = %d, want %d", res.Total, len(tt.want))
			}
		})
	}
}

func TestSearchFacets(t *testing.T) {
	ix, _ := loadCorpus(t)
	res, err := ix.Search(context.Background(), index.Query{Q: "nokia OR vodafone OR ericsson"})
	if err != nil {
		t.Fatal(err)
	}
	want := index.Facets{
		Components:   map[string]int{"industry": 0, "own": 2, "alliances": 2, "others": 1},
		Entities:     map[string]int{"Nokia": 2, "Vodafone": 2, "Ericsson": 1},
		Technologies: map[string]int{"Open RAN": 1, "Network slicing": 2},
		Sources:      map[string]int{"telecoms-news": 2, "analyst-blog": 1},
	}
	gotJSON, _ := json.Marshal(res.Facets)
	wantJSON, _ := json.Marshal(want)
	if string(gotJSON) != string(wantJSON) {
		t.Errorf("facets =\n%s\nwant\n%s", gotJSON, wantJSON)
	}
}

func TestSnippetHighlightsAndEscapes(t *testing.T) {
	ix, _ := loadCorpus(t)
	res, err := ix.Search(context.Background(), index.Query{Q: "quantum"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 1 {
		t.Fatalf("hits = %d", len(res.Hits))
	}
	s := res.Hits[0].Snippet
	if !strings.Contains(s, "<mark>quantum</mark>") {
		t.Errorf("snippet not highlighted: %q", s)
	}
	if strings.Contains(s, "<script>") || !strings.Contains(s, "&lt;script&gt;") {
		t.Errorf("snippet not escaped: %q", s)
	}
	// Without a query the snippet is the escaped start of the body.
	res, err = ix.Search(context.Background(), index.Query{Entities: []string{"ETSI"}})
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Hits[0].Snippet; strings.Contains(s, "<script>") || strings.Contains(s, "<mark>") {
		t.Errorf("unhighlighted snippet: %q", s)
	}
}

func TestSearchAfterCursorPagesLikeOffset(t *testing.T) {
	ix, names := loadCorpus(t)
	ctx := context.Background()
	for _, sort := range []string{index.SortDate, index.SortRelevance} {
		all, err := ix.Search(ctx, index.Query{Q: "nokia OR vodafone OR ericsson OR huawei OR etsi OR 3gpp", Sort: sort, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var paged []string
		q := index.Query{Q: "nokia OR vodafone OR ericsson OR huawei OR etsi OR 3gpp", Sort: sort, Limit: 2}
		for range 10 {
			res, err := ix.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			paged = append(paged, hitNames(res, names)...)
			if res.Next == "" {
				break
			}
			q.After = res.Next
		}
		if want := hitNames(all, names); !slices.Equal(paged, want) {
			t.Errorf("sort %s: paged %v, want %v", sort, paged, want)
		}
	}
}

func TestSearchBadQueries(t *testing.T) {
	ix, _ := loadCorpus(t)
	tests := []struct {
		name string
		q    index.Query
	}{
		{"unterminated quote", index.Query{Q: `"open ran`}},
		{"dangling colon", index.Query{Q: "title:"}},
		{"unknown field", index.Query{Q: "foo:bar"}},
		{"stray parenthesis", index.Query{Q: "nokia)"}},
		{"limit too big", index.Query{Limit: 101}},
		{"negative offset", index.Query{Offset: -1}},
		{"too deep", index.Query{Offset: 9990, Limit: 20}},
		{"bad sort", index.Query{Sort: "popularity"}},
		{"bad cursor", index.Query{After: "not-a-cursor"}},
		{"until before since", index.Query{Since: date("2026-11-03"), Until: date("2026-11-01")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ix.Search(context.Background(), tt.q)
			if !errors.Is(err, index.ErrBadQuery) {
				t.Fatalf("err = %v, want ErrBadQuery", err)
			}
		})
	}
}

// Without a highlighted query term, the snippet shows the evidence of the
// tag the search filters on, marked and escaped.
func TestSnippetFavoursEvidence(t *testing.T) {
	ix := openMem(t)
	ctx := context.Background()
	d := doc("https://news.example/ev", "Quarterly roundup", "Markets were calm. <b>Later</b>, Vodafone said it would buy radios from Nokia for its <i>UK</i> network.", day, []string{"own", "alliances"}, []string{"Nokia", "Vodafone"})
	d.Evidence = []index.Evidence{
		{Entity: "Vodafone", Component: "alliances", Matched: "Vodafone", Field: "body", Excerpt: "<b>Later</b>, Vodafone said it would buy radios"},
		{Entity: "Nokia", Component: "own", Matched: "Nokia", Field: "body", Excerpt: "buy radios from Nokia for its <i>UK</i> network."},
	}
	if _, err := ix.Upsert(ctx, []index.Document{d}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		q    index.Query
		want string
	}{
		{"entity filter", index.Query{Entities: []string{"Nokia"}}, "buy radios from <mark>Nokia</mark> for its &lt;i&gt;UK&lt;/i&gt; network."},
		{"no filter: first body evidence", index.Query{}, "&lt;b&gt;Later&lt;/b&gt;, <mark>Vodafone</mark> said it would buy radios"},
		{"query term wins", index.Query{Q: "radios", Entities: []string{"Nokia"}}, "<mark>radios</mark>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ix.Search(ctx, tt.q)
			if err != nil || len(res.Hits) != 1 {
				t.Fatalf("search: %v, %+v", err, res)
			}
			if s := res.Hits[0].Snippet; !strings.Contains(s, tt.want) || strings.Contains(s, "<b>") || strings.Contains(s, "<i>") {
				t.Errorf("snippet = %q, want it to contain %q and no raw markup", s, tt.want)
			}
		})
	}
}
