package crawler

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func robotsTxt(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte(body))
	}
}

// TestCrawlRobots checks robots.txt handling against RFC 9309.
func TestCrawlRobots(t *testing.T) {
	padding := strings.Repeat("# a comment to make robots.txt long\n", 300) // ~10 KiB
	tests := []struct {
		name      string
		robots    map[string]http.HandlerFunc // /robots.txt and what it redirects to
		maxBody   int64
		timeout   time.Duration
		wantPages []string // requested, sorted
		wantErr   string   // from Crawl: the start page gave nothing
	}{
		{name: "rules for everyone", robots: map[string]http.HandlerFunc{
			"/robots.txt": robotsTxt("User-agent: *\nDisallow: /a\n")},
			wantPages: []string{"/", "/b"}},
		{name: "our own group wins over *", robots: map[string]http.HandlerFunc{
			"/robots.txt": robotsTxt("User-agent: *\nDisallow: /b\n\nUser-agent: techintel\nDisallow: /a\n")},
			wantPages: []string{"/", "/b"}},
		{name: "another bot's group does not apply", robots: map[string]http.HandlerFunc{
			"/robots.txt": robotsTxt("User-agent: otherbot\nDisallow: /\n")},
			wantPages: []string{"/", "/a", "/b"}},
		{name: "disallowed start page", robots: map[string]http.HandlerFunc{
			"/robots.txt": robotsTxt("User-agent: *\nDisallow: /\n")},
			wantErr: "disallowed by robots.txt"},
		{name: "4xx means allow all (RFC 9309 2.3.1.3)", robots: map[string]http.HandlerFunc{
			"/robots.txt": status(http.StatusForbidden)},
			wantPages: []string{"/", "/a", "/b"}},
		{name: "5xx means disallow all (RFC 9309 2.3.1.3)", robots: map[string]http.HandlerFunc{
			"/robots.txt": status(http.StatusServiceUnavailable)},
			wantErr: "disallowed by robots.txt"},
		{name: "redirects are followed (RFC 9309 2.3.1.2)", robots: map[string]http.HandlerFunc{
			"/robots.txt":      redirectTo(http.StatusMovedPermanently, "/robots-real.txt"),
			"/robots-real.txt": robotsTxt("User-agent: *\nDisallow: /a\n")},
			wantPages: []string{"/", "/b"}},
		{name: "a redirect to a 5xx disallows all", robots: map[string]http.HandlerFunc{
			"/robots.txt":      redirectTo(http.StatusMovedPermanently, "/robots-real.txt"),
			"/robots-real.txt": status(http.StatusInternalServerError)},
			wantErr: "disallowed by robots.txt"},
		{name: "a redirect loop fails the start page", robots: map[string]http.HandlerFunc{
			"/robots.txt": redirectTo(http.StatusFound, "/robots.txt")},
			wantErr: "more than 5 redirects"},
		{name: "unreachable robots.txt fails the start page", robots: map[string]http.HandlerFunc{
			"/robots.txt": func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }},
			timeout: 300 * time.Millisecond, wantErr: "timeout"},
		{name: "robots.txt over max_body_bytes is read, not failed", robots: map[string]http.HandlerFunc{
			"/robots.txt": robotsTxt("User-agent: *\nDisallow: /a\n" + padding)},
			maxBody: 1024, wantPages: []string{"/", "/b"}},
		{name: "lines colly's parser rejects are dropped, not fatal (RFC 9309 2.2)", robots: map[string]http.HandlerFunc{
			"/robots.txt": robotsTxt("Disallow: /b\nCrawl-delay: 1\n\nUser-agent: *\nCrawl-delay: soon\nDisallow: /a\n")},
			wantPages: []string{"/", "/b"}},
		{name: "robots.txt is read up to 500 KiB (RFC 9309 2.5)", robots: map[string]http.HandlerFunc{
			"/robots.txt": robotsTxt(strings.Repeat(padding, 60) + "User-agent: *\nDisallow: /a\n")},
			wantPages: []string{"/", "/a", "/b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			handlers := map[string]http.HandlerFunc{
				"/":  htmlPage(`<title>Home</title><a href="/a">a</a> <a href="/b">b</a>`),
				"/a": htmlPage("<p>a"),
				"/b": htmlPage("<p>b"),
			}
			for p, h := range tt.robots {
				handlers[p] = h
			}
			site := newTestSite(t, "", "", handlers)
			cfg := testConfig(site.URL() + "/")
			if tt.maxBody != 0 {
				cfg.MaxBodyBytes = tt.maxBody
			}
			if tt.timeout != 0 {
				cfg.Timeout = tt.timeout
			}
			res := runCrawl(t, t.Context(), cfg)
			var got []string
			for _, p := range site.pageRequests() {
				if !strings.HasPrefix(p, "/robots") {
					got = append(got, p)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.wantPages) {
				t.Errorf("pages requested = %q, want %q\n%s", got, tt.wantPages, res.log)
			}
			switch {
			case tt.wantErr == "" && res.err != nil:
				t.Errorf("Crawl: %v", res.err)
			case tt.wantErr != "" && (res.err == nil || !strings.Contains(res.err.Error(), tt.wantErr) ||
				!strings.HasPrefix(res.err.Error(), "crawler: start page ")):
				t.Errorf("Crawl error = %v, want a start page error with %q", res.err, tt.wantErr)
			}
		})
	}
}
