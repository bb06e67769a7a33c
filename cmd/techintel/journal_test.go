package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
	"github.com/techintel/techintel/cmd/techintel/internal/engine"
	"io"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/index"
)

// TestJournalReplaysAlertsLostInACrash reproduces the window the journal
// closes: a batch journalled and written to the index, and the process
// gone before its alerts were stored. The next start raises them, once.
func TestJournalReplaysAlertsLostInACrash(t *testing.T) {
	cfg, err := ParseConfig("[[watch]]\nname = \"Nokia\"\nrole = \"own\"\n")
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	d, err := datadir.Open(cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	g, err := engine.NewGatherer(cfg.settings(), d, newLogger(io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sub, err := g.alerts.CreateSubscription(context.Background(), api.SubscriptionRequest{Name: "radios", Query: "radio"})
	if err != nil {
		t.Fatal(err)
	}
	var docs []index.Document
	for i := range 3 {
		u := fmt.Sprintf("https://news.example/%d", i)
		docs = append(docs, index.Document{ID: index.DocID(u), URL: u, Title: "Nokia radio " + fmt.Sprint(i),
			Body: "Nokia radio news", Source: "news", Fetched: time.Now().Add(time.Second)})
	}
	ids := []string{docs[0].ID, docs[1].ID, docs[2].ID, index.DocID("https://news.example/never-written")}
	if _, err := d.Store.JournalAdd(ids); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Index.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	// The crash: no percolation, no JournalDone.
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	for round, want := range []int{3, 0} {
		d, err := datadir.Open(cfg.DataDir)
		if err != nil {
			t.Fatal(err)
		}
		g, err := engine.NewGatherer(cfg.settings(), d, newLogger(io.Discard))
		if err != nil {
			t.Fatal(err)
		}
		n, err := g.replayJournal(ctx)
		if err != nil || n != want {
			t.Errorf("start %d: replay raised %d alerts (%v), want %d", round+1, n, err, want)
		}
		alerts, _, err := g.alerts.Alerts(context.Background(), sub.ID, "", 100)
		if err != nil || len(alerts) != 3 {
			t.Errorf("start %d: %d alerts (%v), want 3", round+1, len(alerts), err)
		}
		if p, _ := d.Store.Pending(); len(p) != 0 {
			t.Errorf("start %d: journal not cleared: %+v", round+1, p)
		}
		d.Close()
	}
}

func TestIndexWriteError(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("write segment: %w", syscall.ENOSPC), "index write failed: no space left on device"},
		{fmt.Errorf("write: %w", syscall.EFBIG), "index write failed: file too large"},
		{fmt.Errorf("open: %w", syscall.EROFS), "index write failed: the data directory is on a read-only file system"},
		{errors.New("boom"), "index write failed: boom"},
	}
	for _, tt := range tests {
		if got := indexWriteError(tt.err).Error(); !strings.HasPrefix(got, tt.want) {
			t.Errorf("indexWriteError(%v) = %q, want prefix %q", tt.err, got, tt.want)
		}
	}
	if !errors.Is(indexWriteError(fmt.Errorf("x: %w", context.Canceled)), context.Canceled) {
		t.Error("cancellation is not an index write failure")
	}
}
