package crawler

import (
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2024, 9, 12, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"120", 2 * time.Minute, true},
		{" 0 ", 0, true},
		{"Thu, 12 Sep 2024 10:00:30 GMT", 30 * time.Second, true},
		{"Thu, 12 Sep 2024 09:00:00 GMT", 0, true}, // in the past: no wait
		{"Thursday, 12-Sep-24 10:01:00 GMT", time.Minute, true},
		{"99999999999999999999", 0, false},
		{"9999999999", 24 * time.Hour, true},
		{"-5", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseRetryAfter(tt.in, now)
			if got != tt.want || ok != tt.ok {
				t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestCrawlRetryAfter checks that a 429 or 503 with Retry-After is waited
// for and retried once, within the cap, and that a longer wait fails the
// page and leaves the host alone.
func TestCrawlRetryAfter(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		retryAfter string
		times      int32 // how many times /a answers status before a 200; -1: always
		wantDoc    bool
		wantA      int    // requests for /a
		wantB      int    // requests for /b, asked after /a
		wantErr    string // of /a, in Stats.Errors
		minWait    time.Duration
	}{
		{name: "429 then 200 after the wait", status: 429, retryAfter: "1", times: 1, wantDoc: true,
			wantA: 2, wantB: 1, minWait: 900 * time.Millisecond},
		{name: "503 with a date in the past then 200", status: 503, retryAfter: "Mon, 01 Jan 2024 00:00:00 GMT",
			times: 1, wantDoc: true, wantA: 2, wantB: 1},
		{name: "retried once only", status: 429, retryAfter: "0", times: -1, wantA: 2, wantB: 1,
			wantErr: "HTTP 429 Too Many Requests again after waiting 0s (Retry-After)"},
		{name: "no Retry-After: failed at once", status: 503, times: -1, wantA: 1, wantB: 1,
			wantErr: "HTTP 503 Service Unavailable"},
		{name: "over the cap: failed, and the host left alone", status: 503, retryAfter: "3600", times: -1,
			wantA: 1, wantB: 0, wantErr: "Retry-After 1h0m0s is over the 1m0s cap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int32
			site := newTestSite(t, "", "", map[string]http.HandlerFunc{
				"/": htmlPage(`<title>Home</title><a href="/a">a</a> <a href="/b">b</a>`),
				"/a": func(w http.ResponseWriter, r *http.Request) {
					if tt.times < 0 || n.Add(1) <= tt.times {
						if tt.retryAfter != "" {
							w.Header().Set("Retry-After", tt.retryAfter)
						}
						w.WriteHeader(tt.status)
						return
					}
					htmlPage("<title>A</title>")(w, r)
				},
				"/b": htmlPage("<title>B</title>"),
			})
			cfg := testConfig(site.URL() + "/")
			cfg.MaxDepth = 1
			res := runCrawl(t, t.Context(), cfg)
			if res.err != nil {
				t.Fatalf("Crawl: %v", res.err)
			}
			if _, ok := res.docs[site.URL()+"/a"]; ok != tt.wantDoc {
				t.Errorf("/a emitted %v, want %v\n%s", ok, tt.wantDoc, res.log)
			}
			if got := site.count("/a"); got != int(tt.wantA) {
				t.Errorf("/a requested %d times, want %d", got, tt.wantA)
			}
			if got := site.count("/b"); got != tt.wantB {
				t.Errorf("/b requested %d times, want %d", got, tt.wantB)
			}
			if tt.wantErr != "" && (len(res.stats.Errors) == 0 || !strings.Contains(res.stats.Errors[0], tt.wantErr)) {
				t.Errorf("errors = %q, want %q", res.stats.Errors, tt.wantErr)
			}
			if tt.wantB == 0 && (res.stats.Failed != 2 || !strings.Contains(strings.Join(res.stats.Errors, "\n"),
				site.URL()+"/b: crawler: host asked to be left alone for 1h0m0s")) {
				t.Errorf("stats = %+v, want /b failed without a request", res.stats)
			}
			if tt.minWait > 0 {
				var at []time.Time
				for _, r := range site.requests() {
					if r.path == "/a" {
						at = append(at, r.at)
					}
				}
				if gap := at[1].Sub(at[0]); gap < tt.minWait {
					t.Errorf("retried after %v, want at least %v", gap, tt.minWait)
				}
			}
		})
	}
}

func TestCrawlDelayFromRobots(t *testing.T) {
	const crawlDelay = 50 * time.Millisecond
	site := newTestSite(t, "", "", map[string]http.HandlerFunc{
		"/robots.txt": robotsTxt("User-agent: *\nCrawl-delay: 0.05\n"),
		"/":           htmlPage(`<title>Home</title><a href="/1">1</a><a href="/2">2</a>`),
		"/1":          htmlPage("<p>one"), "/2": htmlPage("<p>two"),
	})
	cfg := testConfig(site.URL() + "/")
	res := runCrawl(t, t.Context(), cfg)
	if res.err != nil || res.stats.Fetched != 3 {
		t.Fatalf("Crawl: %v, %+v", res.err, res.stats)
	}
	reqs := site.requests()
	for i := 1; i < len(reqs); i++ {
		if gap := reqs[i].at.Sub(reqs[i-1].at); gap < crawlDelay {
			t.Errorf("%s came %v after %s, want at least the Crawl-delay %v", reqs[i].path, gap, reqs[i-1].path, crawlDelay)
		}
	}
	if !strings.Contains(res.log, "Crawl-delay applied") {
		t.Errorf("Crawl-delay not logged:\n%s", res.log)
	}
}

func TestReadRobotsCrawlDelay(t *testing.T) {
	tests := []struct {
		name   string
		robots string
		delay  time.Duration // Config.Delay
		want   time.Duration // the host's wait between requests
	}{
		{"for everyone", "User-agent: *\nCrawl-delay: 2\n", 0, 2 * time.Second},
		{"our group wins", "User-agent: *\nCrawl-delay: 9\n\nUser-agent: techintel-test\nCrawl-delay: 1\n", 0, time.Second},
		{"another bot's", "User-agent: otherbot\nCrawl-delay: 10\n", 0, 0},
		{"capped at 30s", "User-agent: *\nCrawl-delay: 3600\n", 0, maxCrawlDelay},
		{"smaller than Delay", "User-agent: *\nCrawl-delay: 1\n", 5 * time.Second, 5 * time.Second},
		{"fractional", "User-agent: *\nCrawl-delay: 0.25\n", 0, 250 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig("http://example.test/")
			cfg.Delay = tt.delay
			tr := newTransport(t.Context(), cfg, slog.New(slog.DiscardHandler))
			tr.readRobots("example.test", lenientRobots([]byte(tt.robots)))
			hs := tr.state("example.test")
			hs.gate <- struct{}{}
			start := time.Now()
			tr.release(hs)
			if got := hs.next.Sub(start); got < tt.want || got > tt.want+time.Second {
				t.Errorf("next request %v after the last one, want %v", got, tt.want)
			}
		})
	}
}

func TestLenientRobots(t *testing.T) {
	in := "# comment\nSitemap: https://example.com/s.xml\nDisallow: /early\nCrawl-delay: 5\n" +
		"User-agent: *\nCrawl-delay: NaN\nCrawl-delay: 2 # seconds\nDisallow: /late\n"
	want := "# comment\nSitemap: https://example.com/s.xml\nUser-agent: *\nCrawl-delay: 2 # seconds\nDisallow: /late\n"
	if got := string(lenientRobots([]byte(in))); got != want {
		t.Errorf("lenientRobots =\n%s\nwant\n%s", got, want)
	}
}
