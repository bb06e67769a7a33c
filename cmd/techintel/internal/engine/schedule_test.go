package engine

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/techintel/techintel/cmd/techintel/internal/schedule"
)

// TestRunPoolDoesNotStarveOtherHosts: while more sources of one host than
// the pool has slots wait for that host's turn, a source of another host
// still runs. Sources take their host's slot before a pool slot, so the
// waiting ones hold no pool slot.
func TestRunPoolDoesNotStarveOtherHosts(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	var busyStarted atomic.Int32
	busy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		busyStarted.Add(1)
		<-release // a slow host: its runs hold their slots
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, rssOneItem)
	}))
	defer busy.Close()
	defer unblock() // before busy.Close, which waits for its handlers
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, strings.Replace(rssOneItem, "news.example/a", "other.example/a", 1))
	}))
	defer other.Close()

	cfg := testSettings(t)
	var names []string
	for i := range 3 * schedule.MaxConcurrentRuns {
		name := fmt.Sprintf("busy-%d", i)
		cfg.Sources = append(cfg.Sources, Source{Name: name, Type: SourceFeed, URL: fmt.Sprintf("%s/f/%d", busy.URL, i)})
		names = append(names, name)
	}
	// The same server under another host name: a host slot of its own.
	otherURL := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
	cfg.Sources = append(cfg.Sources, Source{Name: "other", Type: SourceFeed, URL: otherURL + "/feed"})
	names = append(names, "other")
	g := openTestGatherer(t, cfg)

	pool := g.RunPool()
	busyNames := names[:len(names)-1]
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		pool.RunAll(context.Background(), busyNames, nil)
	}()
	// Every busy source is under way (marked running) once it waits for
	// its host; had it taken a pool slot first, no more than the pool's 8
	// could be.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
		g.mu.Lock()
		n := len(g.running)
		g.mu.Unlock()
		if n == len(busyNames) && busyStarted.Load() == int32(cfg.HTTP.MaxRunsPerHost) {
			break
		}
		if time.Now().After(deadline) { // a liveness bound, not a timing assertion
			t.Fatalf("%d of %d busy sources under way, %d requests started", n, len(busyNames), busyStarted.Load())
		}
	}
	if held := pool.Busy(); held != cfg.HTTP.MaxRunsPerHost {
		t.Errorf("%d pool slots held while the busy host allows %d runs", held, cfg.HTTP.MaxRunsPerHost)
	}
	if _, err := pool.Run(context.Background(), "other"); err != nil {
		t.Fatalf("other host's source: %v", err)
	}
	if n := busyStarted.Load(); n != int32(cfg.HTTP.MaxRunsPerHost) {
		t.Errorf("%d requests at once to the busy host, want %d", n, int32(cfg.HTTP.MaxRunsPerHost))
	}
	unblock()
	wg.Wait()
}
