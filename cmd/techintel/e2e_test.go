package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
	"github.com/techintel/techintel/cmd/techintel/internal/demoworld"
	"github.com/techintel/techintel/cmd/techintel/internal/engine"
	"github.com/techintel/techintel/index/digest"
)

// demoWorld serves the bundled world and writes a config for it; it
// returns the config path.
func demoWorld(tb testing.TB, listen string) (configPath string, world *httptest.Server) {
	tb.Helper()
	world = httptest.NewServer(demoworld.Handler(time.Now()))
	tb.Cleanup(world.Close)
	dir := tb.TempDir()
	configPath = filepath.Join(dir, "techintel.toml")
	text := demoworld.ConfigTOML(world.URL, filepath.Join(dir, "data"), listen)
	if err := os.WriteFile(configPath, []byte(text), 0o600); err != nil {
		tb.Fatal(err)
	}
	return configPath, world
}

// gathered runs every source of the config once and serves the API over
// the result.
func gathered(tb testing.TB, configPath string) (*engine.Gatherer, *httptest.Server, string) {
	tb.Helper()
	cfg, err := LoadConfig(configPath)
	if err != nil {
		tb.Fatal(err)
	}
	d, err := datadir.Open(cfg.DataDir)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	g, err := engine.NewGatherer(cfg.settings(), d, newLogger(io.Discard))
	if err != nil {
		tb.Fatal(err)
	}
	var out bytes.Buffer
	if err := crawlAndReport(context.Background(), g, nil, &out); err != nil {
		tb.Fatalf("crawl: %v\n%s", err, out.String())
	}
	srv := httptest.NewServer(apiHandler(g))
	tb.Cleanup(srv.Close)
	return g, srv, out.String()
}

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

// TestDemoWorldEndToEnd gathers the demo world (five feed formats and
// charsets and a crawled site) through the real fetchers, tagger and index,
// and checks what a user sees through the HTTP API.
func TestDemoWorldEndToEnd(t *testing.T) {
	configPath, _ := demoWorld(t, "127.0.0.1:0")
	g, srv, out := gathered(t, configPath)

	// Every example search of the demo answers as it promises.
	for _, ex := range demoworld.Examples() {
		t.Run(ex.Title, func(t *testing.T) {
			var res struct {
				Total int `json:"total"`
				Hits  []struct {
					Title string
					Also  []struct{ Source string }
				}
			}
			if status := getJSON(t, srv.URL+"/api/v1/search?"+ex.Values().Encode(), &res); status != 200 {
				t.Fatalf("status %d", status)
			}
			switch {
			case ex.Collapse:
				if len(res.Hits) != 1 || len(res.Hits[0].Also) != 1 || res.Total != 2 {
					t.Errorf("collapsed: total %d, hits %+v; want 2 documents as one hit with the other under also (%s)", res.Total, res.Hits, ex.Expect)
				}
			case strings.HasPrefix(ex.Expect, "no hits"):
				if res.Total != 0 {
					t.Errorf("total = %d, want 0 (%s): %+v", res.Total, ex.Expect, res.Hits)
				}
			case strings.HasPrefix(ex.Expect, "one hit"):
				if res.Total != 1 {
					t.Errorf("total = %d, want 1 (%s): %+v", res.Total, ex.Expect, res.Hits)
				}
			default:
				if res.Total == 0 {
					t.Errorf("no hits, want %s", ex.Expect)
				}
			}
		})
	}

	// The search page collapses stories by default and lists the other
	// sources; collapse=none shows every copy.
	for _, c := range []struct{ path, want, not string }{
		{"/?q=Xeon", "Also reported by", ""},
		{"/?q=Xeon&collapse=none", "Every copy shown", "Also reported by"},
	} {
		resp, err := http.Get(srv.URL + c.path)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(page), c.want) || (c.not != "" && strings.Contains(string(page), c.not)) {
			t.Errorf("GET %s: status %d; want %q and not %q in the page", c.path, resp.StatusCode, c.want, c.not)
		}
	}

	var xeon struct{ Hits []struct{ ID string } }
	getJSON(t, srv.URL+"/api/v1/search?q=Xeon&collapse=story", &xeon)
	if len(xeon.Hits) == 1 {
		resp, err := http.Get(srv.URL + "/documents/" + xeon.Hits[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(page), "The same story elsewhere") {
			t.Error("the document page does not list the story's other copy")
		}
	}

	// Facets and evidence.
	var res struct {
		Total  int
		Hits   []api.SourceStatus // only id is read below
		Facets struct {
			Components map[string]int
			Entities   map[string]int
			Sources    map[string]int
		}
	}
	var raw struct {
		Hits []struct {
			ID         string
			Components []string
			Entities   []string
		}
	}
	getJSON(t, srv.URL+"/api/v1/search?entity=Nokia&limit=100", &res)
	getJSON(t, srv.URL+"/api/v1/search?entity=Nokia&limit=100", &raw)
	if res.Total == 0 || res.Facets.Entities["Nokia"] != res.Total || res.Facets.Components["own"] != res.Total {
		t.Errorf("entity=Nokia: total %d, facets %+v", res.Total, res.Facets)
	}
	for _, c := range []string{"industry", "own", "alliances", "others"} {
		if _, ok := res.Facets.Components[c]; !ok {
			t.Errorf("components facet lacks %q", c)
		}
	}
	var doc struct {
		Body     string
		Evidence []struct{ Entity, Component, Matched, Field string }
	}
	if status := getJSON(t, srv.URL+"/api/v1/documents/"+raw.Hits[0].ID, &doc); status != 200 {
		t.Fatalf("document: status %d", status)
	}
	found := false
	for _, e := range doc.Evidence {
		if e.Entity == "Nokia" && e.Component == "own" && e.Matched != "" && (e.Field == "title" || e.Field == "body" || e.Field == "source") {
			found = true
		}
	}
	if !found || doc.Body == "" {
		t.Errorf("document evidence = %+v", doc.Evidence)
	}

	// Sources report their runs.
	var sources struct{ Sources []api.SourceStatus }
	getJSON(t, srv.URL+"/api/v1/sources", &sources)
	if len(sources.Sources) != len(g.Settings().Sources) {
		t.Fatalf("sources = %+v", sources)
	}
	for _, s := range sources.Sources {
		if s.LastSuccess == nil || s.LastError != "" || s.Documents == 0 {
			t.Errorf("source %s: %+v", s.Name, s)
		}
	}

	// Entities, timelines, the matrix and the digest see the same world.
	var ents struct{ Entities []api.EntityStatus }
	getJSON(t, srv.URL+"/api/v1/entities", &ents)
	if len(ents.Entities) != len(g.Settings().Watch) || ents.Entities[0].Documents == 0 {
		t.Errorf("entities = %+v", ents)
	}
	var tl api.Timeline
	if status := getJSON(t, srv.URL+"/api/v1/entities/Nokia/timeline?weeks=4", &tl); status != 200 || len(tl.Weeks) != 4 {
		t.Errorf("timeline: %d %+v", status, tl)
	}
	sum := 0
	for _, w := range tl.Weeks {
		sum += w.Count
	}
	if sum == 0 {
		t.Errorf("Nokia timeline is empty: %+v", tl)
	}
	var m api.Matrix
	getJSON(t, srv.URL+"/api/v1/matrix", &m)
	if len(m.Counts) != len(g.Settings().Watch) || len(m.Technologies) != len(g.Settings().Technologies) {
		t.Errorf("matrix shape: %+v", m)
	}
	var dg struct {
		Week       string
		Components map[string]struct{ Count int }
		Entities   []struct {
			Name          string
			Count         int
			PreviousCount int `json:"previous_count"`
		}
	}
	if status := getJSON(t, srv.URL+"/api/v1/digest", &dg); status != 200 {
		t.Fatalf("digest status %d", status)
	}
	total := 0
	for _, c := range dg.Components {
		total += c.Count
	}
	if total == 0 || len(dg.Entities) != len(g.Settings().Watch) {
		t.Errorf("digest of %s: %+v", dg.Week, dg)
	}
	for _, bad := range []string{"week=2026-47", "week=2026-W60", "format=pdf"} {
		var e map[string]any
		if status := getJSON(t, srv.URL+"/api/v1/digest?"+bad, &e); status != 400 {
			t.Errorf("digest?%s: status %d", bad, status)
		}
	}

	// A second gather finds nothing new and writes nothing.
	var again bytes.Buffer
	if err := crawlAndReport(context.Background(), g, nil, &again); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(again.String(), "new 0, updated 0, failed 0") {
		t.Errorf("second gather:\n%s\nfirst gather:\n%s", again.String(), out)
	}
}

func TestCrawlCommandReportsFailedSources(t *testing.T) {
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	}))
	defer broken.Close()
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Nokia news</title><link>https://news.example/a</link><description>Nokia did a thing.</description></item>
</channel></rss>`)
	}))
	defer ok.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "c.toml")
	cfg := fmt.Sprintf(`data_dir = "data"
[http]
allow_private_networks = true
timeout = "1m"
[[watch]]
name = "Nokia"
role = "own"
[[sources]]
name = "broken"
type = "feed"
url = "%s/feed"
[[sources]]
name = "good"
type = "feed"
url = "%s/feed"
`, broken.URL, ok.URL)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"crawl", "-config", path}, &stdout, &stderr)
	if code != exitFailure {
		t.Fatalf("exit code %d, want %d\n%s%s", code, exitFailure, stdout.String(), stderr.String())
	}
	if !strings.Contains(stderr.String(), "1 of 2 sources failed: broken") || !strings.Contains(stderr.String(), "503") {
		t.Errorf("stderr does not say which source failed and why:\n%s", stderr.String())
	}
	if !strings.Contains(stdout.String(), "fetched 1, new 1") {
		t.Errorf("the good source did not run:\n%s", stdout.String())
	}

	// The search command finds what the good source brought.
	stdout.Reset()
	if code := run(context.Background(), []string{"search", "-config", path, "-component", "own", "nokia"}, &stdout, &stderr); code != 0 {
		t.Fatalf("search: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "1 result (") || !strings.Contains(stdout.String(), "Nokia news") {
		t.Errorf("search output:\n%s", stdout.String())
	}

	// The digest of this week counts the item (it has no date, so it is
	// published when first fetched).
	stdout.Reset()
	week := digest.WeekOf(time.Now())
	if code := run(context.Background(), []string{"digest", "-config", path, "-week", week, "-format", "markdown"}, &stdout, &stderr); code != 0 {
		t.Fatalf("digest: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "Nokia news") || !strings.Contains(stdout.String(), "| Nokia | own | 1 |") {
		t.Errorf("digest output:\n%s", stdout.String())
	}
	if code := run(context.Background(), []string{"digest", "-config", path, "-week", "2026-47"}, &stdout, &stderr); code != exitUsage {
		t.Errorf("bad week: exit %d", code)
	}

	// Subscriptions work on the data directory directly too.
	stdout.Reset()
	if code := run(context.Background(), []string{"subscriptions", "add", "-config", path, "-name", "own news", "-component", "own"}, &stdout, &stderr); code != 0 {
		t.Fatalf("subscriptions add: exit %d: %s", code, stderr.String())
	}
	id := strings.TrimSuffix(strings.TrimPrefix(stdout.String(), "subscription "), " created\n")
	if code := run(context.Background(), []string{"subscriptions", "rm", "-config", path, id}, &stdout, &stderr); code != 0 {
		t.Errorf("subscriptions rm: exit %d: %s", code, stderr.String())
	}
	if code := run(context.Background(), []string{"subscriptions", "rm", "-config", path, id}, &stdout, &stderr); code != exitUsage {
		t.Errorf("subscriptions rm of a deleted id: exit %d", code)
	}

	// A watch list change reaches stored documents with retag.
	cfgText, _ := os.ReadFile(path)
	os.WriteFile(path, append(cfgText, "[[technologies]]\nname = \"Thing\"\n"...), 0o600)
	stdout.Reset()
	if code := run(context.Background(), []string{"retag", "-config", path}, &stdout, &stderr); code != 0 {
		t.Fatalf("retag: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "retagged 1 of 1 documents") {
		t.Errorf("retag output: %s", stdout.String())
	}
	stdout.Reset()
	run(context.Background(), []string{"search", "-config", path, "-technology", "Thing", "-json"}, &stdout, &stderr)
	if !strings.Contains(stdout.String(), `"total": 1`) {
		t.Errorf("after retag, technology=Thing finds: %s", stdout.String())
	}
}

func TestConfigErrorExitsWithCode2(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.toml")
	os.WriteFile(path, []byte("[[watch]]\nname = \"X\"\nrole = \"friend\"\n"), 0o600)
	var stdout, stderr bytes.Buffer
	for _, cmd := range []string{"serve", "crawl", "search"} {
		code := run(context.Background(), []string{cmd, "-config", path, "x"}, &stdout, &stderr)
		if code != exitUsage {
			t.Errorf("%s: exit %d, want %d", cmd, code, exitUsage)
		}
	}
	if !strings.Contains(stderr.String(), `watch[0] (X).role: unknown role "friend"`) {
		t.Errorf("stderr = %s", stderr.String())
	}
}

// freePort returns a loopback address nobody listens on.
func freePort(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestServeBesideOtherCommands runs serve, checks that search works beside
// it (through its API) and crawl fails at once with a clear message, then
// stops serve as SIGTERM would and checks that it exits 0 and releases the
// data directory.
func TestServeBesideOtherCommands(t *testing.T) {
	listen := freePort(t)
	configPath, _ := demoWorld(t, listen)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var serveOut, serveErr bytes.Buffer
	done := make(chan int)
	go func() { done <- run(ctx, []string{"serve", "-config", configPath}, &serveOut, &serveErr) }()

	// Wait until the scheduler's catch-up runs have indexed something.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var res struct{ Total int }
		resp, err := http.Get("http://" + listen + "/api/v1/search?q=nokia")
		if err == nil {
			json.NewDecoder(resp.Body).Decode(&res)
			resp.Body.Close()
			if res.Total > 0 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve never answered with results: %v\n%s", err, serveErr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}

	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"search", "-config", configPath, "-json", "nokia"}, &stdout, &stderr); code != 0 {
		t.Errorf("search beside serve: exit %d: %s", code, stderr.String())
	} else if !strings.Contains(stdout.String(), `"total"`) {
		t.Errorf("search beside serve printed %s", stdout.String())
	}
	// The sources are listed beside serve, through its API.
	stdout.Reset()
	if code := run(context.Background(), []string{"sources", "-config", configPath}, &stdout, &stderr); code != 0 {
		t.Errorf("sources beside serve: exit %d: %s", code, stderr.String())
	} else if !strings.Contains(stdout.String(), "NAME") || strings.Count(stdout.String(), "\n") < 2 {
		t.Errorf("sources beside serve printed %s", stdout.String())
	}
	// Subscriptions can be managed beside serve, through its API.
	stdout.Reset()
	if code := run(context.Background(), []string{"subscriptions", "add", "-config", configPath, "-name", "ran", "-entity", "Nokia", "open ran"}, &stdout, &stderr); code != 0 {
		t.Errorf("subscriptions add beside serve: exit %d: %s", code, stderr.String())
	}
	id := strings.TrimSuffix(strings.TrimPrefix(stdout.String(), "subscription "), " created\n")
	stdout.Reset()
	run(context.Background(), []string{"subscriptions", "list", "-config", configPath}, &stdout, &stderr)
	if !strings.Contains(stdout.String(), id) || !strings.Contains(stdout.String(), "open ran") {
		t.Errorf("subscriptions list beside serve:\n%s", stdout.String())
	}
	if code := run(context.Background(), []string{"subscriptions", "add", "-config", configPath, "-name", "bad", "nokia)"}, &stdout, &stderr); code != exitUsage {
		t.Errorf("bad subscription beside serve: exit %d", code)
	}
	if code := run(context.Background(), []string{"subscriptions", "rm", "-config", configPath, id}, &stdout, &stderr); code != 0 {
		t.Errorf("subscriptions rm beside serve: exit %d: %s", code, stderr.String())
	}

	stderr.Reset()
	start := time.Now()
	if code := run(context.Background(), []string{"crawl", "-config", configPath}, &stdout, &stderr); code == 0 {
		t.Error("crawl beside serve succeeded; it must refuse")
	}
	// The lock is taken without waiting; the bound is only a generous
	// deadline for a busy machine, far below a lock wait's.
	if !strings.Contains(stderr.String(), "locked by another techintel process (PID") || time.Since(start) > time.Minute {
		t.Errorf("crawl beside serve: %s (after %v)", stderr.String(), time.Since(start))
	}

	cancel() // what SIGTERM does through signal.NotifyContext
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d\n%s", code, serveErr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	cfg, _ := LoadConfig(configPath)
	d, err := datadir.Open(cfg.DataDir)
	if err != nil {
		t.Fatalf("data directory not released: %v", err)
	}
	defer d.Close()
	if n, _ := d.Index.Count(); n == 0 {
		t.Error("index empty after restart")
	}
}
