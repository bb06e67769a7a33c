package main

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

	var cfg strings.Builder
	cfg.WriteString("[http]\nallow_private_networks = true\n")
	var names []string
	for i := range 3 * schedule.MaxConcurrentRuns {
		fmt.Fprintf(&cfg, "[[sources]]\nname = \"busy-%d\"\ntype = \"feed\"\nurl = \"%s/f/%d\"\n", i, busy.URL, i)
		names = append(names, fmt.Sprintf("busy-%d", i))
	}
	// The same server under another host name: a host slot of its own.
	otherURL := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
	fmt.Fprintf(&cfg, "[[sources]]\nname = \"other\"\ntype = \"feed\"\nurl = \"%s/feed\"\n", otherURL)
	names = append(names, "other")
	g := newTestGatherer(t, cfg.String())

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
		n := g.Running()
		if n == len(busyNames) && busyStarted.Load() == defaultRunsPerHost {
			break
		}
		if time.Now().After(deadline) { // a liveness bound, not a timing assertion
			t.Fatalf("%d of %d busy sources under way, %d requests started", n, len(busyNames), busyStarted.Load())
		}
	}
	if held := pool.Busy(); held != defaultRunsPerHost {
		t.Errorf("%d pool slots held while the busy host allows %d runs", held, defaultRunsPerHost)
	}
	if _, err := pool.Run(context.Background(), "other"); err != nil {
		t.Fatalf("other host's source: %v", err)
	}
	if n := busyStarted.Load(); n != defaultRunsPerHost {
		t.Errorf("%d requests at once to the busy host, want %d", n, defaultRunsPerHost)
	}
	unblock()
	wg.Wait()
}
