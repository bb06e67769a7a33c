package crawler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gocolly/colly/v2"

	"github.com/techintel/techintel/index"
)

// ArticleFetcher fetches single pages, such as the articles feed items
// link to, through the same machinery as Crawl: robots.txt, one request
// at a time per host with Delay (or Crawl-delay) between them, Retry-After,
// the body cap, Config.Transport, and Extract. It keeps its robots.txt
// cache, cookies and per-host timing from one call to the next, so use one
// for a whole run. It is safe for concurrent use: requests to one host
// still go one at a time, requests to different hosts in parallel.
//
// Config.StartURL, MaxDepth, MaxPages, MaxDuration, AllowedDomains,
// Include, Exclude, Known and Progress are not used: a page may redirect
// to any host.
type ArticleFetcher struct {
	cfg    Config
	err    error // the config's, returned by every Fetch
	ctx    context.Context
	cancel context.CancelFunc
	c      *colly.Collector // cloned for each Fetch, sharing its robots.txt cache

	mu    sync.Mutex
	hosts map[string]chan struct{} // one request (robots.txt check included) per host at a time
}

// NewArticleFetcher returns a fetcher; Close it when done. An invalid cfg
// makes every Fetch fail with the validation error.
func NewArticleFetcher(cfg Config) *ArticleFetcher {
	a := &ArticleFetcher{cfg: cfg, hosts: make(map[string]chan struct{})}
	a.ctx, a.cancel = context.WithCancel(context.Background())
	if a.err = cfg.validateFetch(); a.err != nil {
		return a
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// colly's robots.txt requests carry no context: the transport ties
	// them to the fetcher's, so Close ends them; a Fetch's ctx bounds
	// its page requests and its waits for them.
	a.c, a.err = newCollector(a.ctx, cfg, newTransport(a.ctx, cfg, log))
	return a
}

// Close stops requests in flight and makes later Fetch calls fail. It
// does not close cfg.Transport, which is the caller's.
func (a *ArticleFetcher) Close() { a.cancel() }

// Fetch fetches pageURL, following up to 10 redirects (each checked
// against robots.txt), and returns Extract's Page with URL set to the
// final canonical URL. It fails with an error wrapping ErrDisallowed,
// ErrNotHTML, a *StatusError, or ctx's error.
func (a *ArticleFetcher) Fetch(ctx context.Context, pageURL string) (Page, error) {
	if a.err != nil {
		return Page{}, a.err
	}
	if a.ctx.Err() != nil {
		return Page{}, errors.New("crawler: article fetcher closed")
	}
	u, err := index.CanonicalURL(pageURL)
	if err != nil {
		return Page{}, fmt.Errorf("crawler: fetch: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(a.ctx, cancel)()
	c := a.c.Clone()
	c.Context = ctx
	addCallbacks(c)
	retried := false
	for hops := 0; ; {
		res, err := a.get(ctx, c, u)
		var backedOff *backedOffError
		switch {
		case ctx.Err() != nil:
			return Page{}, wrapError("crawler: fetch "+u, ctx.Err())
		case errors.Is(err, colly.ErrRobotsTxtBlocked):
			return Page{}, wrapError("crawler: fetch "+u, ErrDisallowed)
		case errors.As(err, &backedOff):
			return Page{}, wrapError("crawler: fetch "+u, backedOff)
		case res.status >= 300 && res.status < 400 && res.location != "":
			if hops++; hops > maxRedirects {
				return Page{}, fmt.Errorf("crawler: fetch %s: stopped after %d redirects", pageURL, maxRedirects)
			}
			base, _ := url.Parse(res.url)
			if u, err = index.ResolveURL(base, res.location); err != nil {
				return Page{}, fmt.Errorf("crawler: fetch %s: redirect: %w", pageURL, err)
			}
			continue
		case retryable(res.status) && res.retryAfter != "":
			wait, ok := parseRetryAfter(res.retryAfter, time.Now())
			if ok && wait <= maxRetryAfter && !retried {
				retried = true
				continue // the transport holds the request until then
			}
			return Page{}, fmt.Errorf("crawler: fetch %s: HTTP %d with Retry-After %q (cap %s, retried %t): %w",
				u, res.status, res.retryAfter, maxRetryAfter, retried, &StatusError{Code: res.status})
		case res.status != 0 && (res.status < 200 || res.status >= 300):
			return Page{}, wrapError("crawler: fetch "+u, &StatusError{Code: res.status})
		case res.status != 0 && res.body == nil && errors.Is(err, colly.ErrAbortedAfterHeaders):
			return Page{}, wrapError("crawler: fetch "+u, fmt.Errorf("%w: %s", ErrNotHTML, res.contentType))
		case err != nil:
			return Page{}, wrapError("crawler: fetch "+u, timeoutError(err, a.cfg.Timeout))
		}
		ct := res.contentType
		if ct == "" {
			if ct = http.DetectContentType(res.body); !isHTML(ct) {
				return Page{}, wrapError("crawler: fetch "+u, fmt.Errorf("%w: sniffed %s", ErrNotHTML, ct))
			}
		}
		final, err := url.Parse(res.url)
		if err != nil {
			return Page{}, fmt.Errorf("crawler: fetch %s: final url: %w", u, err)
		}
		return Extract(res.body, decodedContentType(ct), final), nil
	}
}

// get makes one request, alone for its host: the transport would
// serialise the requests anyway, but colly checks its robots.txt cache
// before them, and concurrent first requests to a host would each fetch
// robots.txt.
func (a *ArticleFetcher) get(ctx context.Context, c *colly.Collector, rawURL string) (*response, error) {
	host := ""
	if u, err := url.Parse(rawURL); err == nil {
		host = u.Host
	}
	a.mu.Lock()
	gate := a.hosts[host]
	if gate == nil {
		gate = make(chan struct{}, 1)
		a.hosts[host] = gate
	}
	a.mu.Unlock()
	select {
	case gate <- struct{}{}:
	case <-ctx.Done():
		return &response{}, ctx.Err()
	}
	defer func() { <-gate }()
	return get(c, rawURL, requestHeader(acceptHTML, nil), false)
}

// wrapError prefixes err with msg, without repeating the "crawler: " that
// err's own message starts with, and keeps it for errors.Is and As.
func wrapError(msg string, err error) error { return &prefixedError{msg, err} }

type prefixedError struct {
	msg string
	err error
}

func (e *prefixedError) Error() string {
	return e.msg + ": " + strings.TrimPrefix(e.err.Error(), "crawler: ")
}

func (e *prefixedError) Unwrap() error { return e.err }
