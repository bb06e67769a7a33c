package crawler

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gocolly/colly/v2"
	"golang.org/x/net/html"
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

// BenchmarkCrawl crawls the generated site with no politeness delay, and
// in every iteration, in the same process and on the same site, first
// with a bare colly collector (bareColly) given the same parallelism: one
// request at a time to the host, pages processed on other goroutines. It
// reports:
//
//   - pages/s: our pages per second, each of the 5,000 pages fetched once,
//     extracted (readability included), canonicalised, sitemaps read;
//   - colly-pages/s: bare colly's unique pages per second, and
//     colly-fetches/s its responses per second (its visited set keeps the
//     ?utm_source= links apart, so it fetches most pages twice);
//   - ratio: pages/s over colly-pages/s, the figure to judge by, and
//     ratio-fetches: pages/s over colly-fetches/s;
//   - recrawl-pages/s: a second crawl told what the first saw (Known):
//     pages come back byte for byte the same and are not extracted again;
//   - peak-heap-MiB and colly-peak-heap-MiB: the largest HeapInuse
//     sampled while each crawled.
//
// Rates are summed over the iterations (-benchtime=3x runs three rounds
// of each, interleaved). The site has 5,000 pages: skipped under -short.
func BenchmarkCrawl(b *testing.B) {
	if testing.Short() {
		b.Skip("crawls 5,000 pages")
	}
	srv := benchSite(b)
	cfg := testConfig(srv.URL + "/p/0")
	cfg.MaxDepth, cfg.MaxPages = 20, 2*benchPages
	heap := newHeapSampler(b)
	b.ReportAllocs()
	var ours, again, colly time.Duration
	var pages, recrawled, collyPages, collyFetches int
	var peak, collyPeak uint64
	for b.Loop() {
		runtime.GC()
		heap.reset()
		start := time.Now()
		unique, fetches := bareColly(b, srv.URL)
		colly += time.Since(start)
		collyPeak = max(collyPeak, heap.peak())
		collyPages += unique
		collyFetches += fetches

		runtime.GC()
		heap.reset()
		known := make(map[string]PageState, benchPages)
		start = time.Now()
		stats, err := Crawl(b.Context(), cfg, func(r Result) { known[r.URL] = r.State })
		ours += time.Since(start)
		peak = max(peak, heap.peak())
		if err != nil || stats.Fetched != benchPages {
			b.Fatalf("Crawl: %v, %+v", err, stats)
		}
		pages += stats.Fetched

		recfg := cfg
		recfg.Known = func(u string) (PageState, bool) { st, ok := known[u]; return st, ok }
		start = time.Now()
		stats, err = Crawl(b.Context(), recfg, nil)
		again += time.Since(start)
		if err != nil || stats.Unchanged != benchPages {
			b.Fatalf("recrawl: %v, %+v", err, stats)
		}
		recrawled += stats.Unchanged
	}
	rate := float64(pages) / ours.Seconds()
	collyRate := float64(collyPages) / colly.Seconds()
	collyFetchRate := float64(collyFetches) / colly.Seconds()
	b.ReportMetric(rate, "pages/s")
	b.ReportMetric(collyRate, "colly-pages/s")
	b.ReportMetric(collyFetchRate, "colly-fetches/s")
	b.ReportMetric(rate/collyRate, "ratio")
	b.ReportMetric(rate/collyFetchRate, "ratio-fetches")
	b.ReportMetric(float64(recrawled)/again.Seconds(), "recrawl-pages/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(collyPeak)/(1<<20), "colly-peak-heap-MiB")
}

// BenchmarkBareColly runs bareColly alone, for its allocations.
func BenchmarkBareColly(b *testing.B) {
	if testing.Short() {
		b.Skip("crawls 5,000 pages")
	}
	srv := benchSite(b)
	heap := newHeapSampler(b)
	b.ReportAllocs()
	pages, fetches := 0, 0
	for b.Loop() {
		u, f := bareColly(b, srv.URL)
		pages += u
		fetches += f
	}
	b.ReportMetric(float64(pages)/b.Elapsed().Seconds(), "pages/s")
	b.ReportMetric(float64(fetches)/b.Elapsed().Seconds(), "fetches/s")
	b.ReportMetric(float64(heap.peak())/(1<<20), "peak-heap-MiB")
}

// BenchmarkExtract extracts one page of the bench site, beside parsing it
// alone (html.Parse: the least any extraction costs).
func BenchmarkExtract(b *testing.B) {
	srv := benchSite(b)
	resp, err := http.Get(srv.URL + "/p/7")
	if err != nil {
		b.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		b.Fatal(err)
	}
	u, _ := url.Parse(srv.URL + "/p/7")
	b.Run("extract", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if p := Extract(body, "text/html; charset=utf-8", u); !p.Article {
				b.Fatalf("not an article: %+v", p)
			}
		}
	})
	b.Run("html.Parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := html.Parse(bytes.NewReader(body)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// bareColly crawls the bench site with colly alone: robots.txt on, same
// host only, links followed from OnHTML, nothing extracted. Like our
// crawl, it has one request at a time to the host (a LimitRule of
// Parallelism 1) and handles pages on other goroutines (Async). It
// returns the unique pages (by path) and the responses it got.
func bareColly(b *testing.B, origin string) (unique, fetches int) {
	c := colly.NewCollector(colly.Async(true))
	c.IgnoreRobotsTxt = false
	c.AllowedDomains = []string{"127.0.0.1"}
	if err := c.Limit(&colly.LimitRule{DomainGlob: "*", Parallelism: 1}); err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	seen := make(map[string]bool, benchPages)
	c.OnResponse(func(r *colly.Response) {
		mu.Lock()
		defer mu.Unlock()
		fetches++
		seen[r.Request.URL.Path] = true
	})
	c.OnHTML("a[href]", func(e *colly.HTMLElement) {
		e.Request.Visit(e.Attr("href"))
	})
	if err := c.Visit(origin + "/p/0"); err != nil {
		b.Fatal(err)
	}
	c.Wait()
	if len(seen) < benchPages {
		b.Fatalf("colly fetched %d pages, want %d", len(seen), benchPages)
	}
	return len(seen), fetches
}

// heapSampler samples runtime.MemStats.HeapInuse every 10ms until the
// benchmark ends, keeping the largest value seen since the last reset.
type heapSampler struct {
	max  atomic.Uint64
	stop func()
}

func newHeapSampler(b *testing.B) *heapSampler {
	h := &heapSampler{}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			for {
				old := h.max.Load()
				if ms.HeapInuse <= old || h.max.CompareAndSwap(old, ms.HeapInuse) {
					break
				}
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	var once sync.Once
	h.stop = func() { once.Do(func() { close(done); wg.Wait() }) }
	b.Cleanup(h.stop)
	return h
}

// reset forgets the peak so far.
func (h *heapSampler) reset() { h.max.Store(0) }

// peak is the largest HeapInuse sampled since the last reset, this moment
// included.
func (h *heapSampler) peak() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return max(h.max.Load(), ms.HeapInuse)
}
