package store

import (
	"path/filepath"
	"testing"
)

// The stream sequence starts at 0, only goes forward, survives a reopen
// and a backup.
func TestStreamSeq(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	if seq, err := s.StreamSeq(); err != nil || seq != 0 {
		t.Fatalf("new store: %d, %v; want 0", seq, err)
	}
	for _, tc := range []struct{ set, want uint64 }{{5, 5}, {9, 9}, {7, 9}, {10, 10}} {
		if err := s.SetStreamSeq(tc.set); err != nil {
			t.Fatal(err)
		}
		if seq, _ := s.StreamSeq(); seq != tc.want {
			t.Fatalf("after setting %d: %d, want %d", tc.set, seq, tc.want)
		}
	}
	backup := filepath.Join(dir, "backup.db")
	if err := s.Backup(backup); err != nil {
		t.Fatal(err)
	}
	s.Close()
	b, err := Open(backup)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if seq, _ := b.StreamSeq(); seq != 10 {
		t.Fatalf("backup: %d, want 10", seq)
	}
}
