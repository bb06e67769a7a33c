package engine

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
	"github.com/techintel/techintel/index"
)

// lockedBuffer is a log sink the engine's goroutines may share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestRetentionAtOpen: data.retention drops the index's partitions older than
// it when the engine opens, logs each, and keeps the rest.
func TestRetentionAtOpen(t *testing.T) {
	cfg := testSettings(t)
	d, err := datadir.Open(cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	var docs []index.Document
	for _, age := range []int{0, 1, 13, 14, 20} { // months
		u := fmt.Sprintf("https://news.example/%d", age)
		docs = append(docs, index.Document{ID: index.DocID(u), URL: u, Title: "radio", Body: "radio news",
			Source: "news", Published: now.AddDate(0, -age, 0)})
	}
	cfg.Retention, err = index.ParseRetention("12 months")
	if err != nil {
		t.Fatal(err)
	}
	// As serve and crawl run: the retention shapes the partitions written
	// (the expired documents make one partition of their own).
	d.Index.SetRetention(cfg.Retention, nil)
	if _, err := d.Index.Upsert(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	var logged lockedBuffer
	e := New(Options{Settings: cfg, Log: slog.New(slog.NewTextHandler(&logged, nil))})
	if err := e.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer e.Close(context.Background())
	if n, _ := e.Dir().Index.Count(); n != 2 {
		t.Errorf("%d documents after retention, want the 2 of the last 12 months", n)
	}
	if got := strings.Count(logged.String(), "retention dropped a partition"); got != 1 {
		t.Errorf("%d drops logged, want 1:\n%s", got, logged.String())
	}
}
