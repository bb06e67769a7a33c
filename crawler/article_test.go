package crawler

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestArticleFetcher(t *testing.T) {
	article, err := os.ReadFile("testdata/extract/boilerplate.html")
	if err != nil {
		t.Fatal(err)
	}
	other := newTestSite(t, "", "", map[string]http.HandlerFunc{"/story": htmlPage(string(article))})
	var busy atomic.Int32
	site := newTestSite(t, "", "", map[string]http.HandlerFunc{
		"/robots.txt": robotsTxt("User-agent: *\nDisallow: /private/\n"),
		"/article":    htmlPage(string(article)),
		"/feedproxy":  redirectTo(http.StatusFound, other.URL()+"/story?utm_source=feed#top"),
		"/private/x":  htmlPage("<title>Private</title>"),
		"/report.pdf": serveBytes("application/pdf", func() []byte { return []byte("%PDF-1.4") }),
		"/missing":    status(http.StatusNotFound),
		"/busy": func(w http.ResponseWriter, r *http.Request) {
			if busy.Add(1) == 1 {
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			htmlPage("<title>Busy</title><p>served at last")(w, r)
		},
	})
	tests := []struct {
		path      string
		wantURL   string // "" for an error
		wantTitle string
		wantErr   func(error) bool
	}{
		{"/article?utm_campaign=x", site.URL() + "/article", "Nokia and Ericsson split the Open RAN contract", nil},
		{"/feedproxy", other.URL() + "/story", "Nokia and Ericsson split the Open RAN contract", nil},
		{"/busy", site.URL() + "/busy", "Busy", nil},
		{"/private/x", "", "", func(err error) bool { return errors.Is(err, ErrDisallowed) }},
		{"/report.pdf", "", "", func(err error) bool { return errors.Is(err, ErrNotHTML) }},
		{"/missing", "", "", func(err error) bool {
			var se *StatusError
			return errors.As(err, &se) && se.Code == http.StatusNotFound
		}},
	}
	cfg := testConfig("")
	a := NewArticleFetcher(cfg)
	defer a.Close()
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			p, err := a.Fetch(t.Context(), site.URL()+tt.path)
			if tt.wantErr != nil {
				if err == nil || !tt.wantErr(err) || !strings.HasPrefix(err.Error(), "crawler: fetch ") ||
					strings.Contains(err.Error(), "crawler: crawler:") {
					t.Errorf("Fetch error %v, not the one wanted", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if p.URL != tt.wantURL || p.Title != tt.wantTitle {
				t.Errorf("URL %q title %q, want %q and %q", p.URL, p.Title, tt.wantURL, tt.wantTitle)
			}
		})
	}
	if n := site.count("/robots.txt"); n != 1 {
		t.Errorf("robots.txt fetched %d times across calls, want once", n)
	}
	if p, _ := a.Fetch(t.Context(), site.URL()+"/article"); !p.Article || strings.Contains(p.Body, "Huawei") {
		t.Errorf("article body (readability %v) has the related news:\n%s", p.Article, p.Body)
	}
}

// TestArticleFetcherPoliteness fetches from several goroutines at once:
// the host must still get one request at a time, Delay apart.
func TestArticleFetcherPoliteness(t *testing.T) {
	const delay = 30 * time.Millisecond
	site := newTestSite(t, "", "", map[string]http.HandlerFunc{
		"/a": htmlPage("<title>A</title>"), "/b": htmlPage("<title>B</title>"),
		"/c": htmlPage("<title>C</title>"), "/d": htmlPage("<title>D</title>"),
	})
	cfg := testConfig("")
	cfg.Delay = delay
	a := NewArticleFetcher(cfg)
	defer a.Close()
	var wg sync.WaitGroup
	for _, p := range []string{"/a", "/b", "/c", "/d"} {
		wg.Go(func() {
			if _, err := a.Fetch(t.Context(), site.URL()+p); err != nil {
				t.Errorf("Fetch %s: %v", p, err)
			}
		})
	}
	wg.Wait()
	reqs := site.requests()
	if len(reqs) != 5 {
		t.Fatalf("%d requests, want robots.txt and 4 pages", len(reqs))
	}
	for i := 1; i < len(reqs); i++ {
		if gap := reqs[i].at.Sub(reqs[i-1].at); gap < delay {
			t.Errorf("%s came %v after %s, want at least %v", reqs[i].path, gap, reqs[i-1].path, delay)
		}
	}
	site.mu.Lock()
	defer site.mu.Unlock()
	if site.maxInflight != 1 {
		t.Errorf("%d requests at once, want 1", site.maxInflight)
	}
}

func TestArticleFetcherLifecycle(t *testing.T) {
	t.Run("invalid config", func(t *testing.T) {
		cfg := testConfig("")
		cfg.Timeout = 0
		a := NewArticleFetcher(cfg)
		defer a.Close()
		if _, err := a.Fetch(t.Context(), "http://example.test/"); err == nil || !strings.Contains(err.Error(), "timeout") {
			t.Errorf("Fetch = %v, want the config error", err)
		}
	})
	t.Run("closed", func(t *testing.T) {
		a := NewArticleFetcher(testConfig(""))
		a.Close()
		a.Close() // idempotent
		if _, err := a.Fetch(t.Context(), "http://example.test/"); err == nil {
			t.Error("Fetch after Close succeeded")
		}
	})
	t.Run("cancelled during a request", func(t *testing.T) {
		started := make(chan struct{})
		site := newTestSite(t, "", "", map[string]http.HandlerFunc{
			"/slow": func(w http.ResponseWriter, r *http.Request) {
				close(started)
				<-r.Context().Done()
			},
		})
		a := NewArticleFetcher(testConfig(""))
		defer a.Close()
		ctx, cancel := context.WithCancel(t.Context())
		go func() { <-started; cancel() }()
		_, err := a.Fetch(ctx, site.URL()+"/slow")
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Fetch = %v, want context.Canceled", err)
		}
	})
}
