package crawler

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestCrawlPoliteness(t *testing.T) {
	const delay = 150 * time.Millisecond
	site := newTestSite(t, "", "", map[string]http.HandlerFunc{
		"/":  htmlPage(`<h1>Numbers</h1><a href="/1">1</a><a href="/2">2</a><a href="/3">3</a>`),
		"/1": htmlPage("<p>one"), "/2": htmlPage("<p>two"), "/3": htmlPage("<p>three"),
	})
	cfg := testConfig(site.URL() + "/")
	cfg.Delay = delay
	res := runCrawl(t, t.Context(), cfg)
	if res.err != nil || res.stats.Fetched != 4 {
		t.Fatalf("Crawl: %v, %+v", res.err, res.stats)
	}
	reqs := site.requests()
	if len(reqs) != 6 {
		t.Fatalf("%d requests, want 6 (robots.txt, /sitemap.xml and 4 pages)", len(reqs))
	}
	for i := 1; i < len(reqs); i++ {
		if gap := reqs[i].at.Sub(reqs[i-1].at); gap < delay {
			t.Errorf("%s came %v after %s, want at least %v", reqs[i].path, gap, reqs[i-1].path, delay)
		}
	}
	site.mu.Lock()
	maxInflight := site.maxInflight
	site.mu.Unlock()
	if maxInflight != 1 {
		t.Errorf("%d requests at once, want 1", maxInflight)
	}
}

func TestCrawlCancel(t *testing.T) {
	// handlers get signal, which tells the test that a request has started
	// (and blocks until the client gives up when block is set).
	tests := []struct {
		name     string
		handlers func(signal http.HandlerFunc) map[string]http.HandlerFunc
		delay    time.Duration
		block    bool
	}{
		{"during the politeness delay", func(signal http.HandlerFunc) map[string]http.HandlerFunc {
			return map[string]http.HandlerFunc{"/robots.txt": signal, "/": htmlPage("home")}
		}, time.Hour, false},
		{"during a page request", func(signal http.HandlerFunc) map[string]http.HandlerFunc {
			return map[string]http.HandlerFunc{"/": htmlPage(`<a href="/1">1</a>`), "/1": signal}
		}, 0, true},
		{"during the robots.txt request", func(signal http.HandlerFunc) map[string]http.HandlerFunc {
			return map[string]http.HandlerFunc{"/robots.txt": signal, "/": htmlPage("home")}
		}, 0, true},
		{"before the crawl", nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			started := make(chan struct{}, 1)
			signal := func(w http.ResponseWriter, r *http.Request) {
				started <- struct{}{}
				if !tt.block {
					http.NotFound(w, r)
					return
				}
				<-r.Context().Done()
			}
			var handlers map[string]http.HandlerFunc
			if tt.handlers != nil {
				handlers = tt.handlers(signal)
			} else {
				handlers = map[string]http.HandlerFunc{"/": htmlPage("home")}
			}
			site := newTestSite(t, "", "", handlers)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var cancelledAt atomic.Int64
			if tt.handlers == nil {
				cancelledAt.Store(time.Now().UnixNano())
				cancel()
			} else {
				go func() {
					<-started
					time.Sleep(100 * time.Millisecond) // let the crawl settle into its wait
					cancelledAt.Store(time.Now().UnixNano())
					cancel()
				}()
			}
			cfg := testConfig(site.URL() + "/")
			cfg.Delay, cfg.Timeout = tt.delay, 30*time.Second
			_, err := Crawl(ctx, cfg, func(Result) {})
			// The delay is an hour and a blocked request lasts until the
			// client gives up: returning at all proves the cancel worked.
			// The bound is only a generous deadline for a busy machine.
			if took := time.Since(time.Unix(0, cancelledAt.Load())); took > time.Minute {
				t.Errorf("Crawl returned %v after cancel, want promptly", took)
			}
			if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "crawler: ") {
				t.Errorf("err = %v, want a crawler: error wrapping context.Canceled", err)
			}
			if tt.handlers == nil && len(site.requests()) != 0 {
				t.Errorf("%d requests after cancel, want none", len(site.requests()))
			}
		})
	}
}
