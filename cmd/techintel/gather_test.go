package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// newTestGatherer opens a data directory in a temp dir for cfgText (which
// must not set data_dir).
func newTestGatherer(tb testing.TB, cfgText string) *Gatherer {
	tb.Helper()
	cfg, err := ParseConfig(cfgText)
	if err != nil {
		tb.Fatal(err)
	}
	cfg.DataDir = filepath.Join(tb.TempDir(), "data")
	d, err := openDataDir(cfg.DataDir)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	g, err := NewGatherer(cfg, d, newLogger(io.Discard))
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

const rssOneItem = `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Nokia news</title><link>https://news.example/a</link><description>Nokia did a thing.</description></item>
</channel></rss>`

// TestFlappingSourceBacksOffAndRecovers: failures are recorded with a
// growing backoff (Retry-After honoured), and a success resets them.
func TestFlappingSourceBacksOffAndRecovers(t *testing.T) {
	var fail atomic.Bool
	fail.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			w.Header().Set("Retry-After", "600")
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, rssOneItem)
	}))
	defer srv.Close()
	g := newTestGatherer(t, fmt.Sprintf(`
[http]
allow_private_networks = true
[[watch]]
name = "Nokia"
role = "own"
[[sources]]
name = "flappy"
type = "feed"
url = "%s/feed"
`, srv.URL))
	ctx := context.Background()
	for i := 1; i <= 2; i++ {
		if _, err := g.RunSource(ctx, "flappy"); err == nil {
			t.Fatal("run against a 503 succeeded")
		}
		st, _ := g.store.Source("flappy")
		if st.ConsecutiveFailures != i || st.LastError == "" {
			t.Fatalf("after failure %d: %+v", i, st)
		}
		if wait := time.Until(st.BackoffUntil); wait < 9*time.Minute {
			t.Errorf("after failure %d: backoff %v, want at least the 10m Retry-After", i, wait)
		}
	}
	fail.Store(false)
	res, err := g.RunSource(ctx, "flappy")
	if err != nil || res.New != 1 {
		t.Fatalf("recovery run: %+v, %v", res, err)
	}
	st, _ := g.store.Source("flappy")
	if st.ConsecutiveFailures != 0 || st.LastError != "" || !st.BackoffUntil.IsZero() || st.LastSuccess.IsZero() {
		t.Errorf("after recovery: %+v", st)
	}
}

// TestRefusesPrivateNetworksByDefault: without allow_private_networks a
// loopback source fails with a message that says why and how to allow it.
func TestRefusesPrivateNetworksByDefault(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the guarded transport reached a loopback server")
	}))
	defer srv.Close()
	g := newTestGatherer(t, fmt.Sprintf(`
[[sources]]
name = "local"
type = "feed"
url = "%s/feed"
`, srv.URL))
	_, err := g.RunSource(context.Background(), "local")
	if err == nil || !strings.Contains(err.Error(), "allow_private_networks") {
		t.Fatalf("err = %v", err)
	}
}

