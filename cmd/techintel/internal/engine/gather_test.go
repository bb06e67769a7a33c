package engine

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/index"
)

// newTestGatherer opens a gatherer over a data directory in a temp dir,
// on testSettings with private networks refused (the configuration's
// default) as set changes them.
func newTestGatherer(tb testing.TB, set func(*Settings)) *Gatherer {
	tb.Helper()
	cfg := testSettings(tb)
	cfg.HTTP.AllowPrivateNetworks = false
	set(cfg)
	return openTestGatherer(tb, cfg)
}

// feedSource is a feed source on the configuration's default schedule.
func feedSource(name, url string) Source {
	return Source{Name: name, Type: SourceFeed, URL: url, Schedule: "@every 1h"}
}

// siteSource is a site source crawled without delay to maxDepth, the
// other crawl settings the configuration's defaults.
func siteSource(name, url string, maxDepth int) Source {
	return Source{Name: name, Type: SourceSite, URL: url, Schedule: "@every 12h",
		Crawl: &Crawl{MaxDepth: maxDepth, MaxPages: 500}}
}

// nokia is a watch list of one: Nokia, our own company.
func nokia() []Watch { return []Watch{{Name: "Nokia", Role: "own"}} }

// apiHandler is the API over g as serve builds it, without tokens.
func apiHandler(g *Gatherer) http.Handler { return api.New(g.APIOptions(nil)) }

// TestFlappingSourceBacksOffAndRecovers: failures are recorded with a
// growing backoff (Retry-After honoured), and a success resets them.
func TestFlappingSourceBacksOffAndRecovers(t *testing.T) {
	var fail atomic.Bool
	fail.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			w.Header().Set("Retry-After", "600")
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, rssOneItem)
	}))
	defer srv.Close()
	g := newTestGatherer(t, func(cfg *Settings) {
		cfg.HTTP.AllowPrivateNetworks = true
		cfg.Watch = nokia()
		cfg.Sources = []Source{feedSource("flappy", srv.URL+"/feed")}
	})
	ctx := context.Background()
	for i := 1; i <= 2; i++ {
		if _, err := g.RunSource(ctx, "flappy"); err == nil {
			t.Fatal("run against a 503 succeeded")
		}
		st, _ := g.Store().Source("flappy")
		if st.ConsecutiveFailures != i || st.LastError == "" {
			t.Fatalf("after failure %d: %+v", i, st)
		}
		if wait := time.Until(st.BackoffUntil); wait < 9*time.Minute {
			t.Errorf("after failure %d: backoff %v, want at least the 10m Retry-After", i, wait)
		}
	}
	fail.Store(false)
	res, err := g.RunSource(ctx, "flappy")
	if err != nil || res.New != 1 {
		t.Fatalf("recovery run: %+v, %v", res, err)
	}
	st, _ := g.Store().Source("flappy")
	if st.ConsecutiveFailures != 0 || st.LastError != "" || !st.BackoffUntil.IsZero() || st.LastSuccess.IsZero() {
		t.Errorf("after recovery: %+v", st)
	}
}

// TestRefusesPrivateNetworksByDefault: without allow_private_networks a
// loopback source fails with a message that says why and how to allow it.
func TestRefusesPrivateNetworksByDefault(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the guarded transport reached a loopback server")
	}))
	defer srv.Close()
	g := newTestGatherer(t, func(cfg *Settings) {
		cfg.Sources = []Source{feedSource("local", srv.URL+"/feed")}
	})
	_, err := g.RunSource(context.Background(), "local")
	if err == nil || !strings.Contains(err.Error(), "allow_private_networks") {
		t.Fatalf("err = %v", err)
	}
}

// TestSubscriptionAlertsOnNewDocumentsOnce: a subscription alerts on
// matching documents first indexed after it was created, once each, even
// when they are fetched and updated again; older documents never alert.
func TestSubscriptionAlertsOnNewDocumentsOnce(t *testing.T) {
	var items atomic.Value
	items.Store(`<item><title>Nokia old news</title><link>https://news.example/old</link><description>Nokia radios.</description></item>`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>%s</channel></rss>`, items.Load())
	}))
	defer srv.Close()
	g := newTestGatherer(t, func(cfg *Settings) {
		cfg.HTTP.AllowPrivateNetworks = true
		cfg.Watch = []Watch{{Name: "Nokia", Role: "own"}, {Name: "Ericsson", Role: "competitor"}}
		cfg.Sources = []Source{feedSource("news", srv.URL+"/feed")}
	})
	api := httptest.NewServer(apiHandler(g))
	defer api.Close()
	ctx := context.Background()
	if _, err := g.RunSource(ctx, "news"); err != nil {
		t.Fatal(err)
	}

	status, body := doJSON(t, "POST", api.URL+"/api/v1/subscriptions", `{"name": "nokia radios", "query": "radio", "entities": ["Nokia"]}`)
	if status != 201 {
		t.Fatalf("create: %d %v", status, body)
	}
	subID := body["id"].(string)
	for _, bad := range []string{
		`{"name": "x", "query": "radio)"}`, `{"name": "x", "query": "foo:bar"}`, `{"name": "x", "technologies": ["Warp drive"]}`, `{"name": "x", "sources": ["nope"]}`, `{"name": "x", "query": "a", "since": "soon"}`, `{"name": "x"}`, `{"query": "x"}`, `{"name": "x", "query": "a", "extra": 1}`,
		`{"name": "x", "entities": ["Nokla"]}`, `{"name": "x", "components": ["friends"]}`, `not json`,
	} {
		if status, body := doJSON(t, "POST", api.URL+"/api/v1/subscriptions", bad); status != 400 {
			t.Errorf("create %s: status %d %v, want 400", bad, status, body)
		}
	}

	// Preview: what the subscription would have matched, week by week.
	status, body = doJSON(t, "POST", api.URL+"/api/v1/subscriptions/preview", `{"query": "radio"}`)
	if status != 200 || len(body["weeks"].([]any)) != 8 || len(body["examples"].([]any)) != 1 {
		t.Errorf("preview: %d %v", status, body)
	}
	if status, _ := doJSON(t, "POST", api.URL+"/api/v1/subscriptions/preview", `{"query": "(radio"}`); status != 400 {
		t.Errorf("preview of a bad query: %d", status)
	}
	// Backfill: alerts for what is already there.
	status, body = doJSON(t, "POST", api.URL+"/api/v1/subscriptions", `{"name": "backfilled", "query": "radio", "backfill": true}`)
	if status != 201 {
		t.Fatalf("create with backfill: %d %v", status, body)
	}
	_, alertsBody := doJSON(t, "GET", api.URL+"/api/v1/alerts?subscription="+body["id"].(string), "")
	if n := len(alertsBody["alerts"].([]any)); n != 1 {
		t.Errorf("backfill raised %d alerts, want 1: %v", n, alertsBody)
	}

	time.Sleep(10 * time.Millisecond) // documents below are first fetched after the subscription
	items.Store(items.Load().(string) +
		`<item><title>Nokia ships new radios</title><link>https://news.example/new</link><description>Nokia radio units ship.</description></item>` +
		`<item><title>Ericsson ships radios</title><link>https://news.example/other</link><description>Ericsson radio units.</description></item>`)
	if _, err := g.RunSource(ctx, "news"); err != nil {
		t.Fatal(err)
	}
	// Updated content: still one alert.
	items.Store(strings.Replace(items.Load().(string), "Nokia radio units ship.", "Nokia radio units ship in May.", 1))
	if res, err := g.RunSource(ctx, "news"); err != nil || res.Updated != 1 {
		t.Fatalf("third run: %+v %v", res, err)
	}

	_, body = doJSON(t, "GET", api.URL+"/api/v1/alerts?subscription="+subID, "")
	alerts := body["alerts"].([]any)
	if len(alerts) != 1 {
		t.Fatalf("alerts = %v", body)
	}
	doc := alerts[0].(map[string]any)["document"].(map[string]any)
	if doc["url"] != "https://news.example/new" {
		t.Errorf("alert for %v", doc["url"])
	}
	resp, err := http.Get(api.URL + "/api/v1/subscriptions/" + subID + "/feed.atom")
	if err != nil {
		t.Fatal(err)
	}
	atom, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var feed struct {
		Entries []struct {
			Title string `xml:"title"`
			Link  struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(atom, &feed); err != nil || resp.Header.Get("Content-Type") != "application/atom+xml; charset=utf-8" {
		t.Fatalf("atom feed: %v %s", err, atom)
	}
	if len(feed.Entries) != 1 || feed.Entries[0].Link.Href != "https://news.example/new" || feed.Entries[0].Title != "Nokia ships new radios" {
		t.Errorf("atom entries = %+v", feed.Entries)
	}
	// A document gone from the index (retention dropped its partition):
	// its alert still shows the title and URL kept as it left, nothing
	// more.
	if _, err := g.Index().DropBefore(time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	status, body = doJSON(t, "GET", api.URL+"/api/v1/alerts?subscription="+subID, "")
	if alerts, _ := body["alerts"].([]any); status != 200 || len(alerts) != 1 {
		t.Fatalf("alerts after the document left the index: %d %v", status, body)
	}
	gone := body["alerts"].([]any)[0].(map[string]any)["document"].(map[string]any)
	if gone["url"] != "https://news.example/new" || gone["title"] != "Nokia ships new radios" || gone["id"] != doc["id"] || gone["snippet"] != "" {
		t.Errorf("alert of a gone document: %v", gone)
	}
	if status, _ := doJSON(t, "DELETE", api.URL+"/api/v1/subscriptions/"+subID, ""); status != 204 {
		t.Errorf("delete: %d", status)
	}
	if status, _ := doJSON(t, "GET", api.URL+"/api/v1/subscriptions/"+subID, ""); status != 404 {
		t.Errorf("get after delete: %d", status)
	}
}

// getJSON decodes the answer to a GET of url into v and returns its
// status.
func getJSON(tb testing.TB, url string, v any) int {
	tb.Helper()
	resp, err := http.Get(url)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		tb.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode
}

func doJSON(tb testing.TB, method, url, body string) (int, map[string]any) {
	tb.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// TestSiteRecrawl: a second crawl of an unchanged site writes nothing; a
// changed page is updated in place; a vanished page is marked gone, not
// deleted.
func TestSiteRecrawl(t *testing.T) {
	var mu sync.Mutex
	pages := map[string]string{
		"/":       `<html><head><title>News | Site</title></head><body><main><h1>News</h1><p>Latest: <a href="/a">a</a> <a href="/b">b</a></p></main></body></html>`,
		"/a":      `<html><head><title>Nokia opens a lab | Site</title></head><body><article><h1>Nokia opens a lab</h1><p>Nokia opened an Open RAN lab in Dallas for partners to test radios and software together.</p></article></body></html>`,
		"/b":      `<html><head><title>Ericsson ships radios | Site</title></head><body><article><h1>Ericsson ships radios</h1><p>Ericsson shipped new massive MIMO radios to an operator in Germany this week.</p></article></body></html>`,
		"/robots": "",
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		body, ok := pages[r.URL.Path]
		mu.Unlock()
		if r.URL.Path == "/robots.txt" {
			io.WriteString(w, "User-agent: *\nAllow: /\n")
			return
		}
		if !ok {
			http.NotFound(w, r)
			return
		}
		etag := fmt.Sprintf(`"%x"`, len(body))
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, body)
	}))
	defer srv.Close()
	g := newTestGatherer(t, func(cfg *Settings) {
		cfg.HTTP.AllowPrivateNetworks = true
		cfg.Watch = nokia()
		cfg.Sources = []Source{siteSource("site", srv.URL+"/", 2)}
	})
	ctx := context.Background()
	run := func() api.RunResult {
		t.Helper()
		res, err := g.RunSource(ctx, "site")
		if err != nil {
			t.Fatalf("run: %v (%+v)", err, res)
		}
		return res
	}
	if res := run(); res.New != 3 {
		t.Fatalf("first crawl: %+v", res)
	}
	if res := run(); res.New != 0 || res.Updated != 0 || res.Gone != 0 {
		t.Errorf("unchanged recrawl: %+v", res)
	}
	mu.Lock()
	pages["/a"] = strings.Replace(pages["/a"], "in Dallas", "in Dallas and Espoo", 1)
	delete(pages, "/b")
	mu.Unlock()
	res := run()
	if res.New != 0 || res.Updated != 1 || res.Gone != 1 {
		t.Errorf("changed recrawl: %+v", res)
	}
	u, _ := index.CanonicalURL(srv.URL + "/b")
	d, err := g.Index().Get(ctx, index.DocID(u))
	if err != nil || d.Gone.IsZero() {
		t.Errorf("vanished page: %+v, %v", d, err)
	}
	ua, _ := index.CanonicalURL(srv.URL + "/a")
	if d, _ := g.Index().Get(ctx, index.DocID(ua)); !strings.Contains(d.Body, "Espoo") || d.Updated.Before(d.Fetched) {
		t.Errorf("changed page: %+v", d)
	}
	// The change is in the page's history, with the text lengths.
	h, err := g.Store().PageHistory("site", ua)
	if err != nil || len(h) != 1 || h[0].NewLength != h[0].OldLength+len(" and Espoo") || h[0].At.IsZero() {
		t.Errorf("history of the changed page = %+v, %v", h, err)
	}
	// The document page shows it.
	api := httptest.NewServer(apiHandler(g))
	defer api.Close()
	resp, err := http.Get(api.URL + "/documents/" + index.DocID(ua))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "Change history") {
		t.Errorf("the document page of a changed page shows no change history (status %d)", resp.StatusCode)
	}
}

// TestFullTextFeed: with full_text, a new item is indexed with its page's
// article text (without the page's sidebar), fetched once.
func TestFullTextFeed(t *testing.T) {
	var pageHits atomic.Int32
	var base string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/feed":
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Nokia opens a lab</title><link>%s/news/lab</link><description>Short summary.</description></item>
</channel></rss>`, base)
		case "/news/lab":
			pageHits.Add(1)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, `<html><head><title>Nokia opens a lab | Example News</title><meta property="og:site_name" content="Example News"></head><body>
<nav><a href="/">Home</a></nav>
<article><h1>Nokia opens a lab</h1>
<p>Nokia opened an Open RAN integration lab in Dallas on Tuesday, inviting radio and software partners to validate their products against its cloud RAN stack.</p>
<p>The lab will run interoperability plugfests every quarter, the company said, and results will be shared with operators evaluating multi-vendor deployments.</p>
<p>Partners can book test slots online, and the first plugfest is planned for the spring with a dozen vendors already registered.</p></article>
<aside><h2>Related news</h2><p>Huawei unveils new radios</p></aside>
<footer>Copyright Example News</footer></body></html>`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	base = srv.URL
	g := newTestGatherer(t, func(cfg *Settings) {
		cfg.HTTP.AllowPrivateNetworks = true
		cfg.Watch = []Watch{{Name: "Huawei", Role: "competitor"}}
		src := feedSource("news", srv.URL+"/feed")
		src.FullText = true
		cfg.Sources = []Source{src}
	})
	ctx := context.Background()
	res, err := g.RunSource(ctx, "news")
	if err != nil || res.New != 1 {
		t.Fatalf("run: %+v %v", res, err)
	}
	u, _ := index.CanonicalURL(srv.URL + "/news/lab")
	d, err := g.Index().Get(ctx, index.DocID(u))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d.Body, "plugfests") || strings.Contains(d.Body, "Huawei") || len(d.Entities) != 0 {
		t.Errorf("full text body = %q, entities %v", d.Body, d.Entities)
	}
	if res, err := g.RunSource(ctx, "news"); err != nil || res.Updated != 0 {
		t.Fatalf("second run: %+v %v", res, err)
	}
	if d, _ := g.Index().Get(ctx, index.DocID(u)); !strings.Contains(d.Body, "plugfests") {
		t.Errorf("second run replaced the article text with the summary: %q", d.Body)
	}
	if n := pageHits.Load(); n != 1 {
		t.Errorf("article fetched %d times, want once", n)
	}
}

// TestWaitingForTheIndexFreesTheHostSlot: a run that has fetched its feed
// and waits for the index to write it gives up its host's slot, so the
// next source of that host fetches meanwhile (with one run per host, it
// could not before the first run ended).
func TestWaitingForTheIndexFreesTheHostSlot(t *testing.T) {
	var mu sync.Mutex
	requested := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requested[r.URL.Path] = true
		mu.Unlock()
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, strings.Replace(rssOneItem, "news.example/a", "news.example"+r.URL.Path, 1))
	}))
	defer srv.Close()
	cfg := testSettings(t)
	cfg.HTTP.MaxRunsPerHost = 1
	cfg.Sources = []Source{{Name: "a", Type: SourceFeed, URL: srv.URL + "/a"}, {Name: "b", Type: SourceFeed, URL: srv.URL + "/b"}}
	g := openTestGatherer(t, cfg)

	g.gate.Lock() // what writes the index waits (a backup holds it so)
	locked := true
	defer func() {
		if locked {
			g.gate.Unlock()
		}
	}()
	errs := make(chan error, 2)
	go func() {
		_, err := g.RunSource(context.Background(), "a")
		errs <- err
	}()
	waitFor(t, func() bool { // a has fetched and waits for the index
		g.group.mu.Lock()
		defer g.group.mu.Unlock()
		return g.group.leading
	})
	go func() {
		_, err := g.RunSource(context.Background(), "b")
		errs <- err
	}()
	waitFor(t, func() bool { // b fetches while a still waits
		mu.Lock()
		defer mu.Unlock()
		return requested["/b"]
	})
	g.gate.Unlock()
	locked = false
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	n, err := g.index.Count()
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d documents indexed, want 2", n)
	}
}
