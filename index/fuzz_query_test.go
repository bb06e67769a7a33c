package index_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/techintel/techintel/index"
)

// FuzzValidateQuery checks query strings the way subscriptions and
// searches use them: ValidateQuery and Search on a small in-memory index
// never panic, fail only with ErrBadQuery, and agree: a query that
// validates also runs.
func FuzzValidateQuery(f *testing.F) {
	ix, err := index.OpenMem()
	if err != nil {
		f.Fatal(err)
	}
	defer ix.Close()
	docs := []index.Document{
		{ID: "a", URL: "https://a.example/", Title: "Nokia radios", Body: "Nokia ships Open RAN radios", Source: "s",
			Published: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), Components: []string{"own"}, Entities: []string{"Nokia"}},
		{ID: "b", URL: "https://b.example/", Title: "Ericsson", Body: "Ericsson libraries and 5G", Source: "t",
			Published: time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC), Components: []string{"others"}, Entities: []string{"Ericsson"}},
	}
	if _, err := ix.Upsert(context.Background(), docs); err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"", "nokia", "nokia~2", "nokia~9", "title:radio*", "+nokia -ericsson", `"open ran"`,
		"/[a-z]+/", "/[/", "*", "a*b*c*", "published:>2026-01-01", "body:library", "(", ")", "nokia^", `\`, "entities:Nokia",
		"fetched:>\"2026-11-01T00:00:00Z\"", "?", "~", "title:", ":", "+", "-", "\"unterminated"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		verr := index.ValidateQuery(ctx, q)
		if verr != nil && !errors.Is(verr, index.ErrBadQuery) && ctx.Err() == nil {
			t.Errorf("ValidateQuery(%q): %v is not ErrBadQuery", q, verr)
		}
		_, serr := ix.Search(ctx, index.Query{Q: q})
		if serr != nil && !errors.Is(serr, index.ErrBadQuery) && ctx.Err() == nil {
			t.Errorf("Search(%q): %v is not ErrBadQuery", q, serr)
		}
		if verr == nil && serr != nil && ctx.Err() == nil {
			t.Errorf("%q validates but does not run: %v", q, serr)
		}
	})
}
