package crawler

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"strings"

	"github.com/gocolly/colly/v2"
)

const (
	// acceptHTML is sent with every page request, robots.txt included
	// (colly copies the collector's headers onto it); anything is still
	// accepted.
	acceptHTML = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
	// acceptSitemap asks for a sitemap in any of its forms.
	acceptSitemap = "application/xml,text/xml;q=0.9,application/gzip;q=0.8,text/plain;q=0.5,*/*;q=0.1"
)

// responseKey is where a request's *response travels in its colly.Context.
const responseKey = "techintel.crawler.response"

// response is what the colly callbacks learn about one request.
type response struct {
	sitemap bool // set before the request: keep any 2xx body, HTML or not

	status       int
	url          string // final request URL, as colly sent it
	contentType  string
	location     string // of a 3xx
	etag         string
	lastModified string
	retryAfter   string
	body         []byte // set only for a 2xx HTML (or unlabelled) page, or a sitemap
}

// newCollector returns a collector: its robots.txt cache and cookie jar
// live and die with it (and with its clones).
func newCollector(ctx context.Context, cfg Config, tr http.RoundTripper) (*colly.Collector, error) {
	c := colly.NewCollector()
	// NewCollector has already applied the COLLY_* environment variables:
	// every field is set again here so that none of them reaches a crawl.
	c.UserAgent = cfg.UserAgent
	c.Headers = &http.Header{"Accept": {acceptHTML}}
	// The traversal, the page budget and the scope are ours: colly only
	// ever sees depth-1 visits of URLs we chose, redirect hops are not
	// pages, and our scope minds ports and subdomains and lets the start
	// page move (see scope).
	c.MaxDepth = 1
	c.MaxRequests = 0
	c.AllowedDomains = nil
	c.DisallowedDomains = nil
	c.URLFilters = nil
	c.DisallowedURLFilters = nil
	// Our seen set of canonical URLs is the one dedupe. colly's, keyed by
	// URLs as written (utm_*, fragments), would add nothing but block the
	// one legitimate second request: a page that redirects to itself to
	// set a cookie.
	c.AllowURLRevisit = true
	// colly's cap counts compressed bytes and truncates silently: the
	// transport enforces ours instead.
	c.MaxBodySize = 0
	c.CacheDir = "" // a cache would answer without asking the site
	c.CacheExpiration = 0
	c.IgnoreRobotsTxt = false       // colly's default is true
	c.Async = false                 // one request at a time, from our loop
	c.ParseHTTPErrorResponse = true // statuses are judged in OnResponseHeaders
	c.DetectCharset = false         // Extract decodes what colly leaves alone
	c.CheckHead = false
	c.TraceHTTP = false
	c.Context = ctx
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, fmt.Errorf("crawler: cookie jar: %w", err)
	}
	// Our own client replaces colly's, and with it anything the environment
	// did to it (COLLY_DISABLE_COOKIES, COLLY_FOLLOW_REDIRECTS).
	c.SetClient(&http.Client{Transport: tr, Timeout: cfg.Timeout, Jar: jar, CheckRedirect: checkRedirect})
	// No LimitRule: its Parallelism counts per rule, not per host (a "*"
	// rule serialises every host together), and its Delay sleeps without
	// looking at the context. The transport keeps one request in flight
	// per host and the delay between them.
	addCallbacks(c)
	return c, nil
}

// addCallbacks registers what fills a request's *response; a clone of a
// collector needs them again.
func addCallbacks(c *colly.Collector) {
	c.OnResponseHeaders(func(r *colly.Response) {
		res := r.Ctx.GetAny(responseKey).(*response)
		res.status = r.StatusCode
		res.url = r.Request.URL.String()
		res.contentType = r.Headers.Get("Content-Type")
		res.etag = r.Headers.Get("ETag")
		res.lastModified = r.Headers.Get("Last-Modified")
		res.retryAfter = r.Headers.Get("Retry-After")
		switch {
		case r.StatusCode >= 300 && r.StatusCode < 400:
			res.location = r.Headers.Get("Location")
			r.Request.Abort()
		case r.StatusCode < 200 || r.StatusCode >= 300:
			r.Request.Abort() // fails the page; its body is of no use
		case !res.sitemap && res.contentType != "" && !isHTML(res.contentType):
			r.Request.Abort() // skipped without downloading it
		}
	})
	c.OnResponse(func(r *colly.Response) {
		r.Ctx.GetAny(responseKey).(*response).body = r.Body
	})
}

// get makes one request through c, redirects not followed, and returns
// what came back; err is colly's (robots.txt, network, body cap, abort).
func get(c *colly.Collector, rawURL string, hdr http.Header, sitemap bool) (*response, error) {
	res := &response{sitemap: sitemap}
	cctx := colly.NewContext()
	cctx.Put(responseKey, res)
	err := c.Request(http.MethodGet, rawURL, nil, cctx, hdr)
	return res, err
}

// requestHeader returns the headers of a page request: Accept, and for a
// page known from a previous run the validators that make it conditional
// (RFC 9110 sections 13.1.2 and 13.1.3). If-None-Match wins over
// If-Modified-Since at the server, but both are sent for servers that
// only know the latter.
func requestHeader(accept string, known *PageState) http.Header {
	h := http.Header{"Accept": {accept}}
	if known != nil && known.ETag != "" {
		h.Set("If-None-Match", known.ETag)
	}
	if known != nil && known.LastModified != "" {
		h.Set("If-Modified-Since", known.LastModified)
	}
	return h
}

func isHTML(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return mt == "text/html" || mt == "application/xhtml+xml"
}

// decodedContentType is the Content-Type to hand Extract. colly has already
// converted a body whose Content-Type mentions a charset to UTF-8 (the test
// below is colly's own), and leaves the others alone, DetectCharset being
// off: a charset must not be applied a second time.
func decodedContentType(contentType string) string {
	if strings.Contains(strings.ToLower(contentType), "charset") {
		return "text/html; charset=utf-8"
	}
	return contentType
}
