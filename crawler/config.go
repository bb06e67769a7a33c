package crawler

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"time"

	"github.com/techintel/techintel/index"
)

// Config tells Crawl what to crawl and how politely. Start from
// DefaultConfig and set Source and StartURL.
type Config struct {
	Source   string // source name, set on every document
	StartURL string // absolute http(s) URL; the crawl stays on its host

	// AllowedDomains are more hosts the crawl may visit besides the start
	// page's: exact hosts ("blog.example.com", "localhost:8080" for another
	// port) or "*.example.com" for every subdomain of example.com (not
	// example.com itself). A host without a port means the scheme's default.
	AllowedDomains []string
	// Include and Exclude are Go regular expressions matched against a
	// link's canonical URL. With Include set, only URLs matching one of
	// them are fetched; a URL matching any Exclude is never fetched (Exclude
	// wins). They decide what is fetched, not only what is emitted: a page
	// left out is not read for links either. The start page is always
	// fetched.
	Include, Exclude []string

	// MaxDepth is how many links away from the start page the crawl goes:
	// 0 fetches only the start page, 1 also the pages it links to and those
	// its sitemaps list, and so on.
	MaxDepth int
	// MaxPages caps the pages fetched in one run, failures, unchanged and
	// skipped non-HTML responses included. Redirect hops are not pages: a
	// chain of up to 10 redirects counts once, for the page it ends on.
	// Sitemap files do not count; the pages they list do, when fetched.
	MaxPages int
	// MaxDuration caps the wall-clock time of one run; 0 means no cap. A
	// run that reaches it stops as if MaxPages had been reached.
	MaxDuration time.Duration
	// Delay is the pause between the end of one request to a host and the
	// start of the next one to it, robots.txt and redirect hops included.
	// A larger robots.txt Crawl-delay (up to 30s) replaces it.
	Delay     time.Duration
	UserAgent string
	Timeout   time.Duration // per request, reading the body included
	// MaxBodyBytes caps a response body after decompression; a larger body
	// fails the page (it is never truncated). It caps gzip sitemaps after
	// decompression too.
	MaxBodyBytes int64
	// Transport makes the requests: inject the SSRF-guarded one here. nil
	// means http.DefaultTransport. Do not set Accept-Encoding in it: Go's
	// transparent gzip is what lets the body cap count decompressed bytes.
	Transport http.RoundTripper
	Logger    *slog.Logger // nil discards

	// Known returns what the previous run remembered about a page, by
	// canonical URL; nil means nothing is known. It is called from the
	// crawl's goroutine.
	Known func(canonicalURL string) (PageState, bool)
	// Progress, if set, is called from the crawl's goroutine after each
	// page with the stats so far.
	Progress func(Stats)
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
	case len(c.StartURL) > maxURLLength:
		return fmt.Errorf("crawler: url: longer than %d bytes", maxURLLength)
	}
	return c.validateFetch()
}

// validateFetch checks every field but StartURL: what ArticleFetcher uses.
func (c Config) validateFetch() error {
	switch {
	case c.MaxDepth < 0:
		return fmt.Errorf("crawler: max_depth: %d is negative", c.MaxDepth)
	case c.MaxPages <= 0:
		return fmt.Errorf("crawler: max_pages: %d is not positive", c.MaxPages)
	case c.MaxDuration < 0:
		return fmt.Errorf("crawler: max_duration: %s is negative", c.MaxDuration)
	case c.Delay < 0:
		return fmt.Errorf("crawler: delay: %s is negative", c.Delay)
	case c.UserAgent == "":
		return errors.New("crawler: user_agent: empty")
	case c.Timeout <= 0:
		return fmt.Errorf("crawler: timeout: %s is not positive", c.Timeout)
	case c.MaxBodyBytes <= 0:
		return fmt.Errorf("crawler: max_body_bytes: %d is not positive", c.MaxBodyBytes)
	}
	for _, d := range c.AllowedDomains {
		if _, err := parseHostPattern(d); err != nil {
			return fmt.Errorf("crawler: allowed_domains: %w", err)
		}
	}
	if _, err := compilePatterns(c.Include); err != nil {
		return fmt.Errorf("crawler: include: %w", err)
	}
	if _, err := compilePatterns(c.Exclude); err != nil {
		return fmt.Errorf("crawler: exclude: %w", err)
	}
	return nil
}

// PageState is what a caller remembers about a page between runs: the
// validators for a conditional request (RFC 9110 section 13.1, stored as
// RFC 9111 section 4.3 describes) and the hash of its extracted text.
type PageState struct {
	ETag         string
	LastModified string
	Hash         string // ContentHash of the extracted title and body
	Length       int    // characters (runes) of the extracted title and body
	// BodyHash is BodyHash of the response body: a page that comes back
	// byte for byte the same is Unchanged without being extracted again.
	// "" (a state from before it was kept) just costs one extraction.
	BodyHash string
}

// Outcome is what became of a page the crawl reached.
type Outcome int

const (
	// Fetched: a new page, or a known one whose content changed.
	Fetched Outcome = iota
	// Unchanged: a known page that answered 304 Not Modified, or whose
	// extracted text hashes as before.
	Unchanged
	// Gone: a known page that answered 404 Not Found or 410 Gone.
	Gone
)

func (o Outcome) String() string {
	switch o {
	case Fetched:
		return "fetched"
	case Unchanged:
		return "unchanged"
	case Gone:
		return "gone"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// Result reports one page's outcome to the emit callback. Pages that fail
// or are skipped are not reported: Stats counts them.
type Result struct {
	Outcome Outcome
	URL     string // canonical; after redirects for Fetched and Unchanged
	// Doc is set when Outcome is Fetched: ID, URL, Title, Body, Author,
	// Published and Source; Fetched, Updated and the tags are the caller's.
	Doc    index.Document
	State  PageState // to remember for next time; set for Fetched and Unchanged
	Status int       // HTTP status: 200, 304, or 404/410 for Gone
	// Listing: the page, extracted in this run (Fetched, or Unchanged by
	// ContentHash), is an index of other pages (Page.Listing): Doc.Body is
	// its own text, without its link lists and teasers.
	Listing bool
}

// maxStatsErrors bounds Stats.Errors: a broken site must not grow it
// without limit. Failed still counts every failure.
const maxStatsErrors = 50

// Reasons a page is skipped, the keys of Stats.SkippedBy.
const (
	SkipRobots  = "robots.txt" // disallowed by robots.txt (no request made)
	SkipNotHTML = "not html"   // a PDF, an image...
	SkipNoIndex = "noindex"    // <meta name="robots" content="noindex">
	SkipNoText  = "no text"    // neither title nor body
	// SkipListing: a listing (Page.Listing) with no text of its own, only
	// link lists and teasers; its links are followed all the same.
	SkipListing   = "listing"
	SkipDuplicate = "duplicate" // redirected to, or ending on, a page already seen
	SkipOffSite   = "off site"  // redirected out of scope (host, include/exclude, URL length)
)

// Stats sums up one crawl (or, given to Config.Progress, the crawl so far).
type Stats struct {
	Fetched   int // pages emitted as Fetched: new, or changed since last time
	Unchanged int // pages emitted as Unchanged
	Gone      int // pages emitted as Gone
	Failed    int // pages that could not be fetched: network errors, timeouts, non-2xx, too big, backed off
	// Skipped counts pages deliberately not emitted; SkippedBy breaks it
	// down by reason (the Skip… constants).
	Skipped   int
	SkippedBy map[string]int
	Queued    int      // URLs waiting to be fetched
	Errors    []string // "URL: reason" for the first 50 failures
}

func (s *Stats) fail(url string, err error) {
	s.Failed++
	if len(s.Errors) < maxStatsErrors {
		s.Errors = append(s.Errors, url+": "+err.Error())
	}
}

func (s *Stats) skip(reason string) {
	s.Skipped++
	if s.SkippedBy == nil {
		s.SkippedBy = make(map[string]int)
	}
	s.SkippedBy[reason]++
}

// clone returns a copy that shares nothing with s.
func (s Stats) clone() Stats {
	s.SkippedBy = maps.Clone(s.SkippedBy)
	s.Errors = append([]string(nil), s.Errors...)
	return s
}
