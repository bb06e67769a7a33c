package engine

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
)

// TestEngineOpenClose: an engine that schedules runs its sources (the
// overdue ones at once), and Close stops everything it started and
// releases the data directory, even with a run in flight; a second Close
// does nothing.
func TestEngineOpenClose(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	started := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hang" {
			select {
			case started <- struct{}{}:
			default:
			}
			select { // until the engine's Close cancels the run
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, rssOneItem)
	}))
	defer srv.Close()
	cfg := testSettings(t)
	cfg.Sources = []Source{
		{Name: "news", Type: SourceFeed, URL: srv.URL + "/feed", Schedule: "@every 1h"},
		{Name: "hang", Type: SourceFeed, URL: srv.URL + "/hang", Schedule: "@every 1h"},
	}
	e := New(Options{Settings: cfg, Schedule: true, ReplayJournal: true})
	if err := e.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	// Both sources are overdue: they run at once. Wait for the feed's
	// documents and for the hanging run to be in flight.
	<-started
	for deadline := time.Now().Add(2 * time.Minute); ; {
		if n, _ := e.Dir().Index.Count(); n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the scheduled run indexed nothing")
		}
		time.Sleep(20 * time.Millisecond)
	}
	list, err := e.Gatherer().Sources(t.Context())
	if err != nil || len(list) != 2 || list[0].NextRun == nil {
		t.Fatalf("sources: %+v, %v; want a next run from the scheduler", list, err)
	}
	if err := e.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(context.Background()); err != nil {
		t.Errorf("second Close: %v", err)
	}
	d, err := datadir.Open(cfg.DataDir)
	if err != nil {
		t.Fatalf("the data directory is still held after Close: %v", err)
	}
	defer d.Close()
	if p, _ := d.Store.Pending(); len(p) != 0 {
		t.Errorf("journal not empty after Close: %d batches", len(p))
	}
}

// testSettings are the engine's settings as the configuration's defaults
// give them, over a data directory in a temporary folder, with loopback
// sources allowed (the tests' servers).
func testSettings(tb testing.TB) *Settings {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "data")
	return &Settings{
		DataDir:   dir,
		BackupDir: filepath.Join(filepath.Dir(dir), "backups"),
		HTTP: HTTP{UserAgent: "techintel-test", Timeout: 30 * time.Second, MaxBodyBytes: 10 << 20,
			AllowPrivateNetworks: true, MaxRunsPerHost: 2},
		Digest:        Digest{Schedule: "0 6 * * 1"},
		SearchTimeout: 10 * time.Second,
	}
}

// rssOneItem is a feed with one item about Nokia.
const rssOneItem = `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Nokia news</title><link>https://news.example/a</link><description>Nokia did a thing.</description></item>
</channel></rss>`

// openTestGatherer opens cfg's data directory and a gatherer over it,
// both closed when the test ends.
func openTestGatherer(tb testing.TB, cfg *Settings) *Gatherer {
	tb.Helper()
	d, err := datadir.Open(cfg.DataDir)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	g, err := NewGatherer(cfg, d, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	return g
}
