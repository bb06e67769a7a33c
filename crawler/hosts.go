package crawler

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/temoto/robotstxt"
)

const (
	// maxCrawlDelay caps a robots.txt Crawl-delay (a non-standard line RFC
	// 9309 leaves out, which colly parses but does not apply): past it a
	// site of a few hundred pages would take hours, and 30s is already
	// slower than any site asks of the big crawlers.
	maxCrawlDelay = 30 * time.Second
	// maxRetryAfter is the longest Retry-After (RFC 9110 section 10.2.3)
	// a crawl waits for before retrying a page once. A host asking for
	// more is left alone for the rest of the run: its pages fail at once.
	maxRetryAfter = 60 * time.Second
)

// hostState is the politeness state of one host[:port].
type hostState struct {
	// gate holds one token while a request to the host is in flight, from
	// the start of its politeness wait to its body being closed: at most
	// one request per host at a time, by construction.
	gate       chan struct{}
	next       time.Time     // end of the politeness delay after the last request
	retryAt    time.Time     // from the last Retry-After; may be past maxRetryAfter
	crawlDelay time.Duration // from robots.txt, capped
	sitemaps   []string      // Sitemap: lines of its robots.txt, as written
}

// backedOffError fails a request to a host that asked us, with Retry-After,
// to wait longer than maxRetryAfter.
type backedOffError struct{ wait time.Duration }

func (e *backedOffError) Error() string {
	return fmt.Sprintf("crawler: host asked to be left alone for %s (Retry-After), more than the %s cap",
		e.wait.Round(time.Second), maxRetryAfter)
}

// state returns host's politeness state, creating it on first use.
func (t *transport) state(host string) *hostState {
	t.mu.Lock()
	defer t.mu.Unlock()
	hs := t.hosts[host]
	if hs == nil {
		hs = &hostState{gate: make(chan struct{}, 1)}
		t.hosts[host] = hs
	}
	return hs
}

// acquire waits for host's turn: its gate, then the end of its politeness
// delay or Retry-After. Every wait gives way to ctx. The caller calls
// release once the request is over.
func (t *transport) acquire(ctx context.Context, hs *hostState) error {
	select {
	case hs.gate <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	t.mu.Lock()
	at, retryAt := hs.next, hs.retryAt
	t.mu.Unlock()
	if wait := time.Until(retryAt); wait > maxRetryAfter {
		<-hs.gate
		return &backedOffError{wait}
	}
	if retryAt.After(at) {
		at = retryAt
	}
	if d := time.Until(at); d > 0 {
		timer := time.NewTimer(d)
		defer timer.Stop()
		select {
		case <-ctx.Done():
			<-hs.gate
			return ctx.Err()
		case <-timer.C:
		}
	}
	if err := ctx.Err(); err != nil {
		<-hs.gate
		return err
	}
	return nil
}

// release ends a request: the host's politeness delay starts now (it runs
// from the end of one request to the start of the next) and its gate opens.
func (t *transport) release(hs *hostState) {
	t.mu.Lock()
	hs.next = time.Now().Add(max(t.delay, hs.crawlDelay))
	t.mu.Unlock()
	<-hs.gate
}

// retryAfter records a Retry-After of wait from host.
func (t *transport) retryAfter(hs *hostState, wait time.Duration) {
	t.mu.Lock()
	if at := time.Now().Add(wait); at.After(hs.retryAt) {
		hs.retryAt = at
	}
	t.mu.Unlock()
}

// readRobots takes what colly does not apply from a robots.txt body that
// host answered with: the Crawl-delay of our group and the Sitemap lines.
// colly parses the same bytes for the Allow and Disallow rules.
func (t *transport) readRobots(host string, body []byte) {
	r, err := robotstxt.FromStatusAndBytes(200, body)
	if err != nil || r == nil {
		return // colly fails the page on the same error
	}
	delay := min(r.FindGroup(t.userAgent).CrawlDelay, maxCrawlDelay)
	hs := t.state(host)
	t.mu.Lock()
	hs.crawlDelay = delay
	hs.sitemaps = append([]string(nil), r.Sitemaps...)
	t.mu.Unlock()
	if delay > t.delay {
		t.log.Info("robots.txt Crawl-delay applied", slog.String("host", host), slog.Duration("delay", delay))
	}
}

// robotsSitemaps returns the Sitemap lines of host's robots.txt, once read.
func (t *transport) robotsSitemaps(host string) []string {
	hs := t.state(host)
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), hs.sitemaps...)
}
