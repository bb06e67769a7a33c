package api

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/techintel/techintel/index"
)

// clock is a settable time source for the limiter.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func limitedServer(t *testing.T, rl RateLimit, tokens []Token, cors []string) (*Server, *clock) {
	t.Helper()
	ix, err := index.OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	c := &clock{t: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	return New(Options{Searcher: ix, Tokens: tokens, RateLimit: rl, CORSOrigins: cors, Now: c.now}), c
}

func do(s http.Handler, method, path, remote string, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequestWithContext(context.Background(), method, path, nil)
	req.RemoteAddr = remote
	for k, v := range header {
		req.Header[k] = v
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	return w
}

func TestRateLimitPerClient(t *testing.T) {
	s, c := limitedServer(t, RateLimit{PerSecond: 2, Burst: 3}, nil, nil)
	const a, b = "192.0.2.1:4000", "192.0.2.2:4000"
	for i := range 3 {
		if w := do(s, "GET", "/api/v1/search", a, nil); w.Code != 200 {
			t.Fatalf("request %d within the burst: %d %s", i, w.Code, w.Body)
		}
	}
	w := do(s, "GET", "/api/v1/search", a, nil)
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("4th request: %d, want 429", w.Code)
	}
	if got := w.Header().Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After %q, want 1 (one token every 0.5 s)", got)
	}
	var e struct{ Error string }
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || !strings.Contains(e.Error, "rate limit") {
		t.Errorf("429 body %q is not a JSON error about the rate limit", w.Body)
	}
	// Another client has its own bucket; /healthz is not limited.
	if w := do(s, "GET", "/api/v1/search", b, nil); w.Code != 200 {
		t.Errorf("other client: %d", w.Code)
	}
	if w := do(s, "GET", "/healthz", a, nil); w.Code != 200 {
		t.Errorf("healthz: %d", w.Code)
	}
	// Refused requests cost nothing: half a second later one is allowed.
	for range 5 {
		do(s, "GET", "/api/v1/search", a, nil)
	}
	c.add(500 * time.Millisecond)
	if w := do(s, "GET", "/api/v1/search", a, nil); w.Code != 200 {
		t.Errorf("after refill: %d", w.Code)
	}
	if w := do(s, "GET", "/api/v1/search", a, nil); w.Code != 429 {
		t.Errorf("bucket should be empty again: %d", w.Code)
	}
}

func TestRateLimitPerToken(t *testing.T) {
	tokens := []Token{
		{Name: "one", SHA256: sha256.Sum256([]byte("token-one-0123456789"))},
		{Name: "two", SHA256: sha256.Sum256([]byte("token-two-0123456789"))},
	}
	s, _ := limitedServer(t, RateLimit{PerSecond: 1, Burst: 2}, tokens, nil)
	auth := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }
	// One token used from two addresses shares one bucket.
	for i, remote := range []string{"192.0.2.1:1", "192.0.2.9:1"} {
		if w := do(s, "GET", "/api/v1/search", remote, auth("token-one-0123456789")); w.Code != 200 {
			t.Fatalf("request %d: %d", i, w.Code)
		}
	}
	if w := do(s, "GET", "/api/v1/search", "192.0.2.3:1", auth("token-one-0123456789")); w.Code != 429 {
		t.Errorf("token one over its burst from a third address: %d, want 429", w.Code)
	}
	if w := do(s, "GET", "/api/v1/search", "192.0.2.1:1", auth("token-two-0123456789")); w.Code != 200 {
		t.Errorf("token two from the same address: %d, want 200", w.Code)
	}
	// Guessing tokens is limited per address.
	for i := range 2 {
		if w := do(s, "GET", "/api/v1/search", "198.51.100.7:1", auth(fmt.Sprint("guess", i))); w.Code != 401 {
			t.Errorf("guess %d: %d, want 401", i, w.Code)
		}
	}
	if w := do(s, "GET", "/api/v1/search", "198.51.100.7:1", auth("guess-again")); w.Code != 429 {
		t.Errorf("third guess: %d, want 429", w.Code)
	}
}

func TestRateLimitOff(t *testing.T) {
	s, _ := limitedServer(t, RateLimit{}, nil, nil)
	for i := range 100 {
		if w := do(s, "GET", "/api/v1/search", "192.0.2.1:1", nil); w.Code != 200 {
			t.Fatalf("request %d with no limit: %d", i, w.Code)
		}
	}
}

func TestRateLimiterEvictsIdleBuckets(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	l := newRateLimiter(RateLimit{PerSecond: 10, Burst: 10}, c.now)
	for i := range 1000 {
		l.allow(fmt.Sprint("ip:", i))
	}
	if n := l.size(); n != 1000 {
		t.Fatalf("%d buckets, want 1000", n)
	}
	c.add(sweepEvery)
	l.allow("ip:new")
	if n := l.size(); n != 1 {
		t.Errorf("after a minute idle: %d buckets, want 1", n)
	}
	// Many clients at once never hold more than maxBuckets.
	for i := range maxBuckets + 500 {
		l.allow(fmt.Sprint("flood:", i))
	}
	if n := l.size(); n > maxBuckets {
		t.Errorf("%d buckets, bound is %d", n, maxBuckets)
	}
}

func TestCORS(t *testing.T) {
	const app = "https://app.example"
	tests := []struct {
		name    string
		origins []string
		method  string
		header  http.Header
		status  int
		allow   string // Access-Control-Allow-Origin wanted
	}{
		{"none configured: plain GET", nil, "GET", http.Header{"Origin": {app}}, 200, ""},
		{"none configured: preflight is not answered", nil, "OPTIONS",
			http.Header{"Origin": {app}, "Access-Control-Request-Method": {"GET"}}, 405, ""},
		{"allowed origin GET", []string{app}, "GET", http.Header{"Origin": {app}}, 200, app},
		{"other origin GET gets no header", []string{app}, "GET", http.Header{"Origin": {"https://evil.example"}}, 200, ""},
		{"allowed preflight", []string{app}, "OPTIONS",
			http.Header{"Origin": {app}, "Access-Control-Request-Method": {"POST"}, "Access-Control-Request-Headers": {"authorization"}}, 204, app},
		{"preflight from another origin", []string{app}, "OPTIONS",
			http.Header{"Origin": {"https://evil.example"}, "Access-Control-Request-Method": {"GET"}}, 403, ""},
		{"preflight for a method not offered", []string{app}, "OPTIONS",
			http.Header{"Origin": {app}, "Access-Control-Request-Method": {"PUT"}}, 403, app},
		{"wildcard", []string{"*"}, "GET", http.Header{"Origin": {"https://any.example"}}, 200, "https://any.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := limitedServer(t, RateLimit{}, nil, tt.origins)
			w := do(s, tt.method, "/api/v1/search", "192.0.2.1:1", tt.header)
			if w.Code != tt.status {
				t.Errorf("status %d, want %d (%s)", w.Code, tt.status, w.Body)
			}
			if got := w.Header().Get("Access-Control-Allow-Origin"); got != tt.allow {
				t.Errorf("Access-Control-Allow-Origin %q, want %q", got, tt.allow)
			}
			if tt.status == 204 {
				if m := w.Header().Get("Access-Control-Allow-Methods"); !strings.Contains(m, "POST") {
					t.Errorf("Allow-Methods %q", m)
				}
				if h := w.Header().Get("Access-Control-Allow-Headers"); !strings.Contains(h, "Authorization") {
					t.Errorf("Allow-Headers %q", h)
				}
			}
			if tt.origins == nil {
				for k := range w.Header() {
					if strings.HasPrefix(k, "Access-Control-") {
						t.Errorf("CORS header %s sent although no origin is configured", k)
					}
				}
			}
		})
	}
}

// A preflight needs no token (browsers send none), but the request after
// it does; a 429 carries CORS headers so that the page can read it.
func TestCORSWithTokensAndLimit(t *testing.T) {
	const app = "https://app.example"
	tokens := []Token{{Name: "r", SHA256: sha256.Sum256([]byte("read-token-0123456789"))}}
	s, _ := limitedServer(t, RateLimit{PerSecond: 1, Burst: 1}, tokens, []string{app})
	if w := do(s, "OPTIONS", "/api/v1/search", "192.0.2.1:1", http.Header{"Origin": {app}, "Access-Control-Request-Method": {"GET"}}); w.Code != 204 {
		t.Fatalf("preflight: %d %s", w.Code, w.Body)
	}
	h := http.Header{"Origin": {app}, "Authorization": {"Bearer read-token-0123456789"}}
	if w := do(s, "GET", "/api/v1/search", "192.0.2.1:1", h); w.Code != 200 {
		t.Fatalf("GET: %d", w.Code)
	}
	w := do(s, "GET", "/api/v1/search", "192.0.2.1:1", h)
	if w.Code != 429 || w.Header().Get("Access-Control-Allow-Origin") != app {
		t.Errorf("429 with CORS: got %d, ACAO %q", w.Code, w.Header().Get("Access-Control-Allow-Origin"))
	}
	if w := do(s, "GET", "/api/v1/search", "192.0.2.1:1", http.Header{"Origin": {app}}); w.Code != 401 && w.Code != 429 {
		t.Errorf("without a token: %d", w.Code)
	}
}
