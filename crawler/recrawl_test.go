package crawler

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// TestCrawlRecrawl crawls a site twice, the second time with what the
// first run reported as Known, and checks each page's outcome.
func TestCrawlRecrawl(t *testing.T) {
	const lastMod = "Tue, 10 Sep 2024 08:00:00 GMT"
	var second atomic.Bool // the site changes between the runs
	changing := func(w http.ResponseWriter, r *http.Request) {
		text := "First version."
		if second.Load() {
			text = "Second version."
		}
		htmlPage("<title>Changing</title><p>"+text)(w, r)
	}
	vanishing := func(code int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if second.Load() {
				w.WriteHeader(code)
				return
			}
			htmlPage("<title>Soon gone</title>")(w, r)
		}
	}
	site := newTestSite(t, "", "", map[string]http.HandlerFunc{
		"/": htmlPage(`<title>Home</title><a href="/etag">e</a> <a href="/lastmod">l</a> <a href="/changing">c</a>
			<a href="/same">s</a> <a href="/gone404">g</a> <a href="/gone410">g</a> <a href="/missing">m</a>`),
		"/etag": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("ETag", `W/"v1"`)
			if r.Header.Get("If-None-Match") == `W/"v1"` {
				w.Header().Set("ETag", `W/"v1"`)
				w.WriteHeader(http.StatusNotModified)
				return
			}
			htmlPage("<title>ETag</title><p>tagged")(w, r)
		},
		"/lastmod": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Last-Modified", lastMod)
			if r.Header.Get("If-Modified-Since") == lastMod {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			htmlPage("<title>Last-Modified</title><p>dated")(w, r)
		},
		"/changing": changing,
		"/same":     htmlPage("<title>Same</title><p>no validators, same text"),
		"/gone404":  vanishing(http.StatusNotFound),
		"/gone410":  vanishing(http.StatusGone),
		"/missing":  status(http.StatusNotFound),
	})
	cfg := testConfig(site.URL() + "/")
	cfg.MaxDepth = 1
	first := runCrawl(t, t.Context(), cfg)
	if first.err != nil || first.stats.Fetched != 7 || first.stats.Failed != 1 {
		t.Fatalf("first run: %v, %+v", first.err, first.stats)
	}
	known := make(map[string]PageState)
	for u, r := range first.results {
		if r.Outcome != Fetched || r.State.Hash != ContentHash(r.Doc.Title, r.Doc.Body) || len(r.State.Hash) != 32 {
			t.Errorf("first run: %s: %v, state %+v: want Fetched with the content hash", u, r.Outcome, r.State)
		}
		known[u] = r.State
	}
	if s := known[site.URL()+"/etag"]; s.ETag != `W/"v1"` {
		t.Errorf("ETag not remembered: %+v", s)
	}
	if s := known[site.URL()+"/lastmod"]; s.LastModified != lastMod {
		t.Errorf("Last-Modified not remembered: %+v", s)
	}

	second.Store(true)
	site.mu.Lock()
	site.reqs = nil
	site.mu.Unlock()
	cfg.Known = func(u string) (PageState, bool) { s, ok := known[u]; return s, ok }
	res := runCrawl(t, t.Context(), cfg)
	if res.err != nil {
		t.Fatalf("second run: %v", res.err)
	}
	tests := []struct {
		path    string
		outcome Outcome
		status  int
	}{
		{"/", Unchanged, 200}, // read for its links: fetched in full, same hash
		{"/etag", Unchanged, 304},
		{"/lastmod", Unchanged, 304},
		{"/changing", Fetched, 200},
		{"/same", Unchanged, 200},
		{"/gone404", Gone, 404},
		{"/gone410", Gone, 410},
	}
	for _, tt := range tests {
		t.Run(strings.TrimPrefix(tt.path, "/"), func(t *testing.T) {
			u := site.URL() + tt.path
			r, ok := res.results[u]
			if !ok || r.Outcome != tt.outcome || r.Status != tt.status {
				t.Fatalf("result %+v (reported %v), want %v with status %d", r, ok, tt.outcome, tt.status)
			}
			switch r.Outcome {
			case Unchanged:
				if r.State != known[u] || r.Doc.URL != "" {
					t.Errorf("state %+v, doc %q: want the known state %+v and no document", r.State, r.Doc.URL, known[u])
				}
			case Fetched:
				if r.State.Hash == known[u].Hash || r.State.Hash != ContentHash(r.Doc.Title, r.Doc.Body) ||
					!strings.Contains(r.Doc.Body, "Second version.") {
					t.Errorf("changed page: state %+v, body %q", r.State, r.Doc.Body)
				}
			case Gone:
				if r.State != (PageState{}) || r.Doc.URL != "" {
					t.Errorf("gone page has state %+v or document %q", r.State, r.Doc.URL)
				}
			}
		})
	}
	want := Stats{Fetched: 1, Unchanged: 4, Gone: 2, Failed: 1}
	if s := res.stats; s.Fetched != want.Fetched || s.Unchanged != want.Unchanged || s.Gone != want.Gone ||
		s.Failed != want.Failed || s.Skipped != 0 {
		t.Errorf("stats = %+v, want %+v (an unknown 404 fails)", s, want)
	}
	for _, r := range site.requests() {
		conditional := r.header.Get("If-None-Match") != "" || r.header.Get("If-Modified-Since") != ""
		if leaf := r.path != "/" && r.path != "/robots.txt" && r.path != "/sitemap.xml"; conditional != (leaf &&
			(r.path == "/etag" || r.path == "/lastmod")) {
			t.Errorf("%s: conditional request %v (%v)", r.path, conditional, r.header)
		}
	}
}

func TestCrawlStartPageGone(t *testing.T) {
	site := newTestSite(t, "", "", map[string]http.HandlerFunc{"/": status(http.StatusGone)})
	cfg := testConfig(site.URL() + "/")
	cfg.Known = func(string) (PageState, bool) { return PageState{Hash: "x"}, true }
	res := runCrawl(t, t.Context(), cfg)
	if r := res.results[site.URL()+"/"]; r.Outcome != Gone || res.stats.Gone != 1 {
		t.Errorf("result %+v, stats %+v: want the start page Gone", r, res.stats)
	}
	if res.err == nil || !strings.Contains(res.err.Error(), "HTTP 410 Gone") {
		t.Errorf("err = %v, want the start page's 410", res.err)
	}
}

// TestCrawlRecrawlBodyHash: a known page whose body comes back byte for
// byte the same is Unchanged without being extracted again (the remembered
// Hash, not a real one, proves it), and its links are still followed; a
// page whose bytes changed but whose text did not is Unchanged by
// ContentHash, with the new BodyHash to remember.
func TestCrawlRecrawlBodyHash(t *testing.T) {
	const (
		home    = `<title>Home</title><p>Welcome. <a href="/same">same</a> <a href="/markup">markup</a> <a href="/nohash">n</a>`
		same    = `<title>Same</title><p>Same bytes as last time.`
		markup  = `<title>Markup</title><p class="v2">Same text, new markup.`
		noHash  = `<title>No hash</title><p>Known, but never extracted.`
		sentHsh = "remembered, not computed"
	)
	site := newTestSite(t, "", "", map[string]http.HandlerFunc{
		"/": htmlPage(home), "/same": htmlPage(same), "/markup": htmlPage(markup), "/nohash": htmlPage(noHash),
	})
	o := site.URL()
	known := map[string]PageState{
		o + "/":       {Hash: sentHsh, BodyHash: BodyHash([]byte(home))},
		o + "/same":   {Hash: sentHsh, BodyHash: BodyHash([]byte(same))},
		o + "/markup": {Hash: ContentHash("Markup", "Same text, new markup."), BodyHash: BodyHash([]byte("old markup"))},
		o + "/nohash": {BodyHash: BodyHash([]byte(noHash))},
	}
	cfg := testConfig(o + "/")
	cfg.MaxDepth = 1
	cfg.Known = func(u string) (PageState, bool) { s, ok := known[u]; return s, ok }
	res := runCrawl(t, t.Context(), cfg)
	if res.err != nil {
		t.Fatalf("Crawl: %v", res.err)
	}
	tests := []struct {
		path    string
		outcome Outcome
		hash    string
	}{
		{"/", Unchanged, sentHsh},
		{"/same", Unchanged, sentHsh},
		{"/markup", Unchanged, known[o+"/markup"].Hash},
		{"/nohash", Fetched, ContentHash("No hash", "Known, but never extracted.")},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r, ok := res.results[o+tt.path]
			if !ok || r.Outcome != tt.outcome || r.State.Hash != tt.hash {
				t.Fatalf("result %+v (reported %v), want %v with hash %q", r, ok, tt.outcome, tt.hash)
			}
			body := map[string]string{"/": home, "/same": same, "/markup": markup, "/nohash": noHash}[tt.path]
			if r.State.BodyHash != BodyHash([]byte(body)) {
				t.Errorf("BodyHash %q, want the hash of the body served", r.State.BodyHash)
			}
		})
	}
}
