package crawler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/gocolly/colly/v2"

	"github.com/techintel/techintel/index"
)

const (
	// maxSitemaps bounds the sitemap files read in one run, nested ones
	// included: an index may list thousands, and they are not pages, so
	// max_pages does not bound them.
	maxSitemaps = 50
	// maxSitemapNesting is how deep sitemap indexes are followed. The
	// protocol allows one level (an index of sitemaps); sites do nest
	// deeper, and a loop of indexes must end.
	maxSitemapNesting = 3
	// maxSitemapRedirects bounds a sitemap's redirect chain.
	maxSitemapRedirects = 5
)

// discoverSitemaps reads the site's sitemaps (those its robots.txt lists
// and /sitemap.xml) and queues the pages they list at depth 1, so that
// pages no link reaches are found too. It runs once, right after the
// start page, so that the host is the one the start page settled on.
// Sitemaps and pages out of scope are ignored; no more pages are taken
// from sitemaps than max_pages, since no more could be fetched.
func (cr *crawl) discoverSitemaps(ctx context.Context) {
	type sitemapRef struct {
		url   string
		level int
	}
	var todo []sitemapRef
	seen := make(map[string]bool)
	add := func(raw string, level int, from string) {
		u, err := index.CanonicalURL(raw)
		if err != nil {
			cr.log.Info("sitemap URL ignored", slog.String("url", raw), slog.String("from", from),
				slog.Any("error", err))
			return
		}
		pu, _ := url.Parse(u)
		switch {
		case seen[u]:
		case level > maxSitemapNesting:
			cr.log.Info("sitemap nested too deep, ignored", slog.String("url", u),
				slog.Int("max_nesting", maxSitemapNesting))
		case pu == nil || !cr.scope.hostOK(pu) || len(u) > maxURLLength:
			cr.log.Info("sitemap out of scope, ignored", slog.String("url", u), slog.String("from", from))
		default:
			seen[u] = true
			todo = append(todo, sitemapRef{u, level})
		}
	}
	for _, s := range cr.tr.robotsSitemaps(cr.scope.host) {
		add(s, 0, "robots.txt")
	}
	add(cr.origin+"/sitemap.xml", 0, "default location")

	taken, files := 0, 0
	for len(todo) > 0 && ctx.Err() == nil && taken < cr.cfg.MaxPages {
		if files >= maxSitemaps {
			cr.log.Info("max sitemaps reached", slog.Int("max_sitemaps", maxSitemaps),
				slog.Int("not_read", len(todo)))
			break
		}
		ref := todo[0]
		todo = todo[1:]
		files++
		sm, err := cr.readSitemap(ref.url)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			cr.log.Info("sitemap not read", slog.String("url", ref.url), slog.Any("error", err))
			if len(sm.Pages)+len(sm.Sitemaps) == 0 {
				continue
			}
		}
		if sm.Truncated {
			cr.log.Info("sitemap truncated", slog.String("url", ref.url), slog.Int("max_entries", maxSitemapEntries))
		}
		for _, s := range sm.Sitemaps {
			add(s, ref.level+1, ref.url)
		}
		n := 0
		for _, p := range sm.Pages {
			if taken >= cr.cfg.MaxPages {
				break
			}
			if cr.enqueue(p, 1) {
				taken++
				n++
			}
		}
		cr.log.Debug("sitemap read", slog.String("url", ref.url), slog.Int("pages", len(sm.Pages)),
			slog.Int("queued", n), slog.Int("sitemaps", len(sm.Sitemaps)))
	}
}

// readSitemap fetches and parses one sitemap, following its redirects
// within scope.
func (cr *crawl) readSitemap(raw string) (sitemap, error) {
	for hops := 0; ; hops++ {
		res, err := get(cr.c, raw, requestHeader(acceptSitemap, nil), true)
		switch {
		case errors.Is(err, colly.ErrRobotsTxtBlocked):
			return sitemap{}, ErrDisallowed
		case res.status >= 300 && res.status < 400 && res.location != "":
			if hops >= maxSitemapRedirects {
				return sitemap{}, fmt.Errorf("crawler: sitemap: more than %d redirects", maxSitemapRedirects)
			}
			base, _ := url.Parse(res.url)
			target, err := index.ResolveURL(base, res.location)
			if err != nil {
				return sitemap{}, fmt.Errorf("crawler: sitemap redirect: %w", err)
			}
			tu, _ := url.Parse(target)
			if tu == nil || !cr.scope.hostOK(tu) {
				return sitemap{}, fmt.Errorf("crawler: sitemap redirected out of scope to %s", target)
			}
			raw = target
			continue
		case res.status != 0 && (res.status < 200 || res.status >= 300):
			return sitemap{}, &StatusError{Code: res.status}
		case err != nil:
			return sitemap{}, timeoutError(err, cr.cfg.Timeout)
		}
		if isHTML(res.contentType) {
			return sitemap{}, errors.New("crawler: sitemap: got an HTML page")
		}
		isUTF8 := strings.Contains(strings.ToLower(res.contentType), "charset")
		return parseSitemap(res.body, isUTF8, cr.cfg.MaxBodyBytes)
	}
}
