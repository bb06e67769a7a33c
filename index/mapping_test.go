package index

import (
	"context"
	"slices"
	"testing"
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
