package feeds

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestFailureMessages runs every kind of answer a feed source gives through
// Fetch and Parse, as a scheduled run does, for several runs in a row with
// the validators of the last success, and checks what a user is told.
func TestFailureMessages(t *testing.T) {
	// Only the cases that hang wait for the fetch timeout, and they
	// always reach it; the others get a timeout no loaded machine comes
	// near, so that a slow TLS handshake under -race is not a timeout.
	const (
		timeout  = 300 * time.Millisecond
		generous = time.Minute
	)
	now := time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)
	rss := readTestdata(t, "rss2.xml")
	feedHandler := func(contentType string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", contentType)
			w.Write(rss)
		}
	}
	var flap atomic.Int64

	// Each outcome is "ok" (a feed with items), "304", or text the error
	// must contain; {URL} stands for the URL fetched.
	tests := []struct {
		name     string
		server   string // "http" (default), "tls", "none" (nothing listens), "close" (hangs up)
		handler  http.HandlerFunc
		rt       func(srv *httptest.Server) http.RoundTripper
		local    bool // reach the server as "localhost", a name its certificate lacks
		resolve  bool // call Resolve, and "ok" means it found /feed.xml
		hangs    bool // the server never finishes: the fetch times out
		outcomes []string
		wantIs   error
	}{
		{name: "200 then 304", handler: func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("If-None-Match") == `"v1"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", `"v1"`)
			w.Write(rss)
		}, outcomes: []string{"ok", "304", "304"}},
		{name: "flapping 500/200", handler: func(w http.ResponseWriter, r *http.Request) {
			if flap.Add(1)%2 == 1 {
				http.Error(w, "oops", http.StatusInternalServerError)
				return
			}
			w.Write(rss)
		}, outcomes: []string{`feeds: fetch "{URL}": 500 Internal Server Error`, "ok", "500 Internal Server Error", "ok"}},
		{name: "429 with Retry-After seconds", handler: status(http.StatusTooManyRequests, "90"),
			outcomes: []string{`feeds: fetch "{URL}": 429 Too Many Requests (retry after 1m30s)`}},
		{name: "429 with Retry-After date", handler: status(http.StatusTooManyRequests, now.Add(2*time.Hour).Format(http.TimeFormat)),
			outcomes: []string{"429 Too Many Requests (retry after 2h0m0s)"}},
		{name: "503 with Retry-After seconds", handler: status(http.StatusServiceUnavailable, "3600"),
			outcomes: []string{"503 Service Unavailable (retry after 1h0m0s)"}},
		{name: "503 with Retry-After date", handler: status(http.StatusServiceUnavailable, now.Add(10*time.Minute).Format(http.TimeFormat)),
			outcomes: []string{"503 Service Unavailable (retry after 10m0s)"}},
		{name: "404", handler: status(http.StatusNotFound, ""), outcomes: []string{`feeds: fetch "{URL}": 404 Not Found`}},
		{name: "410", handler: status(http.StatusGone, ""), outcomes: []string{"410 Gone"}},
		{name: "gzip", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(gzipped(t, rss))
		}, outcomes: []string{"ok"}},
		{name: "a feed served as text/html parses", handler: feedHandler("text/html; charset=utf-8"), outcomes: []string{"ok"}},
		{name: "a feed served as text/plain parses", handler: feedHandler("text/plain"), outcomes: []string{"ok"}},
		{name: "an HTML page", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(readTestdata(t, "html-page.html"))
		}, outcomes: []string{`feeds: parse "{URL}": not a feed: the server sent an HTML page (text/html); ` +
			"is this the site's home page? try `techintel sources discover {URL}`"}, wantIs: ErrNotFeed},
		{name: "an HTML page with alternate links: Resolve finds the feed", handler: func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/feed.xml" {
				w.Write(rss)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(readTestdata(t, "html-page.html"))
		}, resolve: true, outcomes: []string{"ok"}},
		{name: "an empty body", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
		},
			outcomes: []string{`feeds: parse "{URL}": not a feed: the body is empty`}, wantIs: ErrNotFeed},
		{name: "malformed XML", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Write(readTestdata(t, "malformed.xml"))
		}, outcomes: []string{`feeds: parse "{URL}": malformed feed: XML syntax error on line 8: unexpected EOF`}},
		{name: "hangs past the timeout", handler: func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}, hangs: true, outcomes: []string{`feeds: fetch "{URL}": no answer within 300ms`}, wantIs: context.DeadlineExceeded},
		{name: "the body stalls past the timeout", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Write(rss[:100])
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}, hangs: true, outcomes: []string{`feeds: fetch "{URL}": the answer did not arrive in full within 300ms`}},
		{name: "the body is cut short", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "100000")
			w.Write(rss[:100])
		}, outcomes: []string{`feeds: fetch "{URL}": the server closed the connection in the middle of the answer`}},
		{name: "connection refused", server: "none",
			outcomes: []string{`feeds: fetch "{URL}": connection refused by {HOST}: is the server down, or is the port wrong?`}},
		{name: "hung up without answering", server: "close",
			outcomes: []string{`feeds: fetch "{URL}": the server closed the connection without answering`}},
		{name: "no such host", rt: func(*httptest.Server) http.RoundTripper { return unresolvable{} },
			outcomes: []string{`feeds: fetch "{URL}": cannot resolve feeds.example.invalid: no such host; check the URL for a typo, or whether this machine is offline`}},
		{name: "TLS certificate from an unknown authority", server: "tls", handler: feedHandler("application/rss+xml"),
			outcomes: []string{`feeds: fetch "{URL}": TLS certificate not trusted: it is signed by an unknown authority`}},
		{name: "TLS certificate for another host", server: "tls", handler: feedHandler("application/rss+xml"),
			rt: func(srv *httptest.Server) http.RoundTripper {
				return srv.Client().Transport.(*http.Transport).Clone() // trusts the test CA
			}, local: true,
			outcomes: []string{`feeds: fetch "{URL}": TLS certificate is for another host: certificate is valid for`}},
		{name: "https to a plain http server", server: "tls-to-http", handler: feedHandler("application/rss+xml"),
			outcomes: []string{`feeds: fetch "{URL}": http: server gave HTTP response to HTTPS client`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			feedURL, rt := startServer(t, tt.server, tt.handler, tt.rt)
			if tt.local {
				feedURL = strings.Replace(feedURL, "127.0.0.1", "localhost", 1)
			}
			if feedURL == "" {
				feedURL = "http://feeds.example.invalid/rss"
			}
			fetchTimeout := generous
			if tt.hangs {
				fetchTimeout = timeout
			}
			f := NewFetcher(rt, testUA, fetchTimeout, 1<<20)
			f.now = func() time.Time { return now }
			host := strings.TrimPrefix(strings.TrimPrefix(feedURL, "http://"), "https://")
			host, _, _ = strings.Cut(host, "/")
			var v Validators
			for i, want := range tt.outcomes {
				want = strings.NewReplacer("{URL}", feedURL, "{HOST}", host).Replace(want)
				got, err := runOnce(t.Context(), f, feedURL, tt.resolve, &v)
				switch {
				case err != nil && (want == "ok" || want == "304"):
					t.Fatalf("run %d: %v, want %s", i+1, err, want)
				case err != nil:
					if !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "feeds: ") {
						t.Errorf("run %d: error\n%s\nwant it to contain\n%s", i+1, err, want)
					}
					if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
						t.Errorf("run %d: %v does not wrap %v", i+1, err, tt.wantIs)
					}
				case got != want:
					t.Errorf("run %d: %s, want %s", i+1, got, want)
				}
			}
		})
	}
}

// runOnce is one scheduled run of a feed: a conditional fetch, then a parse,
// keeping the validators of a success. It returns "ok" or "304".
func runOnce(ctx context.Context, f *Fetcher, feedURL string, resolve bool, v *Validators) (string, error) {
	if resolve {
		found, _, err := f.Resolve(ctx, feedURL)
		if err != nil {
			return "", err
		}
		if !strings.HasSuffix(found, "/feed.xml") {
			return found, nil
		}
		return "ok", nil
	}
	resp, err := f.Fetch(ctx, feedURL, *v)
	if err != nil {
		return "", err
	}
	if resp.NotModified {
		*v = resp.Validators
		return "304", nil
	}
	feed, err := Parse(resp.Body, resp.URL, resp.ContentType)
	if err != nil {
		return "", err
	}
	if len(feed.Items) == 0 {
		return "no items", nil
	}
	*v = resp.Validators
	return "ok", nil
}

// startServer starts the kind of server a case needs and returns its URL and
// the transport to reach it with (nil: the default).
func startServer(tb testing.TB, kind string, h http.HandlerFunc, rt func(*httptest.Server) http.RoundTripper) (string, http.RoundTripper) {
	tb.Helper()
	var srv *httptest.Server
	switch kind {
	case "", "tls-to-http":
		if h == nil {
			return "", rt(nil)
		}
		srv = newServer(tb, h)
	case "tls":
		srv = httptest.NewUnstartedServer(h)
		srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are the point
		srv.StartTLS()
		tb.Cleanup(srv.Close)
	case "none":
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		return "http://" + addr + "/feed", nil
	case "close":
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { l.Close() })
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				buf := make([]byte, 4096)
				c.Read(buf) // the request, unanswered
				c.Close()
			}
		}()
		return "http://" + l.Addr().String() + "/feed", nil
	}
	u := srv.URL + "/feed"
	if kind == "tls-to-http" {
		u = strings.Replace(u, "http://", "https://", 1)
	}
	var t http.RoundTripper
	if rt != nil {
		t = rt(srv)
	}
	return u, t
}

// unresolvable is a transport whose every host is unknown, failing as the
// resolver does for a name that does not exist (RFC 6761 reserves .invalid).
type unresolvable struct{}

func (unresolvable) RoundTrip(r *http.Request) (*http.Response, error) {
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, _ := net.SplitHostPort(addr)
		return nil, &net.OpError{Op: "dial", Net: network,
			Err: &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}}
	}}
	defer tr.CloseIdleConnections()
	return tr.RoundTrip(r)
}

func status(code int, retryAfter string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		http.Error(w, http.StatusText(code), code)
	}
}
