package store_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/techintel/techintel/index/store"
)

func TestSourceStateSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	err = s.UpdateSource("feed-a", func(st *store.SourceState) {
		st.LastRun, st.LastSuccess, st.ETag, st.ItemsSeen = now, now, `"v1"`, 12
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st, err := s.Source("feed-a")
	if err != nil {
		t.Fatal(err)
	}
	if !st.LastRun.Equal(now) || st.ETag != `"v1"` || st.ItemsSeen != 12 {
		t.Errorf("state = %+v", st)
	}
	if st, _ := s.Source("never-run"); !st.LastRun.IsZero() {
		t.Errorf("unknown source has state %+v", st)
	}
}

func TestSecondOpenFailsClearly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := store.Open(path); !errors.Is(err, store.ErrLocked) {
		t.Fatalf("err = %v, want ErrLocked", err)
	}
}

func TestPages(t *testing.T) {
	s, err := store.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.PutPages("site", map[string]*store.PageState{
		"https://e.com/a": {ETag: `"a"`, Hash: "h1"},
		"https://e.com/b": {LastModified: "Mon, 02 Nov 2026 10:00:00 GMT"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if st, ok, err := s.Page("site", "https://e.com/a"); err != nil || !ok || st.ETag != `"a"` || st.Hash != "h1" {
		t.Errorf("page a = %+v, %v, %v", st, ok, err)
	}
	if _, ok, _ := s.Page("other-site", "https://e.com/a"); ok {
		t.Error("pages are per source")
	}
	if h, err := s.PageHistory("site", "https://e.com/a"); err != nil || len(h) != 0 {
		t.Errorf("history of a page never changed = %+v, %v", h, err)
	}
	if err := s.PutPages("site", map[string]*store.PageState{"https://e.com/b": nil}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Page("site", "https://e.com/b"); ok {
		t.Error("forgotten page still known")
	}
}

// TestPageHistory: a change of Hash is recorded with its time and lengths,
// the same Hash is not, a caller's History is ignored, only the last
// MaxPageHistory changes are kept, and forgetting a page forgets them.
func TestPageHistory(t *testing.T) {
	s, err := store.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const u = "https://e.com/a"
	t0 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	put := func(hash string, length, day int) {
		t.Helper()
		st := &store.PageState{Hash: hash, Length: length, BodyHash: "b" + hash, Seen: t0.AddDate(0, 0, day),
			History: []store.PageChange{{OldLength: -1}}}
		if err := s.PutPages("site", map[string]*store.PageState{u: st}); err != nil {
			t.Fatal(err)
		}
	}
	put("h0", 100, 0) // first seen: no change
	put("h0", 100, 1) // unchanged
	put("h1", 120, 2)
	put("h1", 120, 3)
	put("h2", 90, 4)
	got, err := s.PageHistory("site", u)
	want := []store.PageChange{{At: t0.AddDate(0, 0, 2), OldLength: 100, NewLength: 120},
		{At: t0.AddDate(0, 0, 4), OldLength: 120, NewLength: 90}}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("history = %+v, %v; want %+v", got, err, want)
	}
	if st, _, _ := s.Page("site", u); st.Hash != "h2" || st.Length != 90 || st.BodyHash != "bh2" {
		t.Errorf("state = %+v", st)
	}
	for i := range store.MaxPageHistory + 5 {
		put(fmt.Sprintf("n%d", i), i, 10+i)
	}
	got, _ = s.PageHistory("site", u)
	if len(got) != store.MaxPageHistory || got[len(got)-1].NewLength != store.MaxPageHistory+4 ||
		got[0].NewLength != 5 {
		t.Errorf("after %d more changes: %d kept, first %+v, last %+v", store.MaxPageHistory+5, len(got), got[0], got[len(got)-1])
	}
	if err := s.PutPages("site", map[string]*store.PageState{u: nil}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.PageHistory("site", u); err != nil || len(got) != 0 {
		t.Errorf("history of a forgotten page = %+v, %v", got, err)
	}
}
