package store_test

import (
	"errors"
	"path/filepath"
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
	if err := s.PutPages("site", map[string]*store.PageState{"https://e.com/b": nil}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Page("site", "https://e.com/b"); ok {
		t.Error("forgotten page still known")
	}
}
