package store_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/techintel/techintel/index/store"
)

func TestReviewedSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Reviewed(); err != nil || len(got) != 0 {
		t.Fatalf("fresh store: %v, %v", got, err)
	}
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	if err := s.SetReviewed("Intel", at); err != nil {
		t.Fatal(err)
	}
	if err := s.SetReviewed("", at); err == nil {
		t.Error("empty partner accepted")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = store.Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Reviewed()
	if err != nil || len(got) != 1 || !got["Intel"].Equal(at) {
		t.Errorf("after reopen: %v, %v; want Intel at %v", got, err, at)
	}
}
