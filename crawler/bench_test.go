package crawler

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/gocolly/colly/v2"

	"github.com/techintel/techintel/index"
)

const benchPages = 500

// benchSite serves benchPages generated pages, /p/0 to /p/499, each about
// 3 KiB with nav and footer boilerplate, linking to its two children in a
// binary tree (so all are reachable within depth 9) plus the home page and
// a tracked, fragmented link back to its parent.
func benchSite(tb testing.TB) *httptest.Server {
	tb.Helper()
	para := strings.Repeat("Operators are trialling Open RAN radios and 5G standalone cores. ", 8)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /robots.txt", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("User-agent: *\nDisallow: /private/\n"))
	})
	mux.HandleFunc("GET /p/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.PathValue("n"))
		if err != nil || n < 0 || n >= benchPages {
			http.NotFound(w, r)
			return
		}
		var b strings.Builder
		fmt.Fprintf(&b, `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Page %d</title>`+
			`<meta property="article:published_time" content="2024-01-02T03:04:05Z"></head><body>`+
			`<nav><a href="/p/0">Home</a> <a href="/private/x">Staff</a></nav><main><h1>Page %d</h1>`, n, n)
		for range 5 {
			fmt.Fprintf(&b, "<p>%s</p>\n", para)
		}
		for _, c := range []int{2*n + 1, 2*n + 2} {
			if c < benchPages {
				fmt.Fprintf(&b, `<a href="/p/%d">child %d</a> `, c, c)
			}
		}
		fmt.Fprintf(&b, `<a href="/p/%d?utm_source=bench#top">parent</a></main><footer>© Bench</footer></body></html>`,
			max(0, (n-1)/2))
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(b.String()))
	})
	srv := httptest.NewServer(mux)
	tb.Cleanup(srv.Close)
	return srv
}

// BenchmarkCrawl crawls the generated site with no politeness delay;
// compare pages/s with BenchmarkBareColly to see what our extraction,
// canonicalisation and transport cost over colly alone.
func BenchmarkCrawl(b *testing.B) {
	srv := benchSite(b)
	cfg := testConfig(srv.URL + "/p/0")
	cfg.MaxDepth, cfg.MaxPages = 20, 2*benchPages
	pages := 0
	for b.Loop() {
		stats, err := Crawl(b.Context(), cfg, func(index.Document) {})
		if err != nil || stats.Fetched != benchPages {
			b.Fatalf("Crawl: %v, %+v", err, stats)
		}
		pages += stats.Fetched
	}
	b.ReportMetric(float64(pages)/b.Elapsed().Seconds(), "pages/s")
}

// BenchmarkBareColly visits the same site with a bare colly collector
// (robots.txt on, same host only, links followed from OnHTML), extracting
// nothing.
func BenchmarkBareColly(b *testing.B) {
	srv := benchSite(b)
	pages := 0
	for b.Loop() {
		c := colly.NewCollector()
		c.IgnoreRobotsTxt = false
		c.AllowedDomains = []string{"127.0.0.1"}
		n := 0
		c.OnResponse(func(*colly.Response) { n++ })
		c.OnHTML("a[href]", func(e *colly.HTMLElement) {
			e.Request.Visit(e.Attr("href"))
		})
		if err := c.Visit(srv.URL + "/p/0"); err != nil {
			b.Fatal(err)
		}
		c.Wait()
		// colly's visited set keeps the ?utm_source= links apart: it
		// fetches each page twice but the home page.
		if n < benchPages {
			b.Fatalf("colly fetched %d pages, want at least %d", n, benchPages)
		}
		pages += n
	}
	b.ReportMetric(float64(pages)/b.Elapsed().Seconds(), "pages/s")
}
