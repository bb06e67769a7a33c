package index

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRetention: data.retention's values, and whole old partitions
// dropped at open and on ApplyRetention, nothing else.
func TestRetention(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Retention
		err  string
	}{
		{"", Retention{}, ""},
		{"730d", Retention{Days: 730}, ""},
		{"730 days", Retention{Days: 730}, ""},
		{"24 months", Retention{Months: 24}, ""},
		{"1 month", Retention{Months: 1}, ""},
		{"2y", Retention{Months: 24}, ""},
		{"8760h", Retention{D: 8760 * time.Hour}, ""},
		{"0d", Retention{}, "between 1 and 10000"},
		{"-3d", Retention{}, "want a number and a unit"},
		{"forever", Retention{}, "want a number and a unit"},
		{"12 weeks", Retention{}, `unknown unit "weeks"`},
		{"-1h", Retention{}, "must be positive"},
	} {
		got, err := ParseRetention(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: %v, want an error with %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q: %+v, %v, want %+v", tc.in, got, err, tc.want)
		}
	}

	ctx := context.Background()
	ix, path := openDisk(t, monthly())
	if _, err := ix.Upsert(ctx, monthDocs(jan, 4, 2)); err != nil {
		t.Fatal(err)
	}
	ix.SetRetention(Retention{Months: 2}, nil)
	now := time.Date(2026, 5, 10, 0, 0, 0, 0, time.UTC) // cutoff 2026-03-10
	dropped, err := ix.ApplyRetention(now)
	if err != nil || !slices.Equal(dropped, []string{"2026-01", "2026-02"}) {
		t.Fatalf("dropped %v, %v", dropped, err)
	}
	if got := partKeys(t, ix); !slices.Equal(got, []string{"2026-03", "2026-04"}) {
		t.Errorf("left %v", got)
	}
	if _, err := os.Stat(filepath.Join(path, "2026-01")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the dropped partition's directory: %v", err)
	}
	if n, _ := ix.Count(); n != 4 {
		t.Errorf("count %d after retention, want 4", n)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	// At open: with "1 month" at today's date, everything here is old.
	var logged strings.Builder
	ix2, err := OpenWith(path, Options{Retention: Retention{Months: 1}, Logger: newTestLogger(&logged)})
	if err != nil {
		t.Fatal(err)
	}
	defer ix2.Close()
	if n, _ := ix2.Count(); n != 0 {
		t.Errorf("count %d after retention at open", n)
	}
	if !strings.Contains(logged.String(), "partition=2026-04") {
		t.Errorf("the drop is not logged: %s", logged.String())
	}
}

// TestRetentionTellsLeaving: before retention drops a partition, the
// leaving hook hears each of its documents with its title and URL, and
// an error from the hook keeps every partition for the next run.
func TestRetentionTellsLeaving(t *testing.T) {
	ctx := context.Background()
	ix, _ := openDisk(t, monthly())
	defer ix.Close()
	docs := monthDocs(jan, 4, 3)
	if _, err := ix.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	ix.SetRetention(Retention{Months: 2}, nil)
	now := time.Date(2026, 5, 10, 0, 0, 0, 0, time.UTC)
	ix.SetLeavingHook(func([]Leaving) error { return errors.New("disk full") })
	if _, err := ix.ApplyRetention(now); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("a failing hook: %v, want its error", err)
	}
	if n, _ := ix.Count(); n != uint64(len(docs)) {
		t.Fatalf("count %d after a failed hook, want %d (nothing dropped)", n, len(docs))
	}
	told := map[string]Leaving{}
	ix.SetLeavingHook(func(ls []Leaving) error {
		for _, l := range ls {
			told[l.ID] = l
		}
		return nil
	})
	if _, err := ix.ApplyRetention(now); err != nil {
		t.Fatal(err)
	}
	gone := 0
	for _, d := range docs {
		_, err := ix.Get(ctx, d.ID)
		l, ok := told[d.ID]
		switch {
		case errors.Is(err, ErrNotFound):
			gone++
			if !ok || l.Title != d.Title || l.URL != d.URL {
				t.Errorf("%s left the index; the hook heard %+v, want its title %q and URL %q", d.ID, l, d.Title, d.URL)
			}
		case err != nil:
			t.Fatal(err)
		case ok:
			t.Errorf("%s is still indexed but the hook heard it leave", d.ID)
		}
	}
	if gone == 0 || len(told) != gone {
		t.Errorf("%d documents left, the hook heard %d", gone, len(told))
	}
}
