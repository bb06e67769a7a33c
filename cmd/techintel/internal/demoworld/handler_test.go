package demoworld

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

const testHost = "127.0.0.1:41234"

var (
	testBase = "http://" + testHost
	testNow  = time.Date(2026, 3, 12, 9, 30, 0, 0, time.UTC) // a Thursday
)

func get(t *testing.T, h http.Handler, method, target string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	r.Host = testHost
	for k, v := range header {
		r.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

func TestRoutesAnswerWithContentType(t *testing.T) {
	h := Handler(testNow)
	routes := map[string]string{
		"/":                              "text/html; charset=utf-8",
		"/robots.txt":                    "text/plain; charset=utf-8",
		"/site/":                         "text/html; charset=utf-8",
		"/site/about.html":               "text/html; charset=utf-8",
		"/site/private/roadmap.html":     "text/html; charset=utf-8",
		"/news/cdma-sunset-3gpp2-legacy": "text/html; charset=utf-8",
		"/news/google-cloud-nokia-network-apis?utm_source=analyst": "text/html; charset=utf-8",
		"/site/articles/deutsche-telekom-open-ran-3000-sites.html": "text/html; charset=utf-8",
		"/feeds/standards.rss":      "application/rss+xml; charset=utf-8",
		"/feeds/partners.atom":      "application/atom+xml; charset=utf-8",
		"/feeds/competitors.rdf":    "application/rdf+xml; charset=utf-8",
		"/feeds/newsroom.json":      "application/feed+json; charset=utf-8",
		"/feeds/analyst-cp1252.xml": "application/rss+xml; charset=windows-1252",
	}
	for path, ctype := range routes {
		rec := get(t, h, "GET", path, nil)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: status %d", path, rec.Code)
			continue
		}
		if got := rec.Header().Get("Content-Type"); got != ctype {
			t.Errorf("GET %s: Content-Type %q, want %q", path, got, ctype)
		}
		if rec.Header().Get("ETag") == "" || rec.Body.Len() == 0 {
			t.Errorf("GET %s: no ETag or empty body", path)
		}
		if head := get(t, h, "HEAD", path, nil); head.Code != http.StatusOK || head.Body.Len() != 0 {
			t.Errorf("HEAD %s: status %d, %d bytes", path, head.Code, head.Body.Len())
		}
	}
	for _, path := range []string{"/nope", "/news/nope", "/site/articles/nope.html", "/site/private/other.html",
		"/site/articles/cdma-sunset-3gpp2-legacy.html", "/feeds/"} {
		if rec := get(t, h, "GET", path, nil); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", path, rec.Code)
		}
	}
	if rec := get(t, h, "GET", "/site", nil); rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/site/" {
		t.Errorf("GET /site: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	if rec := get(t, h, "POST", "/feeds/standards.rss", nil); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST a feed: status %d", rec.Code)
	}
}

func TestConditionalGet(t *testing.T) {
	h := Handler(testNow)
	for _, f := range feedDefs {
		first := get(t, h, "GET", f.Path, nil)
		etag, lastMod := first.Header().Get("ETag"), first.Header().Get("Last-Modified")
		if etag == "" || lastMod == "" {
			t.Fatalf("%s: ETag %q, Last-Modified %q", f.Path, etag, lastMod)
		}
		again := get(t, h, "GET", f.Path, nil)
		if again.Header().Get("ETag") != etag || !bytes.Equal(again.Body.Bytes(), first.Body.Bytes()) {
			t.Errorf("%s: a second GET answered differently", f.Path)
		}
		rec := get(t, h, "GET", f.Path, http.Header{"If-None-Match": {etag}})
		if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
			t.Errorf("%s: If-None-Match current: status %d, %d bytes; want 304", f.Path, rec.Code, rec.Body.Len())
		}
		rec = get(t, h, "GET", f.Path, http.Header{"If-None-Match": {`"stale"`}})
		if rec.Code != http.StatusOK {
			t.Errorf("%s: If-None-Match stale: status %d, want 200", f.Path, rec.Code)
		}
		rec = get(t, h, "GET", f.Path, http.Header{"If-Modified-Since": {lastMod}})
		if rec.Code != http.StatusNotModified {
			t.Errorf("%s: If-Modified-Since: status %d, want 304", f.Path, rec.Code)
		}
		lm, err := http.ParseTime(lastMod)
		if err != nil || lm.After(testNow) || lm.Before(testNow.Add(-48*time.Hour)) {
			t.Errorf("%s: Last-Modified %q is not the newest item's date", f.Path, lastMod)
		}
	}
	// Another Host means other links, so another ETag.
	r := httptest.NewRequest("GET", "/feeds/standards.rss", nil)
	r.Host = "localhost:9"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if !strings.Contains(rec.Body.String(), "http://localhost:9/news/") {
		t.Error("links do not follow the Host header")
	}
	if rec.Header().Get("ETag") == get(t, h, "GET", "/feeds/standards.rss", nil).Header().Get("ETag") {
		t.Error("the ETag does not change with the content")
	}
}

func TestRobotsDisallowsPrivate(t *testing.T) {
	body := get(t, Handler(testNow), "GET", "/robots.txt", nil).Body.String()
	if !disallowed(body, "/site/private/roadmap.html") {
		t.Errorf("robots.txt does not disallow /site/private/ for every agent:\n%s", body)
	}
	if disallowed(body, "/site/") || disallowed(body, "/feeds/standards.rss") {
		t.Errorf("robots.txt disallows too much for every agent:\n%s", body)
	}
}

// disallowed is a small robots.txt reader: the Disallow rules of the group
// for User-agent: *.
func disallowed(robots, path string) bool {
	inStar := false
	for _, line := range strings.Split(robots, "\n") {
		line, _, _ = strings.Cut(line, "#")
		key, value, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		key, value = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(value)
		switch key {
		case "user-agent":
			inStar = value == "*"
		case "disallow":
			if inStar && value != "" && strings.HasPrefix(path, value) {
				return true
			}
		}
	}
	return false
}

var hrefRE = regexp.MustCompile(`href="([^"]*)"`)

// TestSiteCrawl walks the site as a polite crawler would (same host, depth 2,
// robots.txt obeyed) and checks what it finds.
func TestSiteCrawl(t *testing.T) {
	h := Handler(testNow)
	robots := get(t, h, "GET", "/robots.txt", nil).Body.String()
	start, _ := url.Parse(testBase + "/site/")
	type job struct {
		u     *url.URL
		depth int
	}
	seen := map[string]bool{start.String(): true}
	queue := []job{{start, 0}}
	var pages, skipped []string
	for len(queue) > 0 {
		j := queue[0]
		queue = queue[1:]
		if disallowed(robots, j.u.Path) {
			skipped = append(skipped, j.u.Path)
			continue
		}
		rec := get(t, h, "GET", j.u.RequestURI(), nil)
		if rec.Code != http.StatusOK {
			t.Errorf("crawl: %s answered %d", j.u, rec.Code)
			continue
		}
		pages = append(pages, j.u.Path)
		if j.depth == 2 {
			continue
		}
		for _, m := range hrefRE.FindAllStringSubmatch(rec.Body.String(), -1) {
			ref, err := url.Parse(m[1])
			if err != nil {
				t.Errorf("crawl: bad link %q on %s", m[1], j.u)
				continue
			}
			u := j.u.ResolveReference(ref)
			u.Fragment = ""
			if u.Host != testHost || seen[u.String()] {
				continue
			}
			seen[u.String()] = true
			queue = append(queue, job{u, j.depth + 1})
		}
	}
	var articles int
	for _, p := range pages {
		if strings.HasPrefix(p, "/site/articles/") {
			articles++
			body := get(t, h, "GET", p, nil).Body.String()
			for _, want := range []string{"<nav", "<aside", "Related news", "<footer", "<script>", "<time datetime=", `property="article:published_time"`, `rel="canonical" href="` + testBase} {
				if !strings.Contains(body, want) {
					t.Errorf("%s lacks %s", p, want)
				}
			}
		}
	}
	if articles != 6 {
		t.Errorf("crawl found %d articles, want 6; pages %v", articles, pages)
	}
	if len(skipped) != 1 || skipped[0] != "/site/private/roadmap.html" {
		t.Errorf("crawl skipped %v, want only the private page", skipped)
	}
	if !strings.Contains(strings.Join(pages, " "), "/site/about.html") {
		t.Errorf("crawl missed the about page: %v", pages)
	}
}

// TestSiteDates checks the dates the site's pages declare.
func TestSiteDates(t *testing.T) {
	h := Handler(testNow)
	metaRE := regexp.MustCompile(`property="article:published_time" content="([^"]+)"`)
	timeRE := regexp.MustCompile(`<time datetime="([^"]+)"`)
	w := newWorld(mustStories(), testNow)
	for _, e := range w.site {
		body := get(t, h, "GET", e.Link, nil).Body.String()
		m, tm := metaRE.FindStringSubmatch(body), timeRE.FindStringSubmatch(body)
		if m == nil || tm == nil || m[1] != tm[1] {
			t.Errorf("%s: meta %v, time %v", e.Link, m, tm)
			continue
		}
		checkDate(t, e.Link, time.RFC3339, m[1])
	}
}

func checkDate(t *testing.T, what, layout, value string) time.Time {
	t.Helper()
	d, err := time.Parse(layout, value)
	if err != nil {
		t.Errorf("%s: date %q: %v", what, value, err)
		return d
	}
	if d.After(testNow) || !d.After(testNow.Add(-(maxDaysAgo+1)*24*time.Hour)) {
		t.Errorf("%s: date %s is not within the %d days before %s", what, d, maxDaysAgo+1, testNow)
	}
	return d
}

func TestFuzzyHosts(t *testing.T) {
	h := Handler(testNow)
	r := httptest.NewRequest("GET", "/feeds/newsroom.json", nil)
	r.Host = ""
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"http://127.0.0.1/`) {
		t.Errorf("without a Host header: %d", rec.Code)
	}
	var jf map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &jf); err != nil {
		t.Error(err)
	}
}
