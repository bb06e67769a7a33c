package crawler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"

	"github.com/gocolly/colly/v2"

	"github.com/techintel/techintel/index"
)

// maxRedirects bounds a redirect chain, as Go's http.Client does.
const maxRedirects = 10

// Crawl crawls cfg.StartURL's site breadth-first and calls emit, from the
// calling goroutine, with an untagged index.Document for every HTML page it
// fetches: URL canonical (after redirects), ID, Title, Body, Author,
// Published and Source set; Fetched and Updated left for the caller.
//
// It stays on the start page's host (or the host the start page redirects
// to), follows links up to cfg.MaxDepth, fetches at most cfg.MaxPages pages,
// obeys robots.txt and waits cfg.Delay between requests. A page that fails
// or is skipped is counted, logged and left behind; the crawl goes on. The
// error is non-nil when cfg is invalid, when the start page gives no
// document (it failed, is not HTML, or robots.txt disallows it), or when
// ctx ends, which stops the crawl at once and wraps ctx.Err(). A nil emit
// discards the documents.
func Crawl(ctx context.Context, cfg Config, emit func(index.Document)) (Stats, error) {
	if err := cfg.Validate(); err != nil {
		return Stats{}, err
	}
	start, err := index.CanonicalURL(cfg.StartURL)
	if err != nil {
		return Stats{}, fmt.Errorf("crawler: url: %w", err)
	}
	su, err := url.Parse(start)
	if err != nil {
		return Stats{}, fmt.Errorf("crawler: url: %w", err)
	}
	if emit == nil {
		emit = func(index.Document) {}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With(slog.String("source", cfg.Source))
	c, err := newCollector(ctx, cfg, newTransport(ctx, cfg, log))
	if err != nil {
		return Stats{}, err
	}
	cr := &crawl{cfg: cfg, log: log, c: c, emit: emit, host: su.Host,
		seen: map[string]bool{start: true}, emitted: make(map[string]bool)}
	return cr.run(ctx, item{url: start, start: true})
}

// item is a URL waiting to be fetched.
type item struct {
	url   string // canonical
	depth int    // links followed from the start page
	hops  int    // redirects followed to reach url
	start bool   // the start page, or its redirect chain: may move the site
}

// crawl is the state of one Crawl call.
type crawl struct {
	cfg      Config
	log      *slog.Logger
	c        *colly.Collector
	emit     func(index.Document)
	host     string          // canonical host[:port] the crawl stays on
	seen     map[string]bool // canonical URLs queued or fetched
	emitted  map[string]bool // document URLs emitted
	queue    []item
	pages    int // of cfg.MaxPages spent
	stats    Stats
	startErr error // why the start page gave no document
}

func (cr *crawl) run(ctx context.Context, first item) (Stats, error) {
	cr.queue = append(cr.queue, first)
	for len(cr.queue) > 0 && ctx.Err() == nil {
		if cr.pages >= cr.cfg.MaxPages {
			cr.log.Info("max_pages reached", slog.Int("max_pages", cr.cfg.MaxPages),
				slog.Int("not_fetched", len(cr.queue)))
			break
		}
		it := cr.queue[0]
		cr.queue = cr.queue[1:]
		if next, ok := cr.visit(ctx, it); ok { // a redirect: follow it first
			cr.queue = append([]item{next}, cr.queue...)
		}
	}
	if err := ctx.Err(); err != nil {
		cr.log.Info("crawl cancelled", slog.Int("fetched", cr.stats.Fetched))
		return cr.stats, fmt.Errorf("crawler: crawl %s: %w", cr.cfg.StartURL, err)
	}
	cr.log.Info("crawl done", slog.Int("fetched", cr.stats.Fetched),
		slog.Int("failed", cr.stats.Failed), slog.Int("skipped", cr.stats.Skipped))
	if cr.startErr != nil {
		return cr.stats, fmt.Errorf("crawler: start page %s: %w", cr.cfg.StartURL, cr.startErr)
	}
	return cr.stats, nil
}

// visit fetches one URL and handles what comes back. It returns the
// redirect target to fetch next, if any.
func (cr *crawl) visit(ctx context.Context, it item) (item, bool) {
	res := &response{}
	cctx := colly.NewContext()
	cctx.Put(responseKey, res)
	err := cr.c.Request(http.MethodGet, it.url, nil, cctx, nil)
	switch {
	case ctx.Err() != nil:
		// Cancelled: the caller returns without counting this one.
	case errors.Is(err, colly.ErrRobotsTxtBlocked):
		cr.skip(it, "disallowed by robots.txt", it.hops > 0)
	case res.status >= 300 && res.status < 400 && res.location != "":
		return cr.redirect(it, res)
	case res.status != 0 && (res.status < 200 || res.status >= 300):
		cr.fail(it, fmt.Errorf("crawler: HTTP %d %s", res.status, http.StatusText(res.status)))
	case res.status != 0 && res.body == nil && errors.Is(err, colly.ErrAbortedAfterHeaders):
		cr.skip(it, "not HTML: "+res.contentType, true)
	case err != nil:
		var ne net.Error
		if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
			err = fmt.Errorf("crawler: timeout (%s): %w", cr.cfg.Timeout, err)
		}
		cr.fail(it, err)
	default:
		cr.page(it, res)
	}
	return item{}, false
}

func (cr *crawl) redirect(it item, res *response) (item, bool) {
	base, err := url.Parse(res.url)
	if err != nil {
		cr.fail(it, fmt.Errorf("crawler: redirect from %q: %w", res.url, err))
		return item{}, false
	}
	target, err := index.ResolveURL(base, res.location)
	if err != nil {
		cr.fail(it, fmt.Errorf("crawler: redirect: %w", err))
		return item{}, false
	}
	if it.hops >= maxRedirects {
		cr.fail(it, fmt.Errorf("crawler: stopped after %d redirects", maxRedirects))
		return item{}, false
	}
	tu, err := url.Parse(target)
	if err != nil {
		cr.fail(it, fmt.Errorf("crawler: redirect: %w", err))
		return item{}, false
	}
	if tu.Host != cr.host {
		if !it.start {
			cr.skip(it, "redirected off the site to "+target, true)
			return item{}, false
		}
		cr.log.Info("start page moved to another host", slog.String("from", cr.host),
			slog.String("to", tu.Host))
		cr.host = tu.Host
	}
	// A redirect to itself (a site setting a cookie) is allowed; the hop
	// limit ends a loop.
	if target != it.url && cr.seen[target] {
		cr.skip(it, "redirected to a page already seen: "+target, true)
		return item{}, false
	}
	cr.seen[target] = true
	cr.log.Debug("redirect", slog.String("url", it.url), slog.String("to", target),
		slog.Int("status", res.status))
	return item{url: target, depth: it.depth, hops: it.hops + 1, start: it.start}, true
}

func (cr *crawl) page(it item, res *response) {
	ct := res.contentType
	if ct == "" {
		ct = http.DetectContentType(res.body)
		if !isHTML(ct) {
			cr.skip(it, "not HTML: sniffed "+ct, true)
			return
		}
	}
	final, err := url.Parse(res.url)
	if err != nil {
		cr.fail(it, fmt.Errorf("crawler: final url: %w", err))
		return
	}
	docURL, err := index.CanonicalURL(res.url)
	if err != nil {
		cr.fail(it, fmt.Errorf("crawler: final url: %w", err))
		return
	}
	cr.seen[docURL] = true
	p := Extract(res.body, decodedContentType(ct), final)
	if it.depth < cr.cfg.MaxDepth && !p.NoFollow {
		for _, l := range p.Links {
			cr.enqueue(l, it.depth+1)
		}
	}
	switch {
	case p.NoIndex:
		cr.skip(it, "noindex", true)
	case p.Title == "" && p.Body == "":
		cr.skip(it, "no text", true)
	case cr.emitted[docURL]:
		cr.skip(it, "already emitted as "+docURL, true)
	default:
		cr.emitted[docURL] = true
		cr.pages++
		cr.stats.Fetched++
		cr.log.Debug("page fetched", slog.String("url", docURL), slog.Int("depth", it.depth))
		cr.emit(index.Document{
			ID: index.DocID(docURL), URL: docURL, Source: cr.cfg.Source,
			Title: p.Title, Body: p.Body, Author: p.Author, Published: p.Published,
		})
	}
}

// enqueue queues a canonical link if it is on the site and new.
func (cr *crawl) enqueue(link string, depth int) {
	if cr.seen[link] {
		return
	}
	u, err := url.Parse(link)
	if err != nil || u.Host != cr.host {
		return
	}
	cr.seen[link] = true
	cr.queue = append(cr.queue, item{url: link, depth: depth})
}

// skip counts a page not emitted on purpose. spent says whether it cost a
// request (a robots.txt refusal does not).
func (cr *crawl) skip(it item, reason string, spent bool) {
	if spent {
		cr.pages++
	}
	cr.stats.Skipped++
	cr.log.Info("page skipped", slog.String("url", it.url), slog.String("reason", reason))
	if it.start && reason != "noindex" {
		cr.startErr = errors.New(reason)
	}
}

func (cr *crawl) fail(it item, err error) {
	cr.pages++
	cr.stats.fail(it.url, err)
	cr.log.Warn("page failed", slog.String("url", it.url), slog.Any("error", err))
	if it.start {
		cr.startErr = err
	}
}
