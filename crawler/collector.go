package crawler

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"strings"

	"github.com/gocolly/colly/v2"
)

// acceptHTML is sent with every request, robots.txt included (colly copies
// the collector's headers onto it); anything is still accepted.
const acceptHTML = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"

// responseKey is where a request's *response travels in its colly.Context.
const responseKey = "techintel.crawler.response"

// response is what the colly callbacks learn about one request.
type response struct {
	status      int
	url         string // final request URL, as colly sent it
	contentType string
	location    string // of a 3xx
	body        []byte // set only for a 2xx HTML (or unlabelled) page
}

// newCollector returns a collector for one crawl: its robots.txt cache and
// cookie jar live and die with it.
func newCollector(ctx context.Context, cfg Config, tr http.RoundTripper) (*colly.Collector, error) {
	c := colly.NewCollector()
	// NewCollector has already applied the COLLY_* environment variables:
	// every field is set again here so that none of them reaches a crawl.
	c.UserAgent = cfg.UserAgent
	c.Headers = &http.Header{"Accept": {acceptHTML}}
	// The traversal, the page budget and the host policy are ours: colly
	// only ever sees depth-1 visits of URLs we chose, redirect hops are not
	// pages, and our host check minds ports and lets the start page move.
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
	// One request at a time per host. The politeness delay itself is in
	// the transport: LimitRule sleeps after a request without looking at
	// the context, which would hold up cancellation by a whole Delay.
	if err := c.Limit(&colly.LimitRule{DomainGlob: "*", Parallelism: 1}); err != nil {
		return nil, fmt.Errorf("crawler: limit rule: %w", err)
	}

	c.OnResponseHeaders(func(r *colly.Response) {
		res := r.Ctx.GetAny(responseKey).(*response)
		res.status = r.StatusCode
		res.url = r.Request.URL.String()
		res.contentType = r.Headers.Get("Content-Type")
		switch {
		case r.StatusCode >= 300 && r.StatusCode < 400:
			res.location = r.Headers.Get("Location")
			r.Request.Abort()
		case r.StatusCode < 200 || r.StatusCode >= 300:
			r.Request.Abort() // fails the page; its body is of no use
		case res.contentType != "" && !isHTML(res.contentType):
			r.Request.Abort() // skipped without downloading it
		}
	})
	c.OnResponse(func(r *colly.Response) {
		r.Ctx.GetAny(responseKey).(*response).body = r.Body
	})
	return c, nil
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
