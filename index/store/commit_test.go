package store_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/techintel/techintel/index/store"
)

// TestPutCommit: one commit records several sources' items, validators
// and pages and clears their journal batches, all or nothing.
func TestPutCommit(t *testing.T) {
	s := openItemStore(t, filepath.Join(t.TempDir(), "state.db"))
	a, err := s.JournalAdd([]string{"d1", "d2"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.JournalAdd([]string{"d3"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.JournalAdd([]string{"d4"})
	if err != nil {
		t.Fatal(err)
	}
	seen := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	err = s.PutCommit(store.Commit{
		Journal:    []uint64{a, b},
		Seen:       seen,
		Items:      map[string]map[string]string{"feed1": {"guid:1": "d1", "guid:2": "d2"}, "feed2": {"guid:x": "d3"}},
		Validators: map[string][2]string{"feed1": {`"e1"`, ""}, "feed2": {"", "Mon, 30 Nov 2026 00:00:00 GMT"}},
		Pages:      map[string]map[string]*store.PageState{"site": {"https://s.example/": {ETag: `"p"`, Hash: "h1", Length: 10}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		source string
		keys   []string
		want   map[string]string
	}{
		{"feed1", []string{"guid:1", "guid:2"}, map[string]string{"guid:1": "d1", "guid:2": "d2"}},
		{"feed2", []string{"guid:x"}, map[string]string{"guid:x": "d3"}},
	} {
		got, err := s.ItemIDs(tc.source, tc.keys)
		if err != nil || len(got) != len(tc.want) {
			t.Fatalf("%s items: %v, %v", tc.source, got, err)
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("%s %s: %q, want %q", tc.source, k, got[k], v)
			}
		}
	}
	if st, _ := s.Source("feed1"); st.ETag != `"e1"` {
		t.Errorf("feed1 state %+v", st)
	}
	if st, _ := s.Source("feed2"); st.LastModified != "Mon, 30 Nov 2026 00:00:00 GMT" {
		t.Errorf("feed2 state %+v", st)
	}
	if p, ok, err := s.Page("site", "https://s.example/"); !ok || err != nil || p.Hash != "h1" {
		t.Errorf("page %+v %v %v", p, ok, err)
	}
	pages, err := s.Pages("site")
	if err != nil || len(pages) != 1 || pages["https://s.example/"].ETag != `"p"` {
		t.Errorf("Pages: %v, %v", pages, err)
	}
	pending, err := s.Pending()
	if err != nil || len(pending) != 1 || pending[0].Seq != other {
		t.Errorf("journal after the commit: %+v, %v; want only batch %d", pending, err, other)
	}
}
