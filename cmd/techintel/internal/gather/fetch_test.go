package gather

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

const rss = `<?xml version="1.0"?><rss version="2.0"><channel><title>news</title>
<item><guid>a</guid><title>Nokia ships radios</title><link>%[1]s/a</link><description>Nokia radio units.</description></item>
<item><guid>b</guid><title>Ericsson opens a lab</title><link>%[1]s/b</link><description>A summary.</description></item>
</channel></rss>`

// newsServer serves a feed with validators, its two articles, and a small
// site of three linked pages with validators.
func newsServer(t *testing.T) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/feed":
			if r.Header.Get("If-None-Match") == `"v1"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", `"v1"`)
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprintf(w, rss, srv.URL)
		case "/page":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<html><head><link rel="alternate" type="application/rss+xml" href="%s/feed"></head><body>hi</body></html>`, srv.URL)
		case "/a", "/b":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<html><head><title>Article %[1]s</title></head><body><article><h1>Article %[1]s</h1><p>%[2]s</p></article></body></html>`,
				r.URL.Path, strings.Repeat("The full text of the article, much longer than the summary. ", 20))
		case "/site/", "/site/1", "/site/2":
			if r.Header.Get("If-None-Match") == `"`+r.URL.Path+`"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", `"`+r.URL.Path+`"`)
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<html><head><title>Page %[1]s</title></head><body><article><h1>Page %[1]s</h1><p>%[2]s</p>
<a href="/site/1">one</a> <a href="/site/2">two</a></article></body></html>`, r.URL.Path, strings.Repeat("Site text about radios. ", 20))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// fetchAll runs job and returns its batches, each through a JSON round
// trip: what crosses the seam must survive encoding.
func fetchAll(t *testing.T, f *Fetcher, job Job) []Batch {
	t.Helper()
	job = roundTrip(t, job)
	var out []Batch
	err := f.Fetch(t.Context(), job, func(b Batch) error {
		out = append(out, roundTrip(t, b))
		return nil
	})
	if err != nil {
		t.Fatalf("fetch %s: %v", job.Source, err)
	}
	if len(out) == 0 || !out[len(out)-1].Final {
		t.Fatalf("fetch %s: %d batches, the last not final", job.Source, len(out))
	}
	return out
}

func roundTrip[T any](t *testing.T, v T) T {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encode %T: %v", v, err)
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("decode %T: %v", v, err)
	}
	return out
}

// TestFetchWithoutDataDirectory runs feeds and a site through the fetch
// side from a working directory that holds nothing, with no data
// directory anywhere: fetching needs only the job. The second run of each,
// given the state the first returned, is conditional.
func TestFetchWithoutDataDirectory(t *testing.T) {
	empty := t.TempDir()
	t.Chdir(empty)
	srv := newsServer(t)
	f := NewFetcher(Options{Transport: http.DefaultTransport, UserAgent: "test", Timeout: time.Minute, MaxBodyBytes: 1 << 20})

	// A feed: documents with their item keys and validators; then 304.
	bs := fetchAll(t, f, Job{Source: "news", Kind: KindFeed, URL: srv.URL + "/feed"})
	b := bs[0]
	if len(bs) != 1 || len(b.Documents) != 2 || !reflect.DeepEqual(b.ItemKeys, []string{"guid:a", "guid:b"}) || b.Fetched != 2 {
		t.Fatalf("feed: %d batches, %+v", len(bs), b)
	}
	if b.Validators == nil || b.Validators.ETag != `"v1"` {
		t.Errorf("feed validators %+v", b.Validators)
	}
	if b.Documents[0].Source != "news" || b.Documents[0].URL != srv.URL+"/a" {
		t.Errorf("feed document %+v", b.Documents[0])
	}
	bs = fetchAll(t, f, Job{Source: "news", Kind: KindFeed, URL: srv.URL + "/feed", Validators: *b.Validators})
	if !bs[0].NotModified || len(bs[0].Documents) != 0 {
		t.Errorf("conditional feed fetch: %+v", bs[0])
	}

	// A web page URL: the batch names the feed it links to.
	bs = fetchAll(t, f, Job{Source: "page", Kind: KindFeed, URL: srv.URL + "/page"})
	if bs[0].ResolvedURL != srv.URL+"/feed" || len(bs[0].Documents) != 2 {
		t.Errorf("page: resolved %q, %d documents", bs[0].ResolvedURL, len(bs[0].Documents))
	}

	// full_text: the article of the item the job does not know is
	// fetched; the known one keeps its summary for the commit side.
	bs = fetchAll(t, f, Job{Source: "news", Kind: KindFeed, URL: srv.URL + "/feed", FullText: true, KnownItems: map[string]string{"guid:b": "id-b"}})
	docs := bs[0].Documents
	if !strings.Contains(docs[0].Body, "full text of the article") {
		t.Errorf("new item: body %q, want the article's text", docs[0].Body)
	}
	if docs[1].Body != "A summary." {
		t.Errorf("known item: body %q, want the feed's summary", docs[1].Body)
	}

	// A site: three pages; then, given their states, none changed.
	job := Job{Source: "site", Kind: KindSite, URL: srv.URL + "/site/", Crawl: Crawl{MaxDepth: 2, MaxPages: 100}}
	bs = fetchAll(t, f, job)
	pages := map[string]*PageState{}
	var n int
	for _, b := range bs {
		n += len(b.Documents)
		for u, p := range b.Pages {
			pages[u] = p
		}
	}
	if n != 3 || len(pages) != 3 {
		t.Fatalf("site: %d documents, %d page states, want 3 and 3", n, len(pages))
	}
	job.Pages = map[string]PageState{}
	for u, p := range pages {
		job.Pages[u] = *p
	}
	bs = fetchAll(t, f, job)
	last := bs[len(bs)-1]
	n = 0
	for _, b := range bs {
		n += len(b.Documents)
	}
	if n != 0 || last.Fetched != 3 {
		t.Errorf("site recrawl: %d documents, %d fetched, want 0 and 3 (unchanged)", n, last.Fetched)
	}

	if entries, err := os.ReadDir(empty); err != nil || len(entries) != 0 {
		t.Errorf("the fetch wrote to the working directory: %v %v", entries, err)
	}
}

// TestFetchStopsWhenCommitFails: an error from the commit side ends a
// site crawl and is what Fetch returns.
func TestFetchStopsWhenCommitFails(t *testing.T) {
	srv := newsServer(t)
	f := NewFetcher(Options{Transport: http.DefaultTransport, UserAgent: "test", Timeout: time.Minute, MaxBodyBytes: 1 << 20})
	full := fmt.Errorf("disk full")
	calls := 0
	err := f.Fetch(t.Context(), Job{Source: "site", Kind: KindSite, URL: srv.URL + "/site/", Crawl: Crawl{MaxDepth: 2, MaxPages: 100}},
		func(Batch) error { calls++; return full })
	if !errors.Is(err, full) || calls != 1 {
		t.Errorf("err %v after %d commits, want %v after 1", err, calls, full)
	}
	if err := f.Fetch(context.Background(), Job{Source: "x", Kind: "ftp"}, func(Batch) error { return nil }); err == nil ||
		!strings.Contains(err.Error(), `unknown kind "ftp"`) {
		t.Errorf("unknown kind: %v", err)
	}
}

// TestFetchSideImportsNoStorage: the fetch side cannot reach the data
// directory because it does not import the state store or a data
// directory package.
func TestFetchSideImportsNoStorage(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.Contains(path, "index/store") || strings.Contains(path, "bbolt") || strings.Contains(path, "datadir") {
				t.Errorf("%s imports %s: the fetch side must not touch storage", name, path)
			}
		}
	}
}
