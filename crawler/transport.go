package crawler

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gocolly/colly/v2"
)

const (
	// robotsMaxBytes is how much of a robots.txt is read: RFC 9309 section
	// 2.5 lets a crawler stop parsing at 500 KiB (a page body over its cap
	// fails instead; robots.txt is truncated, as the RFC allows).
	robotsMaxBytes = 500 << 10
	// robotsMaxRedirects: RFC 9309 section 2.3.1.2 asks crawlers to follow
	// at least five consecutive redirects for robots.txt.
	robotsMaxRedirects = 5
	// disallowAll stands in for a robots.txt answered with a 5xx: RFC 9309
	// section 2.3.1.3 says the crawler MUST then assume complete disallow.
	// colly (through temoto/robotstxt) treats it as allow-all instead.
	disallowAll = "User-agent: *\nDisallow: /\n"
)

// bodyTooLargeError fails a page whose body, after decompression, is over
// max_body_bytes.
type bodyTooLargeError struct{ limit int64 }

func (e *bodyTooLargeError) Error() string {
	return fmt.Sprintf("crawler: body exceeds max_body_bytes (%d bytes)", e.limit)
}

// transport wraps the caller's RoundTripper with what colly lacks or gets
// wrong: per-host politeness (one request at a time, the delay, robots.txt
// Crawl-delay and Retry-After, all cancellable, unlike LimitRule's sleep),
// a body cap applied after decompression, the RFC 9309 reading of
// robots.txt, and the crawl's context on colly's robots.txt request.
type transport struct {
	base      http.RoundTripper
	ctx       context.Context // bounds requests colly makes without one (robots.txt)
	maxBody   int64
	delay     time.Duration
	userAgent string
	log       *slog.Logger

	mu    sync.Mutex
	hosts map[string]*hostState // by host[:port] as requested
}

func newTransport(ctx context.Context, cfg Config, log *slog.Logger) *transport {
	base := cfg.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{base: base, ctx: ctx, maxBody: cfg.MaxBodyBytes, delay: cfg.Delay,
		userAgent: cfg.UserAgent, log: log, hosts: make(map[string]*hostState)}
}

// isRobotsRequest tells colly's robots.txt fetches (and their redirect hops)
// from page requests: colly builds the former with http.NewRequest and no
// context, while every page request it makes carries colly.CheckRevisitKey.
func isRobotsRequest(r *http.Request) bool {
	return r.Context().Value(colly.CheckRevisitKey) == nil
}

// checkRedirect is the crawl client's redirect policy. Page redirects are
// handed back to the crawl, which queues the target like any link so that
// it is checked against the scope, robots.txt and the pages already seen
// (colly checks redirect targets against none of these). robots.txt
// redirects are followed here, as RFC 9309 asks.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if !isRobotsRequest(via[0]) {
		return http.ErrUseLastResponse
	}
	if len(via) > robotsMaxRedirects {
		return fmt.Errorf("crawler: robots.txt: more than %d redirects", robotsMaxRedirects)
	}
	return nil
}

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	robots := isRobotsRequest(req)
	cancelRobots := func() {}
	if robots {
		ctx, cancel := context.WithCancel(req.Context())
		stop := context.AfterFunc(t.ctx, cancel)
		req = req.WithContext(ctx)
		cancelRobots = func() { stop(); cancel() }
	}
	hs := t.state(req.URL.Host)
	if err := t.acquire(req.Context(), hs); err != nil {
		cancelRobots()
		return nil, err
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		t.release(hs)
		cancelRobots()
		return nil, err
	}
	var once sync.Once
	done := func() { once.Do(func() { t.release(hs); cancelRobots() }) }
	if robots {
		return t.robotsResponse(req, resp, done)
	}
	if retryable(resp.StatusCode) {
		if wait, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			t.retryAfter(hs, wait)
		}
	}

	resp.Body = decodedBody(resp, t.maxBody, false, done)
	// Uncompressed tells colly the body is already decoded: otherwise it
	// gunzips a body whose Content-Type mentions gzip or whose path ends in
	// .xml.gz, after our cap and with none of its own (colly bug #923).
	// Gzip sitemaps are decompressed by parseSitemap, under the same cap.
	resp.Uncompressed = true
	return resp, nil
}

// decodedBody wraps resp's body so that reading it gives at most limit
// bytes after any Content-Encoding is undone: past that, it fails with
// bodyTooLargeError, or (truncate) ends early. done runs on Close.
func decodedBody(resp *http.Response, limit int64, truncate bool, done func()) *cappedBody {
	b := &cappedBody{src: resp.Body, r: resp.Body, limit: limit, truncate: truncate, done: done}
	if resp.Uncompressed {
		return b
	}
	switch enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
		b.declared = resp.ContentLength
	case "gzip", "x-gzip":
		// Sent unasked, or the injected transport has compression off:
		// decode here so the cap counts the bytes colly will hold.
		b.r = &gzipReader{src: resp.Body}
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
	default:
		b.r = errReader{fmt.Errorf("crawler: unsupported content-encoding %q", enc)}
	}
	return b
}

// cappedBody reads at most limit bytes of decoded body. Past the limit it
// fails with bodyTooLargeError, or for robots.txt (truncate) ends early.
type cappedBody struct {
	src      io.ReadCloser // the network body, closed on Close
	r        io.Reader     // what is read: src, or a decoder over it
	n, limit int64
	declared int64 // Content-Length of an unencoded body, 0 or -1 if unknown
	truncate bool
	done     func()
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if !b.truncate && b.declared > b.limit {
		return 0, &bodyTooLargeError{b.limit}
	}
	if left := b.limit - b.n + 1; int64(len(p)) > left {
		p = p[:left]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	if b.n > b.limit {
		b.n = b.limit
		if b.truncate {
			return n - 1, io.EOF
		}
		return n - 1, &bodyTooLargeError{b.limit}
	}
	return n, err
}

func (b *cappedBody) Close() error {
	if g, ok := b.r.(*gzipReader); ok && g.zr != nil {
		g.zr.Close()
	}
	err := b.src.Close()
	b.done()
	return err
}

// gzipReader decodes lazily, so that a response nobody reads (a redirect,
// a non-HTML page aborted after its headers) costs no gzip header read.
type gzipReader struct {
	src io.Reader
	zr  *gzip.Reader
	err error
}

func (g *gzipReader) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	if g.zr == nil {
		zr, err := gzip.NewReader(g.src)
		if err != nil {
			g.err = fmt.Errorf("crawler: gzip body: %w", err)
			return 0, g.err
		}
		g.zr = zr
	}
	return g.zr.Read(p)
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
