package feeds

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const testUA = "techintel-test/1.0"

// newServer starts an httptest server for h, closed when the test ends.
func newServer(tb testing.TB, h http.HandlerFunc) *httptest.Server {
	tb.Helper()
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv
}

func gzipped(tb testing.TB, b []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := zw.Write(b); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestFetchConditional(t *testing.T) {
	const etag, lastMod = `"v1"`, "Tue, 05 Mar 2024 09:30:00 GMT"
	body := readTestdata(t, "rss2.xml")
	var (
		mu       sync.Mutex
		requests []http.Header
	)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests = append(requests, r.Header.Clone())
		mu.Unlock()
		if r.Header.Get("If-None-Match") == etag && r.Header.Get("If-Modified-Since") == lastMod {
			w.Header().Set("ETag", etag)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Write(body)
	})
	f := NewFetcher(nil, testUA, time.Minute, 1<<20)

	first, err := f.Fetch(t.Context(), srv.URL+"/feed", Validators{})
	if err != nil {
		t.Fatal(err)
	}
	if first.NotModified || !bytes.Equal(first.Body, body) || first.URL != srv.URL+"/feed" ||
		first.ContentType != "application/rss+xml; charset=utf-8" {
		t.Errorf("first fetch = %+v", first)
	}
	if first.Validators != (Validators{ETag: etag, LastModified: lastMod}) {
		t.Errorf("validators %+v", first.Validators)
	}

	second, err := f.Fetch(t.Context(), srv.URL+"/feed", first.Validators)
	if err != nil {
		t.Fatal(err)
	}
	if !second.NotModified || second.Body != nil || second.Validators != first.Validators {
		t.Errorf("second fetch = %+v, want 304 keeping the validators", second)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(requests) != 2 {
		t.Fatalf("%d requests", len(requests))
	}
	if h := requests[0]; h.Get("If-None-Match") != "" || h.Get("If-Modified-Since") != "" {
		t.Errorf("first request was conditional: %v", h)
	}
	for i, h := range requests {
		if h.Get("User-Agent") != testUA {
			t.Errorf("request %d: User-Agent %q", i, h.Get("User-Agent"))
		}
		if !strings.Contains(h.Get("Accept"), "application/rss+xml") {
			t.Errorf("request %d: Accept %q", i, h.Get("Accept"))
		}
	}
}

func TestFetchBodies(t *testing.T) {
	const maxBody = 64 << 10
	feed := readTestdata(t, "atom.xml")
	big := bytes.Repeat([]byte("a"), maxBody+1)
	bomb := gzipped(t, make([]byte, 4<<20)) // ~4 KB that inflates to 4 MB, 64 times the cap
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    []byte
		wantErr error
	}{
		{"gzip", func(w http.ResponseWriter, r *http.Request) {
			if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
				http.Error(w, "want gzip", http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(gzipped(t, feed))
		}, feed, nil},
		{"exactly the cap", func(w http.ResponseWriter, r *http.Request) {
			w.Write(big[:maxBody])
		}, big[:maxBody], nil},
		{"over the cap", func(w http.ResponseWriter, r *http.Request) {
			w.Write(big)
		}, nil, ErrTooLarge},
		{"over the cap without Content-Length", func(w http.ResponseWriter, r *http.Request) {
			w.Write(big[:1000])
			w.(http.Flusher).Flush()
			w.Write(big[1000:])
		}, nil, ErrTooLarge},
		{"gzip bomb", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(bomb)
		}, nil, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, tt.handler)
			resp, err := NewFetcher(nil, testUA, time.Minute, maxBody).Fetch(t.Context(), srv.URL, Validators{})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.HasPrefix(err.Error(), "feeds: fetch ") {
					t.Fatalf("error %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(resp.Body, tt.want) {
				t.Errorf("body of %d bytes, want %d", len(resp.Body), len(tt.want))
			}
		})
	}
}

// TestFetchGzipUnasked covers a transport that does not decompress (as one
// that sets Accept-Encoding itself would): the fetcher inflates the body and
// still applies the cap to what comes out.
func TestFetchGzipUnasked(t *testing.T) {
	feed := readTestdata(t, "rss2.xml")
	tests := []struct {
		name    string
		body    []byte
		maxBody int64
		wantErr error
	}{
		{"inflated", feed, 1 << 20, nil},
		{"inflated over the cap", bytes.Repeat([]byte("x"), 1<<20), 1 << 10, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", "gzip")
				w.Write(gzipped(t, tt.body))
			})
			rt := &http.Transport{DisableCompression: true}
			t.Cleanup(rt.CloseIdleConnections)
			resp, err := NewFetcher(rt, testUA, time.Minute, tt.maxBody).Fetch(t.Context(), srv.URL, Validators{})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(resp.Body, tt.body) {
				t.Errorf("body %q", resp.Body)
			}
		})
	}
}

func TestFetchStatus(t *testing.T) {
	now := time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		code       int
		retryAfter string
		wantMsg    string
		wantRetry  time.Duration
	}{
		{"not found", http.StatusNotFound, "", "404 Not Found", 0},
		{"server error", http.StatusInternalServerError, "", "500 Internal Server Error", 0},
		{"gone", http.StatusGone, "", "410 Gone", 0},
		{"rate limited, seconds", http.StatusTooManyRequests, "120", "429 Too Many Requests (retry after 2m0s)", 2 * time.Minute},
		{"unavailable, http date", http.StatusServiceUnavailable, "Sun, 10 Mar 2024 12:30:00 GMT", "503 Service Unavailable (retry after 30m0s)", 30 * time.Minute},
		{"rate limited, date in the past", http.StatusTooManyRequests, "Sun, 10 Mar 2024 11:00:00 GMT", "429 Too Many Requests", 0},
		{"rate limited, garbage", http.StatusTooManyRequests, "soon", "429 Too Many Requests", 0},
		{"rate limited, absurd", http.StatusTooManyRequests, "99999999999", "429 Too Many Requests (retry after 168h0m0s)", maxRetryAfter},
		{"odd code", 599, "", "599 status code 599", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				w.WriteHeader(tt.code)
				fmt.Fprint(w, "error page")
			})
			f := NewFetcher(nil, testUA, time.Minute, 1<<20)
			f.now = func() time.Time { return now }
			_, err := f.Fetch(t.Context(), srv.URL+"/feed", Validators{})
			var se *StatusError
			if !errors.As(err, &se) {
				t.Fatalf("error %v, want a *StatusError", err)
			}
			want := fmt.Sprintf("feeds: fetch %q: %s", srv.URL+"/feed", tt.wantMsg)
			if se.Code != tt.code || se.RetryAfter != tt.wantRetry || err.Error() != want {
				t.Errorf("error %q (code %d, retry %v), want %q (code %d, retry %v)",
					err, se.Code, se.RetryAfter, want, tt.code, tt.wantRetry)
			}
		})
	}
}

func TestFetchRedirect(t *testing.T) {
	body := readTestdata(t, "jsonfeed.json")
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new", http.StatusMovedPermanently)
			return
		}
		if r.Header.Get("User-Agent") != testUA {
			http.Error(w, "no user agent", http.StatusForbidden)
			return
		}
		w.Write(body)
	})
	resp, err := NewFetcher(nil, testUA, time.Minute, 1<<20).Fetch(t.Context(), srv.URL+"/old", Validators{})
	if err != nil {
		t.Fatal(err)
	}
	if resp.URL != srv.URL+"/new" {
		t.Errorf("URL %q, want the redirect target", resp.URL)
	}
}

func TestFetchFailures(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration
		ctx     func(context.Context) (context.Context, context.CancelFunc)
		v       Validators
		handler func(release <-chan struct{}) http.HandlerFunc
		want    string
	}{
		{"hangs past the timeout", 200 * time.Millisecond, nil, Validators{},
			func(release <-chan struct{}) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					select {
					case <-release:
					case <-r.Context().Done():
					}
				}
			}, "no answer within 200ms"},
		{"body stalls past the timeout", 200 * time.Millisecond, nil, Validators{},
			func(release <-chan struct{}) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					w.Write([]byte("<rss>"))
					w.(http.Flusher).Flush()
					select {
					case <-release:
					case <-r.Context().Done():
					}
				}
			}, "the answer did not arrive in full within 200ms"},
		{"context cancelled", time.Minute, func(ctx context.Context) (context.Context, context.CancelFunc) {
			return context.WithTimeout(ctx, 100*time.Millisecond)
		}, Validators{},
			func(release <-chan struct{}) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					select {
					case <-release:
					case <-r.Context().Done():
					}
				}
			}, "stopped: context deadline exceeded"},
		{"304 to an unconditional request", time.Minute, nil, Validators{},
			func(<-chan struct{}) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotModified) }
			}, "304 Not Modified to an unconditional request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			srv := newServer(t, tt.handler(release))
			t.Cleanup(func() { close(release) }) // runs before srv.Close
			ctx := t.Context()
			if tt.ctx != nil {
				var cancel context.CancelFunc
				ctx, cancel = tt.ctx(ctx)
				defer cancel()
			}
			// The handlers hang until the test ends, so the error names
			// the timeout that fired; no wall-clock bound is needed.
			_, err := NewFetcher(nil, testUA, tt.timeout, 1<<20).Fetch(ctx, srv.URL, tt.v)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "feeds: fetch ") {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestFetchBadURL(t *testing.T) {
	for _, u := range []string{"://nope", "ftp://example.com/feed"} {
		t.Run(u, func(t *testing.T) {
			_, err := NewFetcher(nil, testUA, time.Second, 1<<20).Fetch(t.Context(), u, Validators{})
			if err == nil || !strings.HasPrefix(err.Error(), "feeds: fetch ") {
				t.Errorf("error %v", err)
			}
		})
	}
}
