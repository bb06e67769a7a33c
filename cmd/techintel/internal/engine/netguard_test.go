package engine

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/techintel/techintel/cmd/techintel/internal/netguard"
	"github.com/techintel/techintel/feeds"
)

// target is a loopback server that counts the requests reaching it.
type target struct {
	*httptest.Server
	hits atomic.Int64
}

func newTarget(t *testing.T, h http.HandlerFunc) *target {
	t.Helper()
	tg := &target{}
	tg.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tg.hits.Add(1)
		if h != nil {
			h(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, rssOneItem)
	}))
	t.Cleanup(tg.Close)
	return tg
}

func (tg *target) port() string { return tg.URL[strings.LastIndexByte(tg.URL, ':')+1:] }

// TestGuardRefusesPrivateTargets sends every fetch path (feed, site
// crawl, full-text article, feed discovery) to addresses that lead to a
// loopback server in disguise, and to other private, link-local,
// multicast and unspecified ones, with the guard on: each fails with the
// guard's message and the server sees nothing.
func TestGuardRefusesPrivateTargets(t *testing.T) {
	tg := newTarget(t, nil)
	p := tg.port()
	hosts := []string{
		"127.0.0.1:" + p,          // plain loopback
		"[::ffff:127.0.0.1]:" + p, // IPv4-mapped IPv6
		"[::ffff:7f00:1]:" + p,    // the same, in hex
		"localhost:" + p,          // a name that resolves to loopback
		"0.0.0.0:" + p,            // unspecified: reaches local listeners on Linux
		"[::1]:" + p,              // IPv6 loopback
		"[::]:" + p,               // IPv6 unspecified
		"[fe80::1]:" + p,          // IPv6 link-local
		"[fe80::1%25lo]:" + p,     // link-local with a zone
		"[fd12:3456::1]:" + p,     // IPv6 ULA
		"224.0.0.1:" + p,          // multicast
		"169.254.169.254:" + p,    // cloud metadata
		"[64:ff9b::7f00:1]:" + p,  // NAT64 of 127.0.0.1
		"2130706433:" + p,         // 127.0.0.1 as one decimal number
		"0x7f.0.0.1:" + p,         // hex octet
		"127.1:" + p,              // short form
		"LOCALHOST.:" + p,         // fully qualified, upper case
		"[0:0:0:0:0:ffff:7f00:1]:" + p,
	}
	rt := netguard.NewTransport(false, 5e9)
	fetcher := feeds.NewFetcher(rt, "test", 5e9, 1<<20)
	ctx := context.Background()
	for _, h := range hosts {
		u := "http://" + h + "/feed"
		t.Run(h, func(t *testing.T) {
			checks := map[string]error{}
			_, checks["feed"] = fetcher.Fetch(ctx, u, feeds.Validators{})
			_, _, checks["discovery"] = fetcher.Resolve(ctx, u)
			g := newTestGatherer(t, func(cfg *Settings) {
				cfg.Sources = []Source{siteSource("site", "http://"+h+"/", 0)}
			})
			_, checks["site"] = g.RunSource(ctx, "site")
			for path, err := range checks {
				if err == nil {
					t.Errorf("%s: %s was fetched", path, u)
					continue
				}
				msg := err.Error()
				if !strings.Contains(msg, "refusing to connect") && !strings.Contains(msg, "no such host") &&
					!strings.Contains(msg, "An IPv6 address contains a code point") { // the crawler's URL parser refuses zones
					t.Errorf("%s: error %q does not say the address was refused", path, msg)
				}
			}
		})
	}
	if n := tg.hits.Load(); n != 0 {
		t.Errorf("the loopback server got %d requests through the guard", n)
	}
}

// publicOnly is a guard for tests: the one loopback address of the test's
// "internet" server counts as public, everything netguard.BlockedAddr blocks stays
// blocked. Private targets listen on 127.0.0.2.
func publicOnly(public netip.Addr) func(netip.Addr) bool {
	return func(a netip.Addr) bool { return a.Unmap() != public && netguard.BlockedAddr(a) }
}

// listenOn starts a server on a given loopback address.
func listenOn(t *testing.T, addr string, tg *target) {
	t.Helper()
	ln, err := net.Listen("tcp", addr+":0")
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	tg.Server.Listener.Close()
	tg.Server.Listener = ln
}

// TestGuardRechecksRedirects: a public server redirects (or links) every
// fetch path to a private address; the guard refuses it when dialling.
// Redirects to other schemes are refused, and redirect loops are cut.
func TestGuardRechecksRedirects(t *testing.T) {
	private := &target{}
	private.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		private.hits.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, rssOneItem)
	}))
	listenOn(t, "127.0.0.2", private)
	private.Start()
	defer private.Close()

	var publicURL string
	public := newTarget(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			http.NotFound(w, r)
		case "/feed", "/site", "/article":
			http.Redirect(w, r, private.URL+r.URL.Path, http.StatusFound)
		case "/file":
			http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
		case "/gopher":
			http.Redirect(w, r, "gopher://127.0.0.1:70/", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop?n="+r.URL.Query().Get("n")+"x", http.StatusFound)
		case "/page":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<html><head><link rel="alternate" type="application/rss+xml" href="%s/feed"></head><body>hi</body></html>`, private.URL)
		case "/items":
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Nokia item</title><link>%s/article</link><description>Nokia summary only.</description></item>
</channel></rss>`, publicURL)
		}
	})
	publicURL = public.URL
	rt := netguard.Guarded(publicOnly(netip.MustParseAddr("127.0.0.1")), 5e9)
	fetcher := feeds.NewFetcher(rt, "test", 5e9, 1<<20)
	ctx := context.Background()

	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"feed redirected to private", func() error { _, err := fetcher.Fetch(ctx, public.URL+"/feed", feeds.Validators{}); return err }, "refusing to connect to 127.0.0.2"},
		{"discovery links to private", func() error { _, _, err := fetcher.Resolve(ctx, public.URL+"/page"); return err }, "refusing to connect to 127.0.0.2"},
		{"redirect to file:", func() error { _, err := fetcher.Fetch(ctx, public.URL+"/file", feeds.Validators{}); return err }, `unsupported protocol scheme "file"`},
		{"redirect to gopher:", func() error { _, err := fetcher.Fetch(ctx, public.URL+"/gopher", feeds.Validators{}); return err }, `unsupported protocol scheme "gopher"`},
		{"redirect loop", func() error { _, err := fetcher.Fetch(ctx, public.URL+"/loop", feeds.Validators{}); return err }, "stopped after 10 redirects"},
		{"file: URL", func() error { _, err := fetcher.Fetch(ctx, "file:///etc/passwd", feeds.Validators{}); return err }, `unsupported protocol scheme "file"`},
		{"ftp: URL", func() error { _, err := fetcher.Fetch(ctx, "ftp://127.0.0.1/x", feeds.Validators{}); return err }, `unsupported protocol scheme "ftp"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}

	// The gatherer's paths: a site whose start page redirects, and a
	// full_text feed whose article redirects, both to the private server.
	g := newTestGatherer(t, func(cfg *Settings) {
		cfg.Watch = nokia()
		site := siteSource("site", public.URL+"/site", 2)
		site.Crawl.AllowedDomains = []string{"127.0.0.2"}
		full := feedSource("fulltext", public.URL+"/items")
		full.FullText = true
		cfg.Sources = []Source{site, full}
	})
	g.fetcher = g.newFetcher(rt) // dials the public server through a guard that takes it for a public address
	res, _ := g.RunSource(ctx, "site")
	if res.New != 0 {
		t.Errorf("site: %d documents indexed from behind a redirect to a private address", res.New)
	}
	res, err := g.RunSource(ctx, "fulltext")
	if err != nil || res.New != 1 {
		t.Fatalf("full_text feed: %+v, %v", res, err)
	}
	if !strings.Contains(strings.Join(res.Errors, "\n"), "refusing to connect to 127.0.0.2") {
		t.Errorf("full_text: the refused article is not reported: %v", res.Errors)
	}
	if n := private.hits.Load(); n != 0 {
		t.Errorf("the private server got %d requests", n)
	}
}
