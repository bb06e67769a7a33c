package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSourcesImportExportRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.toml")
	os.WriteFile(path, []byte(minimalConfig), 0o600)
	opml := filepath.Join(dir, "in.opml")
	os.WriteFile(opml, []byte(`<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>
<outline text="Telecom">
  <outline type="rss" text="Light Reading" xmlUrl="https://www.lightreading.example/rss.xml" htmlUrl="https://www.lightreading.example/"/>
  <outline type="rss" text="News" xmlUrl="https://example.com/feed.xml"/>
</outline>
<outline type="rss" text="Light Reading" xmlUrl="https://other.example/feed"/>
</body></opml>`), 0o600)
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"sources", "import", "-config", path, opml}, &stdout, &stderr); code != 0 {
		t.Fatalf("import: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "appended 2 feed sources") {
		t.Errorf("import said %q (the config's own feed must be skipped)", stdout.String())
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatalf("config after import: %v", err)
	}
	names := []string{}
	for _, s := range cfg.Sources {
		names = append(names, s.Name)
	}
	if fmt.Sprint(names) != "[news light-reading light-reading-2]" {
		t.Errorf("sources after import: %v", names)
	}
	// Importing again adds nothing.
	stdout.Reset()
	run(context.Background(), []string{"sources", "import", "-config", path, opml}, &stdout, &stderr)
	if !strings.Contains(stdout.String(), "nothing to import") {
		t.Errorf("second import: %s", stdout.String())
	}
	stdout.Reset()
	if code := run(context.Background(), []string{"sources", "export", "-config", path}, &stdout, &stderr); code != 0 {
		t.Fatalf("export: exit %d: %s", code, stderr.String())
	}
	for _, u := range []string{"https://example.com/feed.xml", "https://www.lightreading.example/rss.xml", "https://other.example/feed"} {
		if !strings.Contains(stdout.String(), u) {
			t.Errorf("export lacks %s:\n%s", u, stdout.String())
		}
	}

	// The health table lists every source, never run yet.
	stdout.Reset()
	if code := run(context.Background(), []string{"sources", "-config", path}, &stdout, &stderr); code != 0 {
		t.Fatalf("sources: exit %d: %s", code, stderr.String())
	}
	if strings.Count(stdout.String(), "never") < 3 || !strings.Contains(stdout.String(), "light-reading-2") {
		t.Errorf("sources table:\n%s", stdout.String())
	}
}

func TestSourcesDiscover(t *testing.T) {
	var base string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<html><head><link rel="alternate" type="application/rss+xml" title="News" href="/feed.xml"></head><body>hi</body></html>`)
		case "/feed.xml":
			w.Header().Set("Content-Type", "application/rss+xml")
			io.WriteString(w, rssOneItem)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	base = srv.URL
	path := filepath.Join(t.TempDir(), "c.toml")
	os.WriteFile(path, []byte("[http]\nallow_private_networks = true\n"), 0o600)
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"sources", "discover", "-config", path, base + "/"}, &stdout, &stderr); code != 0 {
		t.Fatalf("discover: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "feed: "+base+"/feed.xml") {
		t.Errorf("discover printed:\n%s", stdout.String())
	}
	// Without the config, the loopback page is refused.
	if code := run(context.Background(), []string{"sources", "discover", base + "/"}, &stdout, &stderr); code == 0 {
		t.Error("discover reached a loopback address by default")
	}
	// Schemes other than http(s) can be neither configured nor discovered
	// (the engine's TestGuardRechecksRedirects covers the fetch paths).
	for _, u := range []string{"file:///etc/passwd", "gopher://example.com/", "ftp://example.com/feed", "javascript:alert(1)", "//example.com/feed"} {
		if _, err := ParseConfig(fmt.Sprintf("[[sources]]\nname = \"s\"\ntype = \"feed\"\nurl = %q\n", u)); err == nil || !strings.Contains(err.Error(), "not an absolute http or https URL") {
			t.Errorf("source url %s: %v", u, err)
		}
	}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"sources", "discover", "file:///etc/passwd"}, &out, &errOut); code == 0 || !strings.Contains(errOut.String(), "file") {
		t.Errorf("discover file: exit %d, %q", code, errOut.String())
	}
}

// TestFeedSourceThatIsAWebPage: a feed source whose URL is the site's
// home page is read through the feed the page links to.
func TestFeedSourceThatIsAWebPage(t *testing.T) {
	t.Parallel() // mostly waits for servers and child processes
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, `<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml"></head><body>home</body></html>`)
		case "/feed.xml":
			w.Header().Set("Content-Type", "application/rss+xml")
			io.WriteString(w, rssOneItem)
		}
	}))
	defer srv.Close()
	g := newTestGatherer(t, fmt.Sprintf("[http]\nallow_private_networks = true\n[[sources]]\nname = \"home\"\ntype = \"feed\"\nurl = \"%s/\"\n", srv.URL))
	for i := range 2 {
		res, err := g.RunSource(context.Background(), "home")
		if err != nil || res.Fetched != 1 {
			t.Fatalf("run %d: %+v %v", i, res, err)
		}
	}
	if st, _ := g.Store().Source("home"); st.ResolvedURL != srv.URL+"/feed.xml" {
		t.Errorf("resolved url = %q", st.ResolvedURL)
	}
}
