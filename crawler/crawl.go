package crawler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"time"

	"github.com/gocolly/colly/v2"

	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/internal/netfail"
)

// maxRedirects bounds a redirect chain, as Go's http.Client does.
const maxRedirects = 10

// Crawl crawls cfg.StartURL's site breadth-first and calls emit, from the
// calling goroutine, with the outcome of every page it reaches: Fetched
// (with the document) for a new or changed page, Unchanged, or Gone. Pages
// that fail or are skipped are counted in the Stats, logged and left
// behind; the crawl goes on.
//
// It stays in scope (the start page's host, or the host the start page
// redirects to, plus cfg.AllowedDomains, cfg.Include and cfg.Exclude),
// follows links up to cfg.MaxDepth, reads the site's sitemaps, fetches at
// most cfg.MaxPages pages within cfg.MaxDuration, obeys robots.txt and
// keeps one request at a time per host, cfg.Delay (or a larger robots.txt
// Crawl-delay) apart. The error is non-nil when cfg is invalid, when the
// start page gives no document (it failed, is gone, is not HTML, or
// robots.txt disallows it), or when ctx ends, which stops the crawl at
// once and wraps ctx.Err(). A nil emit discards the results.
func Crawl(ctx context.Context, cfg Config, emit func(Result)) (Stats, error) {
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
	sc, err := newScope(cfg, su.Host)
	if err != nil {
		return Stats{}, err
	}
	if emit == nil {
		emit = func(Result) {}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With(slog.String("source", cfg.Source))
	runCtx, cancel := ctx, context.CancelFunc(func() {})
	if cfg.MaxDuration > 0 {
		runCtx, cancel = context.WithTimeout(ctx, cfg.MaxDuration)
	}
	defer cancel()
	tr := newTransport(runCtx, cfg, log)
	c, err := newCollector(runCtx, cfg, tr)
	if err != nil {
		return Stats{}, err
	}
	// One worker per core: the crawl's own goroutine mostly waits on the
	// network. A job holds a page body; 2 per worker keep them all busy.
	workers := runtime.GOMAXPROCS(0)
	pipe := newPipeline(ctx, workers, 2*workers)
	defer pipe.close()
	cr := &crawl{cfg: cfg, log: log, c: c, tr: tr, scope: sc, emit: emit, pipe: pipe,
		seen: map[string]bool{start: true}, emitted: make(map[string]bool)}
	return cr.run(ctx, runCtx, item{url: start, start: true})
}

// item is a URL waiting to be fetched.
type item struct {
	url     string // canonical
	depth   int    // links followed from the start page; 1 for sitemap entries
	hops    int    // redirects followed to reach url
	start   bool   // the start page, or its redirect chain: may move the site
	retried bool   // already asked again after a Retry-After
}

// crawl is the state of one Crawl call.
type crawl struct {
	cfg      Config
	log      *slog.Logger
	c        *colly.Collector
	tr       *transport
	scope    *scope
	emit     func(Result)
	pipe     *pipeline       // extracts pages; finishes every outcome in fetch order
	seen     map[string]bool // canonical URLs queued or fetched
	emitted  map[string]bool // result URLs reported
	queue    []item
	head     int // queue[head:] is still to do
	pages    int // of cfg.MaxPages spent
	stats    Stats
	startErr error  // why the start page gave no document
	origin   string // scheme://host of the start page, after its redirects
}

func (cr *crawl) run(ctx, runCtx context.Context, first item) (Stats, error) {
	next := []item{first} // a redirect target or a retry: before the queue
	for runCtx.Err() == nil {
		cr.pipe.poll()
		if len(next) == 0 && cr.head == len(cr.queue) {
			// The pages being extracted may have links to queue.
			if !cr.pipe.next() {
				break
			}
			continue
		}
		if cr.pages >= cr.cfg.MaxPages {
			cr.log.Info("max_pages reached", slog.Int("max_pages", cr.cfg.MaxPages),
				slog.Int("not_fetched", len(cr.queue)-cr.head+len(next)))
			break
		}
		var it item
		if len(next) > 0 {
			it, next = next[0], next[1:]
		} else {
			it = cr.queue[cr.head]
			cr.queue[cr.head] = item{}
			cr.head++
		}
		if follow, ok := cr.visit(runCtx, it); ok {
			next = append(next, follow)
			continue
		}
		if runCtx.Err() != nil {
			break
		}
		if it.start {
			// Whether the start page gave a document decides the sitemaps.
			cr.pipe.drain()
			if cr.startErr == nil && cr.cfg.MaxDepth > 0 {
				cr.discoverSitemaps(runCtx)
			}
		}
	}
	// The pages fetched are reported, even when max_duration is over.
	cr.pipe.drain()
	cr.stats.Queued = len(cr.queue) - cr.head
	switch {
	case ctx.Err() != nil:
		cr.log.Info("crawl cancelled", slog.Int("fetched", cr.stats.Fetched))
		return cr.stats, fmt.Errorf("crawler: crawl %s: %w", cr.cfg.StartURL, ctx.Err())
	case runCtx.Err() != nil:
		cr.log.Info("max_duration reached", slog.Duration("max_duration", cr.cfg.MaxDuration),
			slog.Int("not_fetched", cr.stats.Queued))
	}
	cr.log.Info("crawl done", slog.Int("fetched", cr.stats.Fetched), slog.Int("unchanged", cr.stats.Unchanged),
		slog.Int("gone", cr.stats.Gone), slog.Int("failed", cr.stats.Failed), slog.Int("skipped", cr.stats.Skipped))
	if cr.startErr != nil {
		return cr.stats, wrapError("crawler: start page "+cr.cfg.StartURL, cr.startErr)
	}
	return cr.stats, nil
}

// progress reports the stats so far to Config.Progress. It is called once
// per page, as its outcome is counted.
func (cr *crawl) progress() {
	if cr.cfg.Progress == nil {
		return
	}
	s := cr.stats.clone()
	s.Queued = len(cr.queue) - cr.head
	cr.cfg.Progress(s)
}

// visit fetches one URL and handles what comes back. It returns the item
// to fetch next, before the queue: a redirect target, or the same page
// once more after a Retry-After.
func (cr *crawl) visit(ctx context.Context, it item) (item, bool) {
	if it.start {
		if u, err := url.Parse(it.url); err == nil {
			cr.origin = u.Scheme + "://" + u.Host
		}
	}
	var known *PageState
	if cr.cfg.Known != nil {
		if st, ok := cr.cfg.Known(it.url); ok {
			known = &st
		}
	}
	// A 304 has no body, and an unchanged page can still link to pages
	// that changed or vanished: a page the crawl reads for links is
	// fetched in full and compared by hash. Only a page at max_depth,
	// whose links would not be followed, is asked conditionally.
	var cond *PageState
	if it.depth >= cr.cfg.MaxDepth {
		cond = known
	}
	res, err := get(cr.c, it.url, requestHeader(acceptHTML, cond), false)
	var backedOff *backedOffError
	switch {
	case ctx.Err() != nil:
		// Cancelled or out of time: the caller returns without counting this one.
	case errors.Is(err, colly.ErrRobotsTxtBlocked):
		cr.skip(it, SkipRobots, "disallowed by robots.txt", it.hops > 0)
	case errors.As(err, &backedOff):
		cr.fail(it, backedOff, false)
	case res.status == http.StatusNotModified && known != nil:
		cr.notModified(it, res, *known)
	case res.status >= 300 && res.status < 400 && res.location != "":
		return cr.redirect(it, res)
	case retryable(res.status) && res.retryAfter != "":
		return cr.retry(it, res)
	case known != nil && (res.status == http.StatusNotFound || res.status == http.StatusGone):
		cr.gone(it, res.status)
	case res.status != 0 && (res.status < 200 || res.status >= 300):
		cr.fail(it, &StatusError{Code: res.status}, true)
	case res.status != 0 && res.body == nil && errors.Is(err, colly.ErrAbortedAfterHeaders):
		cr.skip(it, SkipNotHTML, "not HTML: "+res.contentType, true)
	case err != nil:
		cr.fail(it, timeoutError(err, cr.cfg.Timeout), true)
	default:
		cr.page(it, res, known)
	}
	return item{}, false
}

// timeoutError names a timeout as such: colly passes on the client's
// error, which only says so deep inside. Other transport errors (an
// unknown host, a refused connection, a certificate) are said in a
// person's words by netfail, as the feed reader says them.
func timeoutError(err error, timeout time.Duration) error {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return fmt.Errorf("crawler: timeout (%s): %w", timeout, err)
	}
	return netfail.Describe(err, "", timeout, false)
}

// retry asks for a page once more after the wait a 429 or 503 asked for
// (the transport holds the host's next request until then), or fails it
// when the wait is over maxRetryAfter or it was already asked twice.
func (cr *crawl) retry(it item, res *response) (item, bool) {
	wait, ok := parseRetryAfter(res.retryAfter, time.Now())
	serr := &StatusError{Code: res.status}
	switch {
	case !ok:
		cr.fail(it, fmt.Errorf("%w (malformed Retry-After %q)", serr, res.retryAfter), true)
	case wait > maxRetryAfter:
		cr.fail(it, fmt.Errorf("%w: Retry-After %s is over the %s cap", serr, wait, maxRetryAfter), true)
	case it.retried:
		cr.fail(it, fmt.Errorf("%w again after waiting %s (Retry-After)", serr, wait), true)
	default:
		cr.log.Info("retrying after Retry-After", slog.String("url", it.url), slog.Int("status", res.status),
			slog.Duration("wait", wait))
		it.retried = true
		return it, true
	}
	return item{}, false
}

func (cr *crawl) redirect(it item, res *response) (item, bool) {
	base, err := url.Parse(res.url)
	if err != nil {
		cr.fail(it, fmt.Errorf("crawler: redirect from %q: %w", res.url, err), true)
		return item{}, false
	}
	target, err := index.ResolveURL(base, res.location)
	if err != nil {
		cr.fail(it, fmt.Errorf("crawler: redirect: %w", err), true)
		return item{}, false
	}
	if it.hops >= maxRedirects {
		cr.fail(it, fmt.Errorf("crawler: stopped after %d redirects", maxRedirects), true)
		return item{}, false
	}
	tu, err := url.Parse(target)
	if err != nil {
		cr.fail(it, fmt.Errorf("crawler: redirect: %w", err), true)
		return item{}, false
	}
	if it.start && !cr.scope.hostOK(tu) {
		cr.log.Info("start page moved to another host", slog.String("from", cr.scope.host),
			slog.String("to", tu.Host))
		cr.scope.host = tu.Host
	}
	why := cr.scope.check(target)
	if it.start && len(target) <= maxURLLength {
		why = "" // the start page is always fetched, wherever it moves
	}
	if why != "" {
		cr.skip(it, SkipOffSite, "redirected out of scope to "+target+": "+why, true)
		return item{}, false
	}
	// A redirect to itself (a site setting a cookie) is allowed; the hop
	// limit ends a loop.
	if target != it.url && cr.seen[target] {
		cr.skip(it, SkipDuplicate, "redirected to a page already seen: "+target, true)
		return item{}, false
	}
	cr.seen[target] = true
	cr.log.Debug("redirect", slog.String("url", it.url), slog.String("to", target),
		slog.Int("status", res.status))
	return item{url: target, depth: it.depth, hops: it.hops + 1, start: it.start}, true
}

// enqueue queues a canonical link if it is in scope and new.
func (cr *crawl) enqueue(link string, depth int) bool {
	if cr.seen[link] {
		return false
	}
	if why := cr.scope.check(link); why != "" {
		cr.log.Debug("link out of scope", slog.String("url", link), slog.String("reason", why))
		return false
	}
	cr.seen[link] = true
	cr.queue = append(cr.queue, item{url: link, depth: depth})
	return true
}

// skip counts a page not emitted on purpose, by reason (a Skip…
// constant). spent says whether it cost a request (a robots.txt refusal
// does not).
func (cr *crawl) skip(it item, reason, detail string, spent bool) {
	if spent {
		cr.pages++
	}
	cr.stats.skip(reason)
	cr.log.Info("page skipped", slog.String("url", it.url), slog.String("reason", detail))
	if it.start && reason != SkipNoIndex && reason != SkipListing {
		cr.startErr = errors.New(detail)
	}
	cr.progress()
}

func (cr *crawl) fail(it item, err error, spent bool) {
	if spent {
		cr.pages++
	}
	cr.stats.fail(it.url, err)
	cr.log.Warn("page failed", slog.String("url", it.url), slog.Any("error", err))
	if it.start {
		cr.startErr = err
	}
	cr.progress()
}
