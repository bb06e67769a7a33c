package index

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCapChars(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"", 5, ""},
		{"short", 5, "short"},
		{"sixsix", 5, "sixs…"},
		{"éééééé", 5, "éééé…"},
		{"ééééé", 5, "ééééé"},
		{"a\u202ebcdef", 4, "a\u202eb…"},
	}
	for _, tt := range tests {
		if got := CapChars(tt.in, tt.n); got != tt.want {
			t.Errorf("CapChars(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
	if got := capBytes("aé"+strings.Repeat("x", 10), 5); got != "a…" || !utf8.ValidString(got) {
		t.Errorf("capBytes cut inside a character: %q", got)
	}
}

// TestUpsertCapsHugeFields: the red-team's feed item with a 1 MB title
// was stored whole, so every page listing it was megabytes long.
func TestUpsertCapsHugeFields(t *testing.T) {
	ix, err := OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	u := "https://news.example/huge"
	docs := []Document{{ID: DocID(u), URL: u, Source: "news",
		Title:    strings.Repeat("Nokia ", 200_000),
		Author:   strings.Repeat("ä", 5000),
		Body:     strings.Repeat("radio ", 300_000),
		Evidence: []Evidence{{Entity: "Nokia", Matched: "Nokia", Field: "title", Excerpt: strings.Repeat("x", 2000)}},
	}}
	if _, err := ix.Upsert(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	d, err := ix.Get(context.Background(), DocID(u))
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]string{"title": d.Title, "author": d.Author, "excerpt": d.Evidence[0].Excerpt} {
		if n := utf8.RuneCountInString(f); n != MaxLineChars || !strings.HasSuffix(f, Ellipsis) {
			t.Errorf("%s: %d characters, ends %q", name, n, f[len(f)-8:])
		}
	}
	if len(d.Body) > MaxBodyBytes || !strings.HasSuffix(d.Body, Ellipsis) || !strings.HasPrefix(d.Body, "radio radio") {
		t.Errorf("body: %d bytes", len(d.Body))
	}
	res, err := ix.Search(context.Background(), Query{Q: "nokia", Limit: 10})
	if err != nil || res.Total != 1 || len(res.Hits[0].Title) > 4*MaxLineChars {
		t.Errorf("search: %v, %+v", err, res)
	}
}
