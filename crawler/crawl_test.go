package crawler

import (
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/techintel/techintel/index"
)

func TestCrawlSite(t *testing.T) {
	offsite := newTestSite(t, "", "", nil)
	site := newTestSite(t, "testdata/site", offsite.URL(), nil)
	cfg := testConfig(site.URL() + "/")
	cfg.MaxDepth = 2
	res := runCrawl(t, t.Context(), cfg)
	if res.err != nil {
		t.Fatalf("Crawl: %v\n%s", res.err, res.log)
	}

	wantDocs := []string{"/", "/about.html", "/blog/", "/blog/post-1.html", "/blog/post-2.html"}
	if got := res.paths(site.URL()); !slices.Equal(got, wantDocs) {
		t.Errorf("documents = %q, want %q", got, wantDocs)
	}
	if res.order[0] != site.URL()+"/" {
		t.Errorf("first document = %s, want the start page", res.order[0])
	}
	if want := (Stats{Fetched: 5, Skipped: 3}); res.stats.Fetched != want.Fetched ||
		res.stats.Failed != want.Failed || res.stats.Skipped != want.Skipped {
		t.Errorf("stats = %+v, want %+v", res.stats, want)
	}

	// Each page once, whatever fragment or utm_* its links carried; never
	// the robots.txt-disallowed page nor another host.
	wantReqs := []string{"/", "/about.html", "/blog/", "/blog/post-1.html", "/blog/post-2.html",
		"/files/report.pdf", "/img/logo.png"}
	gotReqs := site.pageRequests()
	slices.Sort(gotReqs)
	if !slices.Equal(gotReqs, wantReqs) {
		t.Errorf("pages requested = %q, want %q", gotReqs, wantReqs)
	}
	if n := site.count("/robots.txt"); n != 1 {
		t.Errorf("robots.txt requested %d times, want 1", n)
	}
	if n := len(offsite.requests()); n != 0 {
		t.Errorf("off-site server got %d requests, want none", n)
	}
	for _, r := range site.requests() {
		if r.userAgent != testUA {
			t.Errorf("%s asked with User-Agent %q, want %q", r.path, r.userAgent, testUA)
		}
	}
	for _, reason := range []string{"disallowed by robots.txt", "not HTML: application/pdf", "not HTML: image/png"} {
		if !strings.Contains(res.log, reason) {
			t.Errorf("log does not give the skip reason %q:\n%s", reason, res.log)
		}
	}

	for u, d := range res.docs {
		if d.ID != index.DocID(u) || d.Source != "test-site" || !d.Fetched.IsZero() || !d.Updated.IsZero() ||
			d.Components != nil || d.Entities != nil {
			t.Errorf("document %s: ID %q Source %q Fetched %v Updated %v Components %v: want DocID(URL), "+
				"the source name, and nothing the caller sets", u, d.ID, d.Source, d.Fetched, d.Updated, d.Components)
		}
	}

	post1 := res.docs[site.URL()+"/blog/post-1.html"]
	checkDoc(t, post1, "Open RAN field trial", "2024-03-05T10:00:00Z",
		[]string{"We ran an Open RAN field trial with three operators.", "20% higher & energy use 10% lower."},
		[]string{"NAVTEXT", "FOOTERTEXT", "SCRIPTTEXT", "STYLETEXT", "ASIDETEXT", "SITEHEADERTEXT",
			"INLINESCRIPTTEXT", "1 January 2020", "NAVSTYLE"})
	if post1.Author != "Jane Doe" {
		t.Errorf("post-1 author = %q, want Jane Doe", post1.Author)
	}
	checkDoc(t, res.docs[site.URL()+"/blog/post-2.html"], "Energy savings in the RAN", "2024-04-10T00:00:00Z",
		[]string{"Sleep modes in radio units cut power"}, nil)
	// The <h1> in <main> confirms the first part of "Example Networks — Home".
	checkDoc(t, res.docs[site.URL()+"/"], "Example Networks", "",
		[]string{"We build radio access networks.", "Annual report (PDF)"}, []string{"© Example Networks"})
	// The blog's index is a listing of two <article> teasers: indexed by
	// its own text (here none but its title), not by its teasers'.
	checkDoc(t, res.docs[site.URL()+"/blog/"], "Blog", "", nil,
		[]string{"Open RAN field trial", "How sleep modes cut power."})
	for u, r := range res.results {
		if want := u == site.URL()+"/blog/"; r.Listing != want {
			t.Errorf("%s: Listing = %v, want %v", u, r.Listing, want)
		}
	}
}

// checkDoc checks a document's title, publication date (RFC 3339, "" for
// none) and what its body must and must not contain.
func checkDoc(tb testing.TB, d index.Document, title, published string, has, hasNot []string) {
	tb.Helper()
	if d.Title != title {
		tb.Errorf("%s: title = %q, want %q", d.URL, d.Title, title)
	}
	got := ""
	if !d.Published.IsZero() {
		got = d.Published.Format(time.RFC3339)
	}
	if got != published {
		tb.Errorf("%s: published = %q, want %q", d.URL, got, published)
	}
	for _, s := range has {
		if !strings.Contains(d.Body, s) {
			tb.Errorf("%s: body lacks %q:\n%s", d.URL, s, d.Body)
		}
	}
	for _, s := range hasNot {
		if strings.Contains(d.Body, s) {
			tb.Errorf("%s: body has %q:\n%s", d.URL, s, d.Body)
		}
	}
}

func TestCrawlLimits(t *testing.T) {
	tests := []struct {
		name      string
		maxDepth  int
		maxPages  int
		wantDocs  []string
		wantPages int // requests other than robots.txt
	}{
		{"depth 0 is the start page only", 0, 100, []string{"/"}, 1},
		{"depth 1 adds the pages it links to", 1, 100,
			[]string{"/", "/about.html", "/blog/", "/blog/post-1.html"}, 6},
		{"depth 2 reaches everything", 2, 100,
			[]string{"/", "/about.html", "/blog/", "/blog/post-1.html", "/blog/post-2.html"}, 7},
		{"max_pages 2 stops after two pages, breadth first", 5, 2, []string{"/", "/about.html"}, 2},
		{"max_pages counts skipped pages", 5, 6, []string{"/", "/about.html", "/blog/", "/blog/post-1.html"}, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			site := newTestSite(t, "testdata/site", "http://offsite.invalid", nil)
			cfg := testConfig(site.URL() + "/")
			cfg.MaxDepth, cfg.MaxPages = tt.maxDepth, tt.maxPages
			res := runCrawl(t, t.Context(), cfg)
			if res.err != nil {
				t.Fatalf("Crawl: %v", res.err)
			}
			if got := res.paths(site.URL()); !slices.Equal(got, tt.wantDocs) {
				t.Errorf("documents = %q, want %q", got, tt.wantDocs)
			}
			if got := site.pageRequests(); len(got) != tt.wantPages {
				t.Errorf("%d pages requested (%q), want %d", len(got), got, tt.wantPages)
			}
		})
	}
}

func TestCrawlRedirects(t *testing.T) {
	offsite := newTestSite(t, "", "", map[string]http.HandlerFunc{"/": htmlPage("<title>Elsewhere</title>")})
	var site *testSite
	site = newTestSite(t, "", "", map[string]http.HandlerFunc{
		"/": htmlPage(`<title>Home</title><a href="/moved">m</a> <a href="/a">a</a> <a href="/to-a">to a</a>
			<a href="/away">away</a> <a href="/loop1">loop</a> <a href="/self">self</a>`),
		"/old":   redirectTo(http.StatusMovedPermanently, "/"),
		"/moved": redirectTo(http.StatusFound, "/target?utm_source=redirect#frag"),
		"/target": func(w http.ResponseWriter, r *http.Request) {
			htmlPage("<title>Target</title><p>query "+r.URL.RawQuery)(w, r)
		},
		"/a":     htmlPage("<title>A</title>"),
		"/to-a":  redirectTo(http.StatusMovedPermanently, "/a"),
		"/away":  redirectTo(http.StatusFound, offsite.URL()+"/"),
		"/loop1": redirectTo(http.StatusFound, "/loop2"),
		"/loop2": redirectTo(http.StatusFound, "/loop1"),
		"/self": func(w http.ResponseWriter, r *http.Request) {
			if _, err := r.Cookie("seen"); err != nil {
				http.SetCookie(w, &http.Cookie{Name: "seen", Value: "1"})
				http.Redirect(w, r, "/self", http.StatusFound)
				return
			}
			htmlPage("<title>Self</title>")(w, r)
		},
	})
	mover := newTestSite(t, "", "", map[string]http.HandlerFunc{
		"/": redirectTo(http.StatusMovedPermanently, site.URL()+"/old"),
	})

	tests := []struct {
		name     string
		start    string
		wantDocs []string // relative to site
		wantReqs map[string]int
	}{
		{"start page redirect: the document has the final URL", site.URL() + "/old",
			[]string{"/", "/a", "/self", "/target"},
			map[string]int{"/old": 1, "/": 1, "/moved": 1, "/target": 1, "/target?utm_source=redirect": 0,
				"/a": 1, "/to-a": 1, "/away": 1, "/loop1": 1, "/loop2": 1, "/self": 2}},
		{"start page moving to another host moves the crawl", mover.URL() + "/",
			[]string{"/", "/a", "/self", "/target"},
			map[string]int{"/old": 1, "/": 1, "/a": 1, "/target": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			site.mu.Lock()
			site.reqs = nil
			site.mu.Unlock()
			offsite.mu.Lock()
			offsite.reqs = nil
			offsite.mu.Unlock()
			cfg := testConfig(tt.start)
			res := runCrawl(t, t.Context(), cfg)
			if res.err != nil {
				t.Fatalf("Crawl: %v\n%s", res.err, res.log)
			}
			if got := res.paths(site.URL()); !slices.Equal(got, tt.wantDocs) {
				t.Errorf("documents = %q, want %q\n%s", got, tt.wantDocs, res.log)
			}
			for p, n := range tt.wantReqs {
				if got := site.count(p); got != n {
					t.Errorf("%s requested %d times, want %d", p, got, n)
				}
			}
			if n := offsite.count("/"); n != 0 {
				t.Errorf("redirect off the site was followed (%d requests)", n)
			}
			// /to-a (already seen), /away (off site), /loop1 (a loop).
			if res.stats.Skipped != 3 || res.stats.Failed != 0 {
				t.Errorf("stats = %+v, want 3 skipped, none failed\n%s", res.stats, res.log)
			}
		})
	}
}

// TestCrawlEnvIgnored checks that COLLY_* environment variables, which
// colly.NewCollector applies after any option, change nothing.
func TestCrawlEnvIgnored(t *testing.T) {
	cache := t.TempDir()
	for k, v := range map[string]string{
		"COLLY_IGNORE_ROBOTSTXT": "true", "COLLY_USER_AGENT": "evil/1.0", "COLLY_MAX_DEPTH": "1",
		"COLLY_MAX_REQUESTS": "1", "COLLY_ALLOWED_DOMAINS": "example.invalid", "COLLY_MAX_BODY_SIZE": "10",
		"COLLY_CACHE_DIR": cache, "COLLY_DISABLE_COOKIES": "1", "COLLY_FOLLOW_REDIRECTS": "false",
		"COLLY_PARSE_HTTP_ERROR_RESPONSE": "false", "COLLY_DETECT_CHARSET": "true",
		"COLLY_DISALLOWED_DOMAINS": "127.0.0.1", "COLLY_TRACE_HTTP": "true",
	} {
		t.Setenv(k, v)
	}
	site := newTestSite(t, "testdata/site", "http://offsite.invalid", nil)
	cfg := testConfig(site.URL() + "/")
	cfg.MaxDepth = 2
	res := runCrawl(t, t.Context(), cfg)
	if res.err != nil {
		t.Fatalf("Crawl: %v", res.err)
	}
	if n := site.count("/private/secret.html"); n != 0 {
		t.Errorf("robots.txt ignored: the disallowed page was requested %d times", n)
	}
	if res.stats.Fetched != 5 {
		t.Errorf("fetched %d pages, want 5", res.stats.Fetched)
	}
	for _, r := range site.requests() {
		if r.userAgent != testUA {
			t.Errorf("%s asked with User-Agent %q, want %q", r.path, r.userAgent, testUA)
		}
	}
	if d := res.docs[site.URL()+"/blog/post-1.html"]; !strings.Contains(d.Body, "three operators") {
		t.Errorf("post-1 body truncated or missing: %q", d.Body)
	}
	if entries, _ := os.ReadDir(cache); len(entries) != 0 {
		t.Errorf("COLLY_CACHE_DIR was used: %d entries", len(entries))
	}
}

// TestCrawlBoilerplate: the "Related news" aside naming Huawei stays out
// of the article's body, but its links are still followed.
func TestCrawlBoilerplate(t *testing.T) {
	page, err := os.ReadFile("testdata/extract/boilerplate.html")
	if err != nil {
		t.Fatal(err)
	}
	site := newTestSite(t, "", "", map[string]http.HandlerFunc{
		"/news/nokia-ericsson-split":         htmlPage(string(page)),
		"/news/huawei-wins-german-core-deal": htmlPage("<title>Huawei wins German core network deal</title><p>Huawei news."),
	})
	cfg := testConfig(site.URL() + "/news/nokia-ericsson-split")
	cfg.MaxDepth = 1
	res := runCrawl(t, t.Context(), cfg)
	if res.err != nil {
		t.Fatal(res.err)
	}
	d := res.docs[site.URL()+"/news/nokia-ericsson-split"]
	checkDoc(t, d, "Nokia and Ericsson split the Open RAN contract", "2024-09-12T04:00:00Z",
		[]string{"A European operator has split", "by the end of the contract's third year."},
		[]string{"Huawei", "Samsung", "ZTE", "COOKIETEXT", "FOOTERTEXT", "SIDEBARTEXT", "Related news"})
	if d.Author != "Kari Virtanen" {
		t.Errorf("author %q", d.Author)
	}
	if _, ok := res.docs[site.URL()+"/news/huawei-wins-german-core-deal"]; !ok {
		t.Errorf("the aside's link was not followed:\n%s", res.log)
	}
}
