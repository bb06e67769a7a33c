package api

import (
	"testing"
	"time"

	"github.com/techintel/techintel/index"
)

// TestSearchTimeoutKept: a searcher already cut at a configured limit
// (api.search_timeout) keeps it through New's wrapping when Options'
// SearchTimeout is 0, as serve passes it; an explicit one replaces it,
// and a bare searcher gets the default.
func TestSearchTimeoutKept(t *testing.T) {
	base, err := index.OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	defer base.Close()
	for _, c := range []struct {
		name string
		s    Searcher
		opt  time.Duration
		want time.Duration
	}{
		{"configured, no option", WithSearchTimeout(base, time.Minute), 0, time.Minute},
		{"configured, option", WithSearchTimeout(base, time.Minute), 2 * time.Second, 2 * time.Second},
		{"bare", base, 0, DefaultSearchTimeout},
	} {
		srv := New(Options{Searcher: c.s, SearchTimeout: c.opt})
		got, ok := srv.search.(timeoutSearcher)
		if !ok || got.d != c.want {
			t.Errorf("%s: search cut after %v, want %v", c.name, got.d, c.want)
		}
		if _, wrapped := got.Searcher.(timeoutSearcher); wrapped {
			t.Errorf("%s: wrapped twice", c.name)
		}
	}
}
