package crawler

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// Config tells Crawl what to crawl and how politely. Start from
// DefaultConfig and set Source and StartURL.
type Config struct {
	Source   string // source name, set on every document
	StartURL string // absolute http(s) URL; the crawl stays on its host

	// MaxDepth is how many links away from the start page the crawl goes:
	// 0 fetches only the start page, 1 also the pages it links to, and so on.
	MaxDepth int
	// MaxPages caps the pages fetched in one run, failures and skipped
	// non-HTML responses included. Redirect hops are not pages: a chain of
	// up to 10 redirects counts once, for the page it ends on.
	MaxPages int
	// Delay is the pause between the end of one request to a host and the
	// start of the next one to it, robots.txt and redirect hops included.
	Delay     time.Duration
	UserAgent string
	Timeout   time.Duration // per request, reading the body included
	// MaxBodyBytes caps a response body after decompression; a larger body
	// fails the page (it is never truncated).
	MaxBodyBytes int64
	// Transport makes the requests: inject the SSRF-guarded one here. nil
	// means http.DefaultTransport. Do not set Accept-Encoding in it: Go's
	// transparent gzip is what lets the body cap count decompressed bytes.
	Transport http.RoundTripper
	Logger    *slog.Logger // nil discards
}

// DefaultConfig returns the crawl settings techintel uses unless a source
// overrides them.
func DefaultConfig() Config {
	return Config{
		MaxDepth:     2,
		MaxPages:     500,
		Delay:        time.Second,
		UserAgent:    "techintel/0.1 (+https://example.org/bot)",
		Timeout:      20 * time.Second,
		MaxBodyBytes: 10 << 20,
	}
}

// Validate reports the first invalid field, by its config-file name.
func (c Config) Validate() error {
	u, err := url.Parse(c.StartURL)
	switch {
	case c.StartURL == "":
		return errors.New("crawler: url: missing start URL")
	case err != nil:
		return fmt.Errorf("crawler: url: %w", err)
	case (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return fmt.Errorf("crawler: url: %q is not an absolute http(s) URL", c.StartURL)
	case c.MaxDepth < 0:
		return fmt.Errorf("crawler: max_depth: %d is negative", c.MaxDepth)
	case c.MaxPages <= 0:
		return fmt.Errorf("crawler: max_pages: %d is not positive", c.MaxPages)
	case c.Delay < 0:
		return fmt.Errorf("crawler: delay: %s is negative", c.Delay)
	case c.UserAgent == "":
		return errors.New("crawler: user_agent: empty")
	case c.Timeout <= 0:
		return fmt.Errorf("crawler: timeout: %s is not positive", c.Timeout)
	case c.MaxBodyBytes <= 0:
		return fmt.Errorf("crawler: max_body_bytes: %d is not positive", c.MaxBodyBytes)
	}
	return nil
}

// maxStatsErrors bounds Stats.Errors: a broken site must not grow it
// without limit. Failed still counts every failure.
const maxStatsErrors = 50

// Stats sums up one crawl.
type Stats struct {
	Fetched int // HTML pages fetched and emitted as documents
	Failed  int // pages that could not be fetched: network errors, timeouts, non-2xx, too big
	// Skipped counts pages deliberately not emitted: disallowed by
	// robots.txt, not HTML, marked noindex, empty, or redirected off the
	// site or to a page already seen.
	Skipped int
	Errors  []string // "URL: reason" for the first 50 failures
}

func (s *Stats) fail(url string, err error) {
	s.Failed++
	if len(s.Errors) < maxStatsErrors {
		s.Errors = append(s.Errors, url+": "+err.Error())
	}
}
