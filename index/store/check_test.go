package store_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/techintel/techintel/index/store"
)

func filledStore(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := s.AddSubscription(store.Subscription{Name: "n", Query: "q"})
	if err != nil {
		t.Fatal(err)
	}
	var m []store.Match
	for i := range 500 {
		m = append(m, store.Match{Subscription: sub.ID, Document: "doc" + string(rune('a'+i%26)) + string(rune('a'+i/26))})
	}
	if _, err := s.AddAlerts(m, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCheckFindsDamage: a truncated state.db panicked serve at start in 1
// of 2 runs; a corrupted one gave 500s later. Check says so before.
func TestCheckFindsDamage(t *testing.T) {
	path := filledStore(t)
	if holds, err := store.Check(path); err != nil || !holds {
		t.Fatalf("an intact store: holds state %v, %v", holds, err)
	}
	empty := filepath.Join(t.TempDir(), "state.db")
	s, err := store.Open(empty)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if holds, err := store.Check(empty); err != nil || holds {
		t.Errorf("a new store: holds state %v, %v", holds, err)
	}
	if _, err := store.Check(filepath.Join(t.TempDir(), "none.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("no store: %v", err)
	}
	for _, tt := range []struct {
		name   string
		damage func(b []byte) []byte
	}{
		{"truncated to half", func(b []byte) []byte { return b[:len(b)/2] }},
		{"truncated inside the first page", func(b []byte) []byte { return b[:100] }},
		{"zeroed meta pages", func(b []byte) []byte { clear(b[:8192]); return b }},
		{"a branch page overwritten", func(b []byte) []byte {
			for i := 3 * 4096; i < len(b) && i < 6*4096; i++ {
				b[i] = 0xff
			}
			return b
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := filledStore(t)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, tt.damage(b), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := store.Check(p); !errors.Is(err, store.ErrDamaged) {
				t.Errorf("Check: %v, want ErrDamaged", err)
			}
		})
	}
}

func TestForgetFetchState(t *testing.T) {
	s, err := store.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.UpdateSource("feed", func(st *store.SourceState) { st.ETag = `"x"` }); err != nil {
		t.Fatal(err)
	}
	if err := s.PutItemIDs("feed", map[string]string{"guid": "doc"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	sub, _ := s.AddSubscription(store.Subscription{Name: "keep", Query: "q"})
	if err := s.ForgetFetchState(); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.Source("feed"); st.ETag != "" {
		t.Errorf("source state kept: %+v", st)
	}
	if ids, _ := s.ItemIDs("feed", []string{"guid"}); len(ids) != 0 {
		t.Errorf("items kept: %v", ids)
	}
	if _, err := s.Subscription(sub.ID); err != nil {
		t.Errorf("the subscription went too: %v", err)
	}
}
