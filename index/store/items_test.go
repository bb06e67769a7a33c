package store_test

import (
	"maps"
	"path/filepath"
	"testing"
	"time"

	"github.com/techintel/techintel/index/store"
)

func openItemStore(tb testing.TB, path string) *store.Store {
	tb.Helper()
	s, err := store.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// TestItemIDsSurviveReopen: the identity map is per source and kept across
// a restart.
func TestItemIDsSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := openItemStore(t, path)
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	a := map[string]string{"guid:1": "id-1", "url:https://e.org/2": "id-2"}
	if err := s.PutItemIDs("feed-a", a, now); err != nil {
		t.Fatal(err)
	}
	if err := s.PutItemIDs("feed-b", map[string]string{"guid:1": "id-b1"}, now); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openItemStore(t, path)
	defer s.Close()
	got, err := s.ItemIDs("feed-a", []string{"guid:1", "url:https://e.org/2", "guid:unknown"})
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got, a) {
		t.Errorf("feed-a: %v, want %v", got, a)
	}
	got, err = s.ItemIDs("feed-b", []string{"guid:1", "url:https://e.org/2"})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"guid:1": "id-b1"}; !maps.Equal(got, want) {
		t.Errorf("feed-b: %v, want %v", got, want)
	}
	if got, err := s.ItemIDs("never-run", []string{"guid:1"}); err != nil || len(got) != 0 {
		t.Errorf("never-run: %v, %v", got, err)
	}
}

// TestPutItemIDs: a changed ID is rewritten; an entry seen again within a
// day is not rewritten (an unchanged feed costs no write); items not seen for ItemRetention are
// forgotten when the source is next written, items seen again are not.
func TestPutItemIDs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := openItemStore(t, path)
	defer s.Close()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	put := func(ids map[string]string, at time.Time) {
		t.Helper()
		if err := s.PutItemIDs("f", ids, at); err != nil {
			t.Fatal(err)
		}
	}
	lookup := func(keys ...string) map[string]string {
		t.Helper()
		got, err := s.ItemIDs("f", keys)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	day := func(n float64) time.Time { return t0.Add(time.Duration(n * 24 * float64(time.Hour))) }
	put(map[string]string{"old": "id-old", "kept": "id-kept", "brief": "id-brief"}, day(0))
	put(map[string]string{"kept": "id-moved"}, day(0.5))
	if got := lookup("kept"); got["kept"] != "id-moved" {
		t.Errorf("changed ID not rewritten: %v", got)
	}
	// Seen again within a day: not rewritten, so "brief" still counts as
	// last seen on day 0 (had it been rewritten, as on day 0.9, it would
	// outlive the cut-off of day 90.5 below).
	put(map[string]string{"brief": "id-brief"}, day(0.9))
	// "kept" is seen every month; "old" and "brief" never again.
	for d := 30.0; d <= 90; d += 30 {
		put(map[string]string{"kept": "id-moved"}, day(d))
	}
	if got := lookup("old", "kept", "brief"); len(got) != 3 {
		t.Errorf("forgotten before ItemRetention: %v", got)
	}
	put(map[string]string{"new": "id-new"}, day(90.5))
	got := lookup("old", "kept", "brief", "new")
	if want := map[string]string{"kept": "id-moved", "new": "id-new"}; !maps.Equal(got, want) {
		t.Errorf("after %v: %v, want %v", store.ItemRetention+12*time.Hour, got, want)
	}
}
