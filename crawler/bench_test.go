package crawler

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gocolly/colly/v2"
)

const benchPages = 5000

// benchSite serves benchPages generated pages, /p/0 to /p/4999, each about
// 3 KiB with nav and footer boilerplate, linking to its two children in a
// binary tree (so all are reachable within depth 12) plus the home page
// and a tracked, fragmented link back to its parent.
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

// BenchmarkCrawl crawls the generated site with no politeness delay and
// reports pages/s, with bare colly's pages/s on the same site (measured
// once, before the timed loop) and the ratio: what our extraction
// (readability included), canonicalisation, sitemaps and transport cost
// over colly alone. peak-heap-MiB is the largest HeapInuse seen while
// crawling. The site has 5,000 pages: skipped under -short.
func BenchmarkCrawl(b *testing.B) {
	if testing.Short() {
		b.Skip("crawls 5,000 pages")
	}
	srv := benchSite(b)
	start := time.Now()
	collyRate := float64(bareColly(b, srv.URL)) / time.Since(start).Seconds()
	cfg := testConfig(srv.URL + "/p/0")
	cfg.MaxDepth, cfg.MaxPages = 20, 2*benchPages
	peak := sampleHeap(b)
	b.ReportAllocs()
	pages := 0
	for b.Loop() {
		stats, err := Crawl(b.Context(), cfg, func(Result) {})
		if err != nil || stats.Fetched != benchPages {
			b.Fatalf("Crawl: %v, %+v", err, stats)
		}
		pages += stats.Fetched
	}
	rate := float64(pages) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "pages/s")
	b.ReportMetric(collyRate, "colly-pages/s")
	b.ReportMetric(rate/collyRate, "ratio")
	b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MiB")
}

// BenchmarkBareColly visits the same site with a bare colly collector
// (robots.txt on, same host only, links followed from OnHTML), extracting
// nothing. colly's visited set keeps the ?utm_source= links apart: it
// fetches each page twice but the home page, and pages/s counts them all.
func BenchmarkBareColly(b *testing.B) {
	if testing.Short() {
		b.Skip("crawls 5,000 pages")
	}
	srv := benchSite(b)
	peak := sampleHeap(b)
	b.ReportAllocs()
	pages := 0
	for b.Loop() {
		pages += bareColly(b, srv.URL)
	}
	b.ReportMetric(float64(pages)/b.Elapsed().Seconds(), "pages/s")
	b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MiB")
}

// bareColly crawls the bench site with colly alone and returns the pages
// it fetched.
func bareColly(b *testing.B, origin string) int {
	c := colly.NewCollector()
	c.IgnoreRobotsTxt = false
	c.AllowedDomains = []string{"127.0.0.1"}
	n := 0
	c.OnResponse(func(*colly.Response) { n++ })
	c.OnHTML("a[href]", func(e *colly.HTMLElement) {
		e.Request.Visit(e.Attr("href"))
	})
	if err := c.Visit(origin + "/p/0"); err != nil {
		b.Fatal(err)
	}
	c.Wait()
	if n < benchPages {
		b.Fatalf("colly fetched %d pages, want at least %d", n, benchPages)
	}
	return n
}

// sampleHeap samples runtime.MemStats.HeapInuse every 10ms until the
// benchmark ends; the function it returns gives the largest value seen.
func sampleHeap(b *testing.B) func() uint64 {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	var once sync.Once
	stop := func() { once.Do(func() { close(done); wg.Wait() }) }
	b.Cleanup(stop)
	return func() uint64 { stop(); return peak.Load() }
}
