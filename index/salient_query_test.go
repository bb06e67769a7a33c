package index_test

import (
	"context"
	"slices"
	"testing"

	"github.com/techintel/techintel/index"
)

// TestSalientField: salient:NAME finds the documents about an entity or a
// technology, by name or alias in any case, and not those naming it in
// passing; an alert with it matches what the search shows.
func TestSalientField(t *testing.T) {
	ix := openMem(t)
	ix.SetResolver(langWatch)
	type d struct {
		name        string
		ents, techs []string
		salient     []string
		title, body string
	}
	world := []d{
		{name: "nokia-story", ents: []string{"Nokia", "Huawei"}, techs: []string{"5G"}, salient: []string{"Nokia", "5G"},
			title: "Nokia wins 5G deal", body: "Nokia will supply radios; Huawei was not asked."},
		{name: "huawei-story", ents: []string{"Huawei", "Nokia"}, techs: []string{}, salient: []string{"Huawei"},
			title: "Huawei results", body: "Huawei grew; analysts compared it with Nokia."},
		{name: "openran-story", ents: []string{}, techs: []string{"Open RAN"}, salient: []string{"Open RAN"},
			title: "Open RAN in Europe", body: "Open RAN spreads."},
		{name: "passing", ents: []string{"Deutsche Telekom"}, techs: []string{"Open RAN"}, salient: []string{},
			title: "Weekly round-up", body: "Many things; Deutsche Telekom and Open RAN among them."},
	}
	var docs []index.Document
	for _, w := range world {
		x := doc("https://salient.example/"+w.name, w.title, w.body, day, []string{}, w.ents)
		x.Technologies, x.Salient = w.techs, w.salient
		docs = append(docs, x)
	}
	if _, err := ix.Upsert(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		q    string
		want []string // sorted
	}{
		{"salient:nokia", []string{"nokia-story"}},
		{"entity:nokia", []string{"huawei-story", "nokia-story"}},
		{"salient:Huawei", []string{"huawei-story"}},
		{"salient:o-ran", []string{"openran-story"}},      // a technology, by alias
		{`salient:"open ran"`, []string{"openran-story"}}, // not the round-up naming it
		{"salient:dt", nil},
		{"entity:dt", []string{"passing"}},
		{"salient:nokia OR salient:huawei", []string{"huawei-story", "nokia-story"}},
		{"entity:nokia -salient:nokia", []string{"huawei-story"}},
	} {
		got := names(t, ix, index.Query{Q: tc.q})
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.q, got, tc.want)
		}
		matched, failed, err := index.Percolate(context.Background(), docs, []index.Standing{{ID: "s", Q: tc.q, Resolve: langWatch}})
		if err != nil || len(failed) > 0 {
			t.Fatalf("Percolate(%q): %v %v", tc.q, err, failed)
		}
		var ids []string
		for _, x := range docs {
			if slices.Contains(matched["s"], x.ID) {
				ids = append(ids, x.URL[len("https://salient.example/"):])
			}
		}
		slices.Sort(ids)
		if !slices.Equal(ids, tc.want) {
			t.Errorf("percolate %s: got %v, want %v", tc.q, ids, tc.want)
		}
	}
}
