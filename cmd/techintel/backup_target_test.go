package main

import (
	"cmp"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/store"
)

// TestBackupTargetsStayUnderBackupDir: serve's backups go to backup_dir
// by a relative name; the data directory, files and escapes are refused
// as the user's mistake (api.ErrInvalid, so 400), never written.
func TestBackupTargetsStayUnderBackupDir(t *testing.T) {
	g := newTestGatherer(t, "")
	root := g.Settings().BackupDir
	ctx := context.Background()

	res, err := g.Backup(ctx, "weekly/one")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "weekly", "one"); res.Dir != want {
		t.Errorf("backup went to %s, want %s", res.Dir, want)
	}
	if _, err := os.Stat(filepath.Join(res.Dir, "state.db")); err != nil {
		t.Errorf("the backup has no state store: %v", err)
	}
	if err := os.WriteFile(filepath.Join(root, "afile"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		backupDir string // "" keeps the default
		name      string
		want      string
	}{
		{"", "weekly/one", "not empty"},
		{"", "afile", "is a file"},
		{"", "../data", "plain relative name"},
		{"", "/etc/x", "absolute"},
		{"", "a\x00b", "control characters"},
		{"", strings.Repeat("n", 4000), "too long"},
		// backup_dir pointing into the data directory is caught too.
		{filepath.Join(g.Settings().DataDir, "index.bleve"), "b", "inside the data directory"},
	} {
		g.Settings().BackupDir = cmp.Or(tt.backupDir, root)
		_, err := g.Backup(ctx, tt.name)
		if !errors.Is(err, api.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("backup to %.40q: %v, want ErrInvalid with %q", tt.name, err, tt.want)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(g.Settings().DataDir, "index.bleve"))
	for _, e := range entries {
		if e.Name() == "b" {
			t.Errorf("a backup was written inside the index folder")
		}
	}
	// The command refuses a target inside the data directory as well.
	if err := datadir.CheckOutside(g.Settings().DataDir, filepath.Join(g.Settings().DataDir, "copy")); err == nil {
		t.Error("a backup inside the data directory was allowed")
	}
}

// TestBackupFailingMidwayLeavesNothing: the index is copied, then the
// state store fails; the target must not exist (it would open as a data
// directory with documents and no subscriptions), nor any partial copy.
func TestBackupFailingMidwayLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	ix, err := index.Open(filepath.Join(dir, "data", "index.bleve"))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if _, err := ix.Upsert(context.Background(), []index.Document{{ID: "a", URL: "https://e.example/a", Title: "a", Source: "s"}}); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(dir, "data", "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	st.Close() // the store copy fails after the index copy
	target := filepath.Join(dir, "backups", "b1")
	if _, err := datadir.Backup(ix, st, target); err == nil {
		t.Fatal("the backup of a closed store succeeded")
	}
	if _, err := os.Stat(target); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed backup left %s: %v", target, err)
	}
	left, _ := os.ReadDir(filepath.Join(dir, "backups"))
	for _, e := range left {
		t.Errorf("a failed backup left %s", e.Name())
	}
}
