package crawler

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// traps serve sites that never run out of new URLs.
var traps = map[string]http.HandlerFunc{
	// A calendar whose every month links to the next and the previous.
	"/calendar": func(w http.ResponseWriter, r *http.Request) {
		m, _ := strconv.Atoi(r.URL.Query().Get("month"))
		htmlPage(fmt.Sprintf(`<title>Month %d</title><a href="/calendar?month=%d">next</a> <a href="/calendar?month=%d">prev</a>`,
			m, m+1, m-1))(w, r)
	},
	// A site that puts a fresh session id on every link.
	"/session": func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		b.WriteString("<title>Session page</title>")
		for i := range 5 {
			fmt.Fprintf(&b, `<a href="/session?page=%d&sid=%x">p%d</a> `, i, rand.Uint64(), i)
		}
		htmlPage(b.String())(w, r)
	},
	// Each page links to a longer URL than its own.
	"/grow": func(w http.ResponseWriter, r *http.Request) {
		htmlPage(`<title>Grow</title><a href="/grow?x=`+r.URL.Query().Get("x")+strings.Repeat("a", 300)+
			`">longer</a>`)(w, r)
	},
}

// TestCrawlTraps checks that a site with endless URLs cannot make a run
// fetch more than max_pages or run past max_duration.
func TestCrawlTraps(t *testing.T) {
	tests := []struct {
		name        string
		start       string
		maxPages    int
		maxDuration time.Duration
		delay       time.Duration
		wantPages   int    // requests other than robots.txt and /sitemap.xml; 0: fewer than maxPages
		wantLog     string // why it stopped
	}{
		{name: "calendar", start: "/calendar?month=1", maxPages: 25, wantPages: 25, wantLog: "max_pages reached"},
		{name: "session ids", start: "/session", maxPages: 30, wantPages: 30, wantLog: "max_pages reached"},
		{name: "growing URLs stop at the length cap", start: "/grow", maxPages: 1000,
			wantPages: maxURLLength/300 + 1, wantLog: "longer than 2000 bytes"},
		{name: "max_duration", start: "/calendar?month=1", maxPages: 100_000, maxDuration: 300 * time.Millisecond,
			delay: 20 * time.Millisecond, wantLog: "max_duration reached"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			site := newTestSite(t, "", "", traps)
			cfg := testConfig(site.URL() + tt.start)
			cfg.MaxDepth, cfg.MaxPages, cfg.MaxDuration, cfg.Delay = 1_000_000, tt.maxPages, tt.maxDuration, tt.delay
			res := runCrawl(t, t.Context(), cfg)
			if res.err != nil {
				t.Fatalf("Crawl: %v", res.err)
			}
			got := len(site.pageRequests())
			switch {
			case tt.wantPages > 0 && got != tt.wantPages:
				t.Errorf("%d pages requested, want %d", got, tt.wantPages)
			case tt.wantPages == 0 && (got == 0 || got >= tt.maxPages):
				t.Errorf("%d pages requested, want some, fewer than %d", got, tt.maxPages)
			}
			if res.stats.Fetched+res.stats.Failed+res.stats.Skipped > tt.maxPages {
				t.Errorf("stats %+v over max_pages %d", res.stats, tt.maxPages)
			}
			if !strings.Contains(res.log, tt.wantLog) {
				t.Errorf("log lacks %q:\n%s", tt.wantLog, res.log[max(0, len(res.log)-2000):])
			}
		})
	}
}

func TestCrawlHugePage(t *testing.T) {
	site := newTestSite(t, "", "", map[string]http.HandlerFunc{
		"/": htmlPage(`<title>Home</title><a href="/huge">huge</a> <a href="/ok">ok</a>`),
		"/huge": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			chunk := []byte(strings.Repeat("<p>filler text</p>\n", 3450)) // ~64 KiB
			for sent := 0; sent < 50<<20; sent += len(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return // the crawler hung up, as it should
				}
			}
		},
		"/ok": htmlPage("<title>OK</title>"),
	})
	cfg := testConfig(site.URL() + "/")
	cfg.MaxBodyBytes = DefaultConfig().MaxBodyBytes // 10 MiB
	res := runCrawl(t, t.Context(), cfg)
	if res.err != nil || res.stats.Fetched != 2 || res.stats.Failed != 1 {
		t.Fatalf("Crawl: %v, %+v; want / and /ok fetched, /huge failed", res.err, res.stats)
	}
	if want := "/huge: crawler: body exceeds max_body_bytes (10485760 bytes)"; !strings.HasSuffix(res.stats.Errors[0], want) {
		t.Errorf("error %q, want it to end in %q", res.stats.Errors[0], want)
	}
}

func TestCrawlProgress(t *testing.T) {
	site := newTestSite(t, "testdata/site", "http://offsite.invalid", nil)
	cfg := testConfig(site.URL() + "/")
	var calls []Stats
	cfg.Progress = func(s Stats) { calls = append(calls, s) }
	res := runCrawl(t, t.Context(), cfg)
	if res.err != nil {
		t.Fatal(res.err)
	}
	// 5 documents, the PDF, the PNG and the robots.txt-disallowed page.
	if len(calls) != 8 {
		t.Fatalf("Progress called %d times, want 8 (once per page)", len(calls))
	}
	for i, s := range calls {
		if done := s.Fetched + s.Failed + s.Skipped + s.Unchanged + s.Gone; done != i+1 {
			t.Errorf("call %d: %d pages done, want %d", i, done, i+1)
		}
	}
	if calls[0].Queued != 6 {
		t.Errorf("after the start page %d queued, want its 6 links on the site", calls[0].Queued)
	}
	last := calls[len(calls)-1]
	if last.Queued != 0 || last.Fetched != res.stats.Fetched || last.Skipped != res.stats.Skipped {
		t.Errorf("last progress %+v, final stats %+v", last, res.stats)
	}
	want := map[string]int{SkipRobots: 1, SkipNotHTML: 2}
	if len(res.stats.SkippedBy) != len(want) || res.stats.SkippedBy[SkipRobots] != 1 || res.stats.SkippedBy[SkipNotHTML] != 2 {
		t.Errorf("SkippedBy = %v, want %v", res.stats.SkippedBy, want)
	}
	last.SkippedBy["mutated"] = 1 // each call gets its own copy
	if res.stats.SkippedBy["mutated"] != 0 {
		t.Error("Progress stats share the crawl's map")
	}
}
