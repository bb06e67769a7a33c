package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/index"
)

// TestSearchHintsAtAnEmptyIndex: a search of an empty index says nothing
// has been gathered yet; a search that matches nothing in a full index
// does not.
func TestSearchHintsAtAnEmptyIndex(t *testing.T) {
	empty, err := index.OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	defer empty.Close()
	srv := httptest.NewServer(api.New(api.Options{Searcher: empty, Sources: &sources{}}))
	defer srv.Close()
	code, body := get(t, http.MethodGet, srv.URL+"/api/v1/search?q=nokia", "")
	if code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	if hint, _ := body["hint"].(string); !strings.Contains(hint, "nothing has been gathered yet") || !strings.Contains(hint, "/sources") {
		t.Errorf("empty index: hint %q", body["hint"])
	}

	full, _, _ := newServer(t, nil)
	code, body = get(t, http.MethodGet, full.URL+"/api/v1/search?q=zzzunmatched", "")
	if code != http.StatusOK || body["total"].(float64) != 0 {
		t.Fatalf("status %d, body %v", code, body)
	}
	if _, ok := body["hint"]; ok {
		t.Errorf("a search with no match in a full index has a hint: %v", body["hint"])
	}
}

// countingSearcher is a real index that counts the searches asked of it;
// the counting wrapper below adds the index's Count.
type countingSearcher struct {
	ix       *index.Index
	searches atomic.Int32
}

func (c *countingSearcher) Search(ctx context.Context, q index.Query) (*index.Result, error) {
	c.searches.Add(1)
	return c.ix.Search(ctx, q)
}

func (c *countingSearcher) Get(ctx context.Context, id string) (*index.Document, error) {
	return c.ix.Get(ctx, id)
}

// counting adds the index's Count to countingSearcher.
type counting struct{ *countingSearcher }

func (c counting) Count() (uint64, error) { return c.ix.Count() }

// TestEmptyHintCountsInsteadOfSearching: after a search that matched
// nothing, a Searcher that counts (the index, also behind the search
// deadline) is asked its count, not a second search of everything (which
// sorted the whole index by date: most of the API's p99 at 20,000
// documents); one that does not count is still searched, and both tell an
// empty index from a full one.
func TestEmptyHintCountsInsteadOfSearching(t *testing.T) {
	ctx := context.Background()
	full, err := index.OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	d := index.Document{ID: index.DocID("https://a.example/1"), URL: "https://a.example/1", Title: "Nokia trial", Body: "a trial"}
	if _, err := full.Upsert(ctx, []index.Document{d}); err != nil {
		t.Fatal(err)
	}
	empty, err := index.OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	defer empty.Close()
	for _, tc := range []struct {
		name         string
		ix           *index.Index
		counts       bool
		empty        bool
		wantSearches int32
	}{
		{"full, counts", full, true, false, 0},
		{"empty, counts", empty, true, true, 0},
		{"full, does not count", full, false, false, 1},
		{"empty, does not count", empty, false, true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := &countingSearcher{ix: tc.ix}
			var s api.Searcher = cs
			if tc.counts {
				s = counting{cs}
			}
			if got := api.IndexEmpty(ctx, api.WithSearchTimeout(s, 0)); got != tc.empty {
				t.Errorf("IndexEmpty = %v, want %v", got, tc.empty)
			}
			if n := cs.searches.Load(); n != tc.wantSearches {
				t.Errorf("%d searches, want %d", n, tc.wantSearches)
			}
		})
	}
}
