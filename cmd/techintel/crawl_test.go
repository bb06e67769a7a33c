package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCrawlRunsSourcesAtOnce: crawl runs its sources concurrently, as
// serve does. The first source's feed answers only once the second's has
// been asked for, which a crawl running one source after the other never
// does; its output still lists the sources in config order.
func TestCrawlRunsSourcesAtOnce(t *testing.T) {
	secondAsked := make(chan struct{})
	feed := func(title string) string {
		return fmt.Sprintf(`<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>%s</title><link>https://news.example/%s</link><description>Nokia did %s.</description></item>
</channel></rss>`, title, strings.ReplaceAll(title, " ", "-"), title)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		switch r.URL.Path {
		case "/first":
			select {
			case <-secondAsked:
			case <-time.After(time.Minute): // a generous deadline: sequential runs end here
				http.Error(w, "the second source was never asked for while the first ran", http.StatusGatewayTimeout)
				return
			}
			fmt.Fprint(w, feed("first thing"))
		case "/second":
			close(secondAsked)
			fmt.Fprint(w, feed("second thing"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "c.toml")
	cfg := fmt.Sprintf(`data_dir = "data"
[http]
allow_private_networks = true
timeout = "2m"
[[watch]]
name = "Nokia"
role = "own"
[[sources]]
name = "first"
type = "feed"
url = "%s/first"
[[sources]]
name = "second"
type = "feed"
url = "%s/second"
`, srv.URL, srv.URL)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"crawl", "-config", path}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit code %d\n%s%s", code, stdout.String(), stderr.String())
	}
	out := stdout.String()
	first, second := strings.Index(out, "first (feed)"), strings.Index(out, "second (feed)")
	if first < 0 || second < first || strings.Count(out, "fetched 1, new 1") != 2 {
		t.Errorf("want both sources, in config order, each fetching its item:\n%s", out)
	}
}

// TestCrawlCPUProfile: -cpuprofile writes a profile of the crawl, and a
// path that cannot be written fails before anything runs, naming the
// flag.
func TestCrawlCPUProfile(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<rss version="2.0"><channel><title>t</title><item><title>a</title><link>https://news.example/a</link></item></channel></rss>`)
	}))
	defer srv.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "c.toml")
	cfg := fmt.Sprintf("data_dir = \"data\"\n[http]\nallow_private_networks = true\n[[sources]]\nname = \"f\"\ntype = \"feed\"\nurl = \"%s/f\"\n", srv.URL)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	prof := filepath.Join(dir, "crawl.pprof")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"crawl", "-config", path, "-cpuprofile", prof}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit code %d\n%s%s", code, stdout.String(), stderr.String())
	}
	if fi, err := os.Stat(prof); err != nil || fi.Size() == 0 {
		t.Errorf("profile: %v, %v", fi, err)
	}
	stdout.Reset()
	stderr.Reset()
	bad := filepath.Join(dir, "no-such-dir", "crawl.pprof")
	if code := run(context.Background(), []string{"crawl", "-config", path, "-cpuprofile", bad}, &stdout, &stderr); code == 0 ||
		!strings.Contains(stderr.String(), "-cpuprofile") {
		t.Errorf("exit code %d for an unwritable profile; stderr %q", code, stderr.String())
	}
}
