package crawler

import (
	"bytes"
	"context"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/techintel/techintel/index"
)

const testUA = "techintel-test/1.0 (+https://example.org/bot)"

// testConfig is the configuration the tests start from: no delay, short
// timeouts, a 1 MiB body cap.
func testConfig(start string) Config {
	cfg := DefaultConfig()
	cfg.Source = "test-site"
	cfg.StartURL = start
	cfg.Delay = 0
	// Generous: on a busy machine under -race a page can take seconds;
	// tests of the timeout set a short one where the server hangs.
	cfg.Timeout = time.Minute
	cfg.MaxBodyBytes = 1 << 20
	cfg.UserAgent = testUA
	return cfg
}

// request is one request a testSite saw.
type request struct {
	path, userAgent string
	at              time.Time
	header          http.Header
}

// testSite serves a testdata directory, with {{origin}} and {{offsite}} in
// text files replaced by the site's and another server's origin, plus
// handlers for particular paths, and logs every request.
type testSite struct {
	srv      *httptest.Server
	dir      string
	handlers map[string]http.HandlerFunc
	offsite  string

	mu          sync.Mutex
	reqs        []request
	inflight    int
	maxInflight int
}

func newTestSite(tb testing.TB, dir, offsite string, handlers map[string]http.HandlerFunc) *testSite {
	tb.Helper()
	s := &testSite{dir: dir, handlers: handlers, offsite: offsite}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.srv.Close)
	return s
}

func (s *testSite) URL() string { return s.srv.URL }

func (s *testSite) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.reqs = append(s.reqs, request{path: r.URL.RequestURI(), userAgent: r.UserAgent(), at: time.Now(),
		header: r.Header.Clone()})
	s.inflight++
	s.maxInflight = max(s.maxInflight, s.inflight)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inflight--
		s.mu.Unlock()
	}()
	if h, ok := s.handlers[r.URL.Path]; ok {
		h(w, r)
		return
	}
	p := path.Clean(r.URL.Path)
	if strings.HasSuffix(r.URL.Path, "/") {
		p = path.Join(p, "index.html")
	}
	if s.dir == "" {
		http.NotFound(w, r)
		return
	}
	b, err := os.ReadFile(filepath.Join(s.dir, filepath.FromSlash(p)))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ct := mime.TypeByExtension(path.Ext(p))
	if strings.HasPrefix(ct, "text/") {
		b = bytes.ReplaceAll(b, []byte("{{origin}}"), []byte(s.srv.URL))
		b = bytes.ReplaceAll(b, []byte("{{offsite}}"), []byte(s.offsite))
	}
	w.Header().Set("Content-Type", ct)
	w.Write(b)
}

// requests returns the request log.
func (s *testSite) requests() []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// count returns how many requests asked for path (with its query).
func (s *testSite) count(path string) int {
	n := 0
	for _, r := range s.requests() {
		if r.path == path {
			n++
		}
	}
	return n
}

// pageRequests returns the paths requested, robots.txt and the default
// /sitemap.xml left out.
func (s *testSite) pageRequests() []string {
	var ps []string
	for _, r := range s.requests() {
		if r.path != "/robots.txt" && r.path != "/sitemap.xml" {
			ps = append(ps, r.path)
		}
	}
	return ps
}

// htmlPage serves body as an HTML page.
func htmlPage(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(body))
	}
}

// redirectTo answers with a redirect to target.
func redirectTo(code int, target string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target, code)
	}
}

// status answers with an empty response of the given code.
func status(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }
}

// result is what one test crawl produced.
type result struct {
	stats   Stats
	docs    map[string]index.Document // Fetched documents, by URL
	results map[string]Result         // every outcome, by URL
	order   []string                  // URLs in emit order
	err     error
	log     string
}

// runCrawl crawls with cfg, collecting results and log output.
func runCrawl(tb testing.TB, ctx context.Context, cfg Config) result {
	tb.Helper()
	var buf syncBuffer
	cfg.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	res := result{docs: make(map[string]index.Document), results: make(map[string]Result)}
	res.stats, res.err = Crawl(ctx, cfg, func(r Result) {
		if _, dup := res.results[r.URL]; dup {
			tb.Errorf("%s reported twice", r.URL)
		}
		res.results[r.URL] = r
		res.order = append(res.order, r.URL)
		if r.Outcome == Fetched {
			if r.Doc.URL != r.URL {
				tb.Errorf("result URL %s, document URL %s", r.URL, r.Doc.URL)
			}
			res.docs[r.URL] = r.Doc
		}
	})
	res.log = buf.String()
	return res
}

// paths returns the documents' URLs relative to origin, sorted.
func (r result) paths(origin string) []string {
	var ps []string
	for u := range r.docs {
		ps = append(ps, strings.TrimPrefix(u, origin))
	}
	slices.Sort(ps)
	return ps
}

// syncBuffer is a bytes.Buffer safe for a logger and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
