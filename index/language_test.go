package index_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/techintel/techintel/index"
)

// langDocs is a small world for the query language: each document named
// by the key of its URL path.
var langDocs = []struct {
	name, title, body string
	ents, techs       []string
	published         string
}{
	{"slicing5g", "5G network slicing trial", "The operator ran a 5G network slicing trial with Nokia.", []string{"Nokia"}, []string{"5G"}, "2026-01-10"},
	{"5gonly", "5G coverage grows", "5G coverage now reaches rural towns.", nil, []string{"5G"}, "2026-01-11"},
	{"slicingonly", "Slicing explained", "Network slicing divides one network into many.", nil, nil, "2026-01-12"},
	{"huawei", "Huawei wins a deal", "Huawei signed a radio deal in Asia.", []string{"Huawei"}, nil, "2026-01-13"},
	{"budget", "Projects over budget", "The projects ran over budget again this year.", nil, nil, "2026-01-14"},
	{"openran", "Open RAN in Europe gathers pace", "Operators in Europe deploy open radio networks.", []string{"Samsung Networks"}, []string{"Open RAN"}, "2026-01-15"},
	{"openranbody", "Radio news", "A word on Open RAN and more: the open ran market.", nil, []string{"Open RAN"}, "2026-01-16"},
	{"dt", "Telekom picks a vendor", "Deutsche Telekom picked a vendor for radios.", []string{"Deutsche Telekom"}, nil, "2026-02-02"},
	{"near", "Proximity", "alpha one two three beta and then gamma far far far far far far delta", nil, nil, "2026-02-03"},
}

// langWatch resolves names as the watch list does: any case, and aliases.
func langWatch(field, v string) []string {
	names := map[string][]string{
		"entity":     {"Nokia", "Huawei", "Samsung Networks", "Deutsche Telekom|DT"},
		"technology": {"5G", "Open RAN|O-RAN"},
	}
	for _, n := range names[field] {
		for _, alias := range strings.Split(n, "|") {
			if strings.EqualFold(alias, v) {
				return []string{strings.Split(n, "|")[0]}
			}
		}
	}
	return nil
}

func langIndex(t *testing.T) *index.Index {
	t.Helper()
	ix := openMem(t)
	ix.SetResolver(langWatch)
	var docs []index.Document
	for _, d := range langDocs {
		x := doc("https://lang.example/a/"+d.name, d.title, d.body, date(d.published), []string{}, d.ents)
		if d.ents == nil {
			x.Entities = []string{}
		}
		if d.techs != nil {
			x.Technologies = d.techs
		}
		docs = append(docs, x)
	}
	if _, err := ix.Upsert(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	return ix
}

// names returns the document names of a search's hits, in rank order.
func names(t *testing.T, ix *index.Index, q index.Query) []string {
	t.Helper()
	q.Limit, q.NoFacets = 100, true
	res, err := ix.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("Search(%q): %v", q.Q, err)
	}
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.URL[strings.LastIndexByte(h.URL, '/')+1:])
	}
	return out
}

// TestLanguage: each example of the issue does what a user means.
func TestLanguage(t *testing.T) {
	ix := langIndex(t)
	for _, tc := range []struct {
		q    string
		want []string // sorted
	}{
		{"5G slicing", []string{"slicing5g"}},
		{"5G AND slicing", []string{"slicing5g"}},
		{"+5G +slicing", []string{"slicing5g"}},
		{"5G OR slicing", []string{"5gonly", "slicing5g", "slicingonly"}},
		{"slicing NOT 5G", []string{"slicingonly"}},
		{"slicing -5G", []string{"slicingonly"}},
		{"(5G OR huawei) -slicing", []string{"5gonly", "huawei"}},
		{"open ran", []string{"openran", "openranbody"}},
		{`"open ran"`, []string{"openran", "openranbody"}},
		{`"network slicing"`, []string{"slicing5g", "slicingonly"}},
		{`"slicing network"`, nil},
		{"ran", []string{"budget", "openran", "openranbody", "slicing5g"}},
		{"slic*", []string{"slicing5g", "slicingonly"}},
		{`title:"open ran"`, []string{"openran"}},
		{"title:slicing", []string{"slicing5g", "slicingonly"}},
		{`entity:"Nokia"`, []string{"slicing5g"}},
		{"entity:nokia", []string{"slicing5g"}},
		{"entities:Nokia", []string{"slicing5g"}},
		{`entity:"samsung networks"`, []string{"openran"}},
		{`technology:"Open RAN"`, []string{"openran", "openranbody"}},
		{"technology:o-ran", []string{"openran", "openranbody"}},
		{"entity:DT", []string{"dt"}},
		{"published:>=2026-02-01", []string{"dt", "near"}},
		{"published:<2026-01-11", []string{"slicing5g"}},
		{"published:2026-01-12", []string{"slicingonly"}},
		{"url:\"https://lang.example/a/dt\"", []string{"dt"}},
		{"url:\"https://lang.example/a/slicing\"*", []string{"slicing5g", "slicingonly"}},
		{"the 5G", []string{"5gonly", "slicing5g"}}, // common words do not narrow
	} {
		got := names(t, ix, index.Query{Q: tc.q})
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.q, got, tc.want)
		}
	}
	// NOT alone keeps everything else, and nothing about Huawei.
	got := names(t, ix, index.Query{Q: "NOT huawei"})
	if len(got) != len(langDocs)-1 || slices.Contains(got, "huawei") {
		t.Errorf("NOT huawei: %v", got)
	}
}

// TestNear: NEAR/n holds both sides within n words, in either order.
// The body is "alpha one two three beta and then gamma far far far far
// far far delta": alpha..beta has 3 words between, beta..gamma 2 ("and"
// is a common word but still counts as a word).
func TestNear(t *testing.T) {
	ix := langIndex(t)
	for _, tc := range []struct {
		q     string
		match bool
	}{
		{"alpha NEAR/3 beta", true},
		{"alpha NEAR/2 beta", false},
		{"beta NEAR/3 alpha", true}, // either order
		{"beta NEAR/2 gamma", true},
		{"beta NEAR/1 gamma", false},
		{"alpha NEAR/10 delta", false},
		{"gamma NEAR/6 delta", true},
		{"gamma NEAR/5 delta", false},
		{`"alpha one" NEAR/1 three`, true}, // "two" between the phrase and three
		{`"alpha one" NEAR/0 three`, false},
		{`three NEAR/0 "one two"`, true}, // adjacent, the phrase first
		{`"one three" NEAR/10 beta`, false},
		{"alpha NEAR/0 alpha", false}, // one occurrence is not two
		{"title:proximity NEAR/3 title:alpha", false},
	} {
		got := names(t, ix, index.Query{Q: tc.q})
		if slices.Contains(got, "near") != tc.match {
			t.Errorf("%s: match %v, want %v", tc.q, !tc.match, tc.match)
		}
	}
}

func TestQueryErrors(t *testing.T) {
	ix := langIndex(t)
	for _, tc := range []struct{ q, want string }{
		{"(5G OR LTE)) slicing", `bad query: unexpected ")" at 12`},
		{"foo:bar", `bad query: unknown field "foo" at 1: known fields are body, component, entity`},
		{"published:soon", `bad query: published: "soon" is not a date at 1`},
	} {
		_, err := ix.Search(context.Background(), index.Query{Q: tc.q})
		if !errors.Is(err, index.ErrBadQuery) || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.q, err, tc.want)
		}
	}
}

// TestRelevance: titles and phrases first, pages below articles.
func TestRelevance(t *testing.T) {
	ix := openMem(t)
	ctx := context.Background()
	docs := []index.Document{
		doc("https://r.example/", "Radio World", "Radio World covers open ran, radios and spectrum.", day, []string{}, []string{}),
		doc("https://r.example/about", "About us", "We write about open ran every day.", day, []string{}, []string{}),
		doc("https://r.example/tag/ran", "Posts tagged RAN", "open ran open ran open ran.", day, []string{}, []string{}),
		doc("https://r.example/2026/ran-budget", "Budget", "Open the books: projects ran over budget; open questions ran long.", day, []string{}, []string{}),
		doc("https://r.example/2026/europe", "Open RAN in Europe gathers pace", "Operators deploy it.", day, []string{}, []string{}),
		// Older, but in the same month: scores use each monthly
		// partition's own term statistics, and a partition of one
		// document would weigh its words apart from the others'.
		doc("https://r.example/2026/old", "Radios", "An open ran trial.", day.Add(-24*time.Hour), []string{}, []string{}),
	}
	if _, err := ix.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	got := names(t, ix, index.Query{Q: "open ran"})
	if len(got) == 0 || got[0] != "europe" {
		t.Errorf("open ran: %v, want the title match first", got)
	}
	if i, j := slices.Index(got, "old"), slices.Index(got, "ran-budget"); i < 0 || j < 0 || i > j {
		t.Errorf("open ran: %v, want the phrase (old) above the scattered words (ran-budget)", got)
	}
	all := names(t, ix, index.Query{})
	for i, n := range all {
		page := n == "" || n == "about" || n == "ran" // r.example/, /about, /tag/ran
		if page && i < 3 {
			t.Errorf("no query: %v, want the front, about and tag pages last", all)
			break
		}
	}
}

// TestRecency: among equal matches, sort=recency puts the recent first.
func TestRecency(t *testing.T) {
	ix := openMem(t)
	now := time.Now().UTC()
	docs := []index.Document{
		doc("https://y.example/2024/old", "Radio trial", "A radio trial.", now.AddDate(-2, 0, 0), []string{}, []string{}),
		doc("https://y.example/2026/new", "Radio trial", "A radio trial.", now.AddDate(0, 0, -2), []string{}, []string{}),
		doc("https://y.example/2026/month", "Radio trial", "A radio trial.", now.AddDate(0, 0, -20), []string{}, []string{}),
	}
	if _, err := ix.Upsert(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	got := names(t, ix, index.Query{Q: "radio trial", Sort: index.SortRecency})
	if !slices.Equal(got, []string{"new", "month", "old"}) {
		t.Errorf("recency: %v, want new, month, old", got)
	}
}

// TestRelevancePaging: score order pages by offset cursors and every hit
// comes once.
func TestRelevancePaging(t *testing.T) {
	ix := openMem(t)
	var docs []index.Document
	for i := range 45 {
		docs = append(docs, doc("https://p.example/"+strings.Repeat("x", i+1), "radio", "radio", day, []string{}, []string{}))
	}
	if _, err := ix.Upsert(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	q := index.Query{Q: "radio", Limit: 10, NoFacets: true}
	for {
		res, err := ix.Search(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range res.Hits {
			if seen[h.ID] {
				t.Fatalf("%s twice", h.ID)
			}
			seen[h.ID] = true
		}
		if res.Next == "" {
			break
		}
		q.After = res.Next
	}
	if len(seen) != 45 {
		t.Errorf("paged %d of 45", len(seen))
	}
}

// TestFacetsChosen: only the facets asked for are computed.
func TestFacetsChosen(t *testing.T) {
	ix := langIndex(t)
	res, err := ix.Search(context.Background(), index.Query{Facets: []string{"entities"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Facets.Entities["Nokia"] != 1 || len(res.Facets.Technologies) != 0 || len(res.Facets.Sources) != 0 {
		t.Errorf("facets: %+v", res.Facets)
	}
	if _, err := ix.Search(context.Background(), index.Query{Facets: []string{"colours"}}); !errors.Is(err, index.ErrBadQuery) {
		t.Errorf("unknown facet: %v", err)
	}
}
