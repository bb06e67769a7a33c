package store_test

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/techintel/techintel/index/store"
	"github.com/techintel/techintel/index/story"
)

func openSigStore(t *testing.T) (*store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func readSignatures(t *testing.T, s *store.Store, since time.Time) []story.Record {
	t.Helper()
	var got []story.Record
	if err := s.Signatures(since, func(r story.Record) error { got = append(got, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestSignaturesKeptByDayInOrder(t *testing.T) {
	s, path := openSigStore(t)
	day := time.Date(2026, 11, 30, 23, 59, 59, 500, time.UTC)
	rec := func(id, storyID string, at time.Time, body string) story.Record {
		return story.Record{ID: id, Story: storyID, Published: at, Sig: story.Fingerprint("", body)}
	}
	recs := []story.Record{
		rec("b", "b", day, "Nokia and Vodafone sign an Open RAN deal for 2,500 sites"),
		rec("a", "b", day, "Vodafone picks Nokia for 2,500 Open RAN sites"), // same time: by id
		rec("c", "c", day.Add(time.Second), "Ericsson reports third-quarter results"),
		rec("old", "old", day.Add(-40*24*time.Hour), "an old one"),
		rec("empty", "empty", day.Add(-time.Hour), ""),
		rec("pre-1970", "pre-1970", time.Date(1969, 12, 31, 12, 0, 0, 7, time.UTC), "moon landing"),
	}
	// Two calls, out of order: the store orders them.
	if err := s.PutSignatures(recs[3:]); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSignatures(recs[:3]); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ids := func(rs []story.Record) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	all := readSignatures(t, s, time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC))
	if want := []string{"pre-1970", "old", "empty", "a", "b", "c"}; !slices.Equal(ids(all), want) {
		t.Fatalf("order %v, want %v", ids(all), want)
	}
	byID := map[string]story.Record{}
	for _, r := range all {
		byID[r.ID] = r
	}
	for _, want := range recs {
		got := byID[want.ID]
		if got.Story != want.Story || !got.Published.Equal(want.Published) || got.Sig != want.Sig {
			t.Errorf("%s read back as story %q at %v (signature equal: %v)", want.ID, got.Story, got.Published, got.Sig == want.Sig)
		}
	}
	// since cuts within a day, and the same key replaces.
	if got := ids(readSignatures(t, s, day)); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("since the last day's time: %v", got)
	}
	if err := s.PutSignatures([]story.Record{rec("a", "a", day, "changed")}); err != nil {
		t.Fatal(err)
	}
	if got := readSignatures(t, s, day); len(got) != 3 || got[0].Story != "a" {
		t.Errorf("after replacing a: %+v", got)
	}

	n, err := s.PruneSignatures(day.Add(-time.Hour)) // drops whole days before that day
	if err != nil || n != 2 {
		t.Fatalf("prune: %d days, %v", n, err)
	}
	if got := ids(readSignatures(t, s, time.Time{})); !slices.Equal(got, []string{"empty", "a", "b", "c"}) {
		t.Errorf("after prune: %v", got)
	}

	stop := errors.New("stop")
	calls := 0
	err = s.Signatures(time.Time{}, func(story.Record) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("fn's error: %v after %d calls", err, calls)
	}
}

func TestSignaturesFilledMark(t *testing.T) {
	s, _ := openSigStore(t)
	through, complete, err := s.SignaturesFilled()
	if err != nil || !through.IsZero() || complete {
		t.Fatalf("new store: %v %v %v", through, complete, err)
	}
	at := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	if err := s.SetSignaturesFilled(at, false); err != nil {
		t.Fatal(err)
	}
	through, complete, err = s.SignaturesFilled()
	if err != nil || !through.Equal(at) || complete {
		t.Fatalf("after a day: %v %v %v", through, complete, err)
	}
	if err := s.SetSignaturesFilled(time.Time{}, true); err != nil {
		t.Fatal(err)
	}
	if _, complete, err = s.SignaturesFilled(); err != nil || !complete {
		t.Fatalf("complete: %v %v", complete, err)
	}
	rec := story.Record{ID: "a", Story: "a", Published: at, Sig: story.Fingerprint("", "some words to keep")}
	if err := s.PutSignatures([]story.Record{rec}); err != nil {
		t.Fatal(err)
	}
	if owner, err := s.SignatureOwner(); err != nil || owner != "" {
		t.Fatalf("owner of a new store: %q, %v", owner, err)
	}
	if err := s.ResetSignatures("index-2"); err != nil {
		t.Fatal(err)
	}
	if owner, err := s.SignatureOwner(); err != nil || owner != "index-2" {
		t.Errorf("owner after reset: %q, %v", owner, err)
	}
	through, complete, err = s.SignaturesFilled()
	if err != nil || complete || !through.IsZero() || len(readSignatures(t, s, time.Time{})) != 0 {
		t.Errorf("reset kept the mark (%v %v) or records: %v", through, complete, err)
	}
}
