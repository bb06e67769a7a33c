package crawler

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// sitemapSite is a site whose pages are mostly reachable through its
// sitemaps only: robots.txt lists an index, which nests another index and
// a gzip sitemap; /sitemap.xml lists one more page.
func sitemapSite(t *testing.T) *testSite {
	t.Helper()
	var site *testSite
	o := func(p string) string { return site.URL() + p }
	page := func(title string) http.HandlerFunc {
		return htmlPage("<title>" + title + `</title><p>` + title + ` text.</p><a href="/deeper">deeper</a>`)
	}
	site = newTestSite(t, "", "", map[string]http.HandlerFunc{
		"/robots.txt": func(w http.ResponseWriter, r *http.Request) {
			robotsTxt("User-agent: *\nDisallow: /private/\n\nSitemap: "+o("/sitemaps/index.xml")+
				"\nSitemap: http://offsite.invalid/sitemap.xml\n")(w, r)
		},
		"/":       htmlPage(`<title>Home</title><a href="/linked">linked</a>`),
		"/linked": page("Linked"),
		"/sitemaps/index.xml": func(w http.ResponseWriter, r *http.Request) {
			serveBytes("application/xml", func() []byte {
				return sitemapIndex(o("/sitemaps/nested.xml"), o("/sitemaps/news.xml.gz"),
					"http://offsite.invalid/other.xml", o("/sitemaps/index.xml"))
			})(w, r)
		},
		"/sitemaps/nested.xml": func(w http.ResponseWriter, r *http.Request) {
			serveBytes("text/xml; charset=utf-8", func() []byte { return sitemapIndex(o("/sitemaps/pages.xml")) })(w, r)
		},
		"/sitemaps/pages.xml": func(w http.ResponseWriter, r *http.Request) {
			serveBytes("application/xml", func() []byte {
				return urlset(o("/only-in-sitemap"), o("/linked?utm_source=sitemap"), o("/private/secret"),
					"http://offsite.invalid/page", o("/"))
			})(w, r)
		},
		"/sitemaps/news.xml.gz": func(w http.ResponseWriter, r *http.Request) {
			serveBytes("application/x-gzip", func() []byte { return gzipBytes(t, urlset(o("/from-gzip"))) })(w, r)
		},
		"/sitemap.xml": func(w http.ResponseWriter, r *http.Request) {
			serveBytes("application/xml", func() []byte { return urlset(o("/from-default-sitemap")) })(w, r)
		},
		"/only-in-sitemap":      page("Only in sitemap"),
		"/from-gzip":            page("From gzip"),
		"/from-default-sitemap": page("From default sitemap"),
		"/deeper":               page("Deeper"),
		"/private/secret":       page("Secret"),
	})
	return site
}

func TestCrawlSitemaps(t *testing.T) {
	sitemaps := []string{"/sitemap.xml", "/sitemaps/index.xml", "/sitemaps/nested.xml", "/sitemaps/news.xml.gz",
		"/sitemaps/pages.xml"}
	tests := []struct {
		name         string
		maxDepth     int
		maxPages     int
		wantDocs     []string
		wantSitemaps []string // requested, once each
	}{
		{"sitemap pages are depth 1, their links depth 2", 2, 100,
			[]string{"/", "/deeper", "/from-default-sitemap", "/from-gzip", "/linked", "/only-in-sitemap"}, sitemaps},
		{"depth 1 stops at the sitemap pages", 1, 100,
			[]string{"/", "/from-default-sitemap", "/from-gzip", "/linked", "/only-in-sitemap"}, sitemaps},
		{"depth 0 reads no sitemap", 0, 100, []string{"/"}, nil},
		// Sitemaps are read breadth first: robots.txt's index, then
		// /sitemap.xml, then what the index lists.
		{"sitemap files do not count toward max_pages", 2, 3,
			[]string{"/", "/from-default-sitemap", "/linked"}, sitemaps},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			site := sitemapSite(t)
			cfg := testConfig(site.URL() + "/")
			cfg.MaxDepth, cfg.MaxPages = tt.maxDepth, tt.maxPages
			res := runCrawl(t, t.Context(), cfg)
			if res.err != nil {
				t.Fatalf("Crawl: %v\n%s", res.err, res.log)
			}
			if got := res.paths(site.URL()); !slices.Equal(got, tt.wantDocs) {
				t.Errorf("documents = %q, want %q\n%s", got, tt.wantDocs, res.log)
			}
			var gotSitemaps []string
			for _, p := range site.requests() {
				if strings.HasPrefix(p.path, "/sitemap") {
					gotSitemaps = append(gotSitemaps, p.path)
				}
			}
			slices.Sort(gotSitemaps)
			if !slices.Equal(gotSitemaps, tt.wantSitemaps) {
				t.Errorf("sitemaps requested = %q, want %q", gotSitemaps, tt.wantSitemaps)
			}
			if n := site.count("/private/secret"); n != 0 {
				t.Errorf("robots.txt-disallowed sitemap entry requested %d times", n)
			}
			for _, p := range tt.wantDocs {
				if n := site.count(p); n != 1 {
					t.Errorf("%s requested %d times, want once (linked, and in a sitemap for some)", p, n)
				}
			}
			if strings.Contains(res.log, "offsite.invalid") && !strings.Contains(res.log, "out of scope") {
				t.Errorf("off-site sitemap not reported as out of scope:\n%s", res.log)
			}
		})
	}
}

func TestCrawlSitemapFailures(t *testing.T) {
	tests := []struct {
		name    string
		sitemap http.HandlerFunc
		wantLog string
	}{
		{"gzip bomb", serveBytes("application/gzip", func() []byte { return gzipped(t, 4<<20) }),
			"decompressed body exceeds max_body_bytes"},
		{"HTML page instead", htmlPage("<title>Not found</title>"), "got an HTML page"},
		{"server error", status(http.StatusInternalServerError), "HTTP 500"},
		{"redirect off site", redirectTo(http.StatusFound, "http://offsite.invalid/sitemap.xml"),
			"redirected out of scope"},
		{"malformed", serveBytes("application/xml", func() []byte { return []byte("<urlset><url><loc>") }),
			"XML syntax error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			site := newTestSite(t, "", "", map[string]http.HandlerFunc{
				"/":            htmlPage(`<title>Home</title><a href="/a">a</a>`),
				"/a":           htmlPage("<title>A</title>"),
				"/sitemap.xml": tt.sitemap,
			})
			cfg := testConfig(site.URL() + "/")
			cfg.MaxBodyBytes = 1 << 20
			res := runCrawl(t, t.Context(), cfg)
			if res.err != nil || res.stats.Fetched != 2 || res.stats.Failed != 0 {
				t.Errorf("Crawl: %v, %+v; want 2 pages fetched, the sitemap failure not counted", res.err, res.stats)
			}
			if !strings.Contains(res.log, tt.wantLog) {
				t.Errorf("log lacks %q:\n%s", tt.wantLog, res.log)
			}
		})
	}
}
