package crawler

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestScopeCheck(t *testing.T) {
	cfg := DefaultConfig()
	cfg.AllowedDomains = []string{"blog.example.com", "*.example.org", "localhost:8080"}
	cfg.Include = []string{`/news/`, `/blog/`}
	cfg.Exclude = []string{`/news/archive/`, `\?print=1$`}
	sc, err := newScope(cfg, "www.example.com")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		url, want string // want: "" or part of the reason
	}{
		{"https://www.example.com/news/a", ""},
		{"http://www.example.com/blog/", ""},
		{"https://www.example.com/about", "no include"},
		{"https://www.example.com/news/archive/2001", "exclude"},
		{"https://www.example.com/news/a?print=1", "exclude"}, // exclude wins over include
		{"https://blog.example.com/blog/x", ""},
		{"https://shop.example.com/news/x", "another host"},
		{"https://www.example.com:8443/news/a", "another host"}, // ports matter
		{"https://a.b.example.org/news/x", ""},
		{"https://example.org/news/x", "another host"}, // *. means subdomains only
		{"https://badexample.org/news/x", "another host"},
		{"http://localhost:8080/news/x", ""},
		{"http://localhost/news/x", "another host"},
		{"https://www.example.com/news/" + strings.Repeat("x", maxURLLength), "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.url[:min(len(tt.url), 60)], func(t *testing.T) {
			got := sc.check(tt.url)
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("check(%s) = %q, want %q", tt.url, got, tt.want)
			}
		})
	}
}

func TestParseHostPattern(t *testing.T) {
	for _, bad := range []string{"", "*", "*.", "http://example.com", "example.com/path", "ex ample.com",
		"*.*.example.com", "a*b.com", "user@example.com"} {
		if _, err := parseHostPattern(bad); err == nil {
			t.Errorf("parseHostPattern(%q) accepted", bad)
		}
	}
	for _, good := range []string{"example.com", "EXAMPLE.com.", "*.example.com", "127.0.0.1:8080", "[::1]:80"} {
		if _, err := parseHostPattern(good); err != nil {
			t.Errorf("parseHostPattern(%q): %v", good, err)
		}
	}
}

// hostSite serves several host names from one server: requests are routed
// to it by routeTo, whatever their host, and answered by host and path.
type hostSite struct {
	srv   *httptest.Server
	pages map[string]string // "host/path" → HTML

	mu   sync.Mutex
	reqs []string // "host/path"
}

func newHostSite(t *testing.T, pages map[string]string) *hostSite {
	s := &hostSite{pages: pages}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Host + r.URL.Path
		s.mu.Lock()
		s.reqs = append(s.reqs, key)
		s.mu.Unlock()
		page, ok := s.pages[key]
		if !ok {
			http.NotFound(w, r)
			return
		}
		htmlPage(page)(w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// routeTo is a transport that connects to the server whatever the host.
func (s *hostSite) routeTo() http.RoundTripper {
	addr := s.srv.Listener.Addr().String()
	return &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
}

func TestCrawlScope(t *testing.T) {
	home := `<title>Home</title>
		<a href="http://www.example.test/news/1">n1</a> <a href="/news/archive/old">old</a> <a href="/about">about</a>
		<a href="http://blog.example.test/post">blog</a> <a href="http://cdn.example.test/news/x">cdn</a>
		<a href="http://example.test/news/apex">apex</a> <a href="http://elsewhere.test/news/z">elsewhere</a>
		<a href="/news/` + strings.Repeat("long", maxURLLength/4) + `">long</a>`
	pages := map[string]string{
		"www.example.test/":                 home,
		"www.example.test/news/1":           "<title>News 1</title>",
		"www.example.test/news/archive/old": "<title>Old</title>",
		"www.example.test/about":            "<title>About</title>",
		"blog.example.test/post":            "<title>Blog post</title>",
		"cdn.example.test/news/x":           "<title>CDN</title>",
		"example.test/news/apex":            "<title>Apex</title>",
		"elsewhere.test/news/z":             "<title>Elsewhere</title>",
	}
	tests := []struct {
		name                      string
		allowed, include, exclude []string
		want                      []string // documents, "host/path", sorted
	}{
		{"start host only", nil, nil, nil,
			[]string{"www.example.test/", "www.example.test/about", "www.example.test/news/1",
				"www.example.test/news/archive/old"}},
		{"allowed_domains: an exact host and subdomains", []string{"blog.example.test", "*.example.test"}, nil, nil,
			[]string{"blog.example.test/post", "cdn.example.test/news/x", "www.example.test/",
				"www.example.test/about", "www.example.test/news/1", "www.example.test/news/archive/old"}},
		{"include and exclude; the start page is fetched anyway", []string{"*.example.test"},
			[]string{`/news/`}, []string{`/archive/`},
			[]string{"cdn.example.test/news/x", "www.example.test/", "www.example.test/news/1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			site := newHostSite(t, pages)
			cfg := testConfig("http://www.example.test/")
			cfg.Transport = site.routeTo()
			cfg.AllowedDomains, cfg.Include, cfg.Exclude = tt.allowed, tt.include, tt.exclude
			res := runCrawl(t, t.Context(), cfg)
			if res.err != nil {
				t.Fatalf("Crawl: %v\n%s", res.err, res.log)
			}
			var got []string
			for u := range res.docs {
				pu, _ := url.Parse(u)
				got = append(got, pu.Host+pu.Path)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("documents = %q, want %q\n%s", got, tt.want, res.log)
			}
			site.mu.Lock()
			defer site.mu.Unlock()
			for _, r := range site.reqs {
				if strings.HasPrefix(r, "elsewhere.test") || strings.HasPrefix(r, "example.test/") ||
					strings.Contains(r, "longlong") {
					t.Errorf("out-of-scope request %s", r[:min(len(r), 80)])
				}
			}
		})
	}
}
