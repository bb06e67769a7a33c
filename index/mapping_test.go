package index

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/mapping"
)

// TestNoCompositeField: the mapping indexes no _all field (every query
// names its fields, so it would only cost indexing time and disk), in
// the stored mapping and in percolation's, and the searches of the query
// language still find what they did.
func TestNoCompositeField(t *testing.T) {
	ix := requestCorpus(t, 40)
	for _, p := range ix.parts {
		fields, err := p.bi.Fields()
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(fields, "_all") {
			t.Errorf("partition %s indexes _all: %v", p.key, fields)
		}
		if !slices.Contains(fields, fieldTitle) || !slices.Contains(fields, fieldBody) {
			t.Errorf("partition %s lacks the text fields: %v", p.key, fields)
		}
	}
	for _, q := range []string{"slicing", `"network slicing"`, "title:radio", "radi*", "+ericsson -nokia", "entity:Nokia"} {
		res, err := ix.Search(context.Background(), Query{Q: q, Limit: 5})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if res.Total == 0 {
			t.Errorf("%s: no match", q)
		}
	}
}

// TestIndexWithCompositeFieldStillServes: partitions made before the
// mapping dropped _all keep it (their mapping is their own) and are
// searched as before, beside partitions made without it.
func TestIndexWithCompositeFieldStillServes(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	old, err := OpenWith(dir, monthly())
	if err != nil {
		t.Fatal(err)
	}
	withAll := newMapping(true).(*mapping.IndexMappingImpl)
	delete(withAll.DefaultMapping.Properties, "_all") // the mapping before: _all of every text field
	for _, f := range []string{fieldTitle, fieldBody} {
		withAll.DefaultMapping.Properties[f].Fields[0].IncludeInAll = true
	}
	old.mapping = withAll
	march := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	if _, err := old.Upsert(ctx, []Document{{ID: "a", URL: "https://a.example/1", Title: "Slicing trial",
		Body: "Operators trial network slicing.", Source: "s", Published: march}}); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	ix, err := OpenWith(dir, monthly())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if _, err := ix.Upsert(ctx, []Document{{ID: "b", URL: "https://b.example/1", Title: "Slicing again",
		Body: "Another network slicing trial.", Source: "s", Published: march.AddDate(0, 2, 0)}}); err != nil {
		t.Fatal(err)
	}
	if len(ix.parts) != 2 {
		t.Fatalf("%d partitions, want 2", len(ix.parts))
	}
	var alls []bool
	for _, p := range ix.parts {
		fields, err := p.bi.Fields()
		if err != nil {
			t.Fatal(err)
		}
		alls = append(alls, slices.Contains(fields, "_all"))
	}
	if !alls[0] || alls[1] {
		t.Errorf("_all in the partitions: %v, want [true false] (the old one keeps it)", alls)
	}
	for _, q := range []string{"slicing", `"network slicing"`, "title:slicing"} {
		res, err := ix.Search(ctx, Query{Q: q, Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 2 {
			t.Errorf("%s: %d matches, want 2", q, res.Total)
		}
	}
}
