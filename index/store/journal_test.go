package store_test

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/techintel/techintel/index/store"
)

func TestJournal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.JournalAdd([]string{"d1", "d2"})
	if err != nil {
		t.Fatal(err)
	}
	// A concurrent batch with an ID in common.
	b, err := s.JournalAdd([]string{"d2", "d3"})
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatalf("two batches share sequence %d", a)
	}
	if err := s.JournalDone(a); err != nil {
		t.Fatal(err)
	}
	// Survives a reopen (a crash is a reopen without Close's help, but
	// every bbolt commit is durable).
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = store.Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Pending()
	if err != nil {
		t.Fatal(err)
	}
	want := []store.PendingBatch{{Seq: b, IDs: []string{"d2", "d3"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pending = %+v, want %+v", got, want)
	}
	if err := s.JournalDone(b); err != nil {
		t.Fatal(err)
	}
	if err := s.JournalDone(b); err != nil {
		t.Errorf("clearing twice: %v", err)
	}
	if got, _ := s.Pending(); len(got) != 0 {
		t.Errorf("pending after clearing = %+v", got)
	}
}
