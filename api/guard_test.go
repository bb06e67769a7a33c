package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/index"
)

// The red-team's cross-site attacks on a token-less server: a page on
// another origin posting text/plain JSON, a form post, a DNS name rebound
// to 127.0.0.1. None of them may reach a handler.
func TestGuardRefusesCrossSiteAndForeignHosts(t *testing.T) {
	ix, err := index.OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	src := &sources{started: make(chan struct{}), release: make(chan struct{})}
	close(src.release)
	s := api.New(api.Options{Searcher: ix, Sources: src, AllowedHosts: []string{"127.0.0.1", "intel.example.org"},
		CORSOrigins: []string{"https://app.example.org"}})
	tests := []struct {
		name, method, host, ctype string
		header                    map[string]string
		status                    int
		want                      string
	}{
		{"text/plain from another site", "POST", "127.0.0.1:8080", "text/plain", map[string]string{"Origin": "https://evil.example"}, 403, "cross-site"},
		{"text/plain without origin", "POST", "127.0.0.1:8080", "text/plain", nil, 415, "application/json"},
		{"form post", "POST", "127.0.0.1:8080", "application/x-www-form-urlencoded", nil, 415, "application/json"},
		{"no content type", "POST", "127.0.0.1:8080", "", nil, 415, "application/json"},
		{"json marked cross-site", "POST", "127.0.0.1:8080", "application/json", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403, "cross-site"},
		{"json from a foreign origin", "POST", "127.0.0.1:8080", "application/json", map[string]string{"Origin": "http://127.0.0.1.evil.example"}, 403, "cross-site"},
		{"rebound DNS name", "GET", "attacker.example:8080", "", nil, 421, "api.allowed_hosts"},
		{"rebound DNS name posting", "POST", "attacker.example", "application/json", nil, 421, "not a name of this server"},
		{"empty host", "GET", "", "", nil, 421, "allowed_hosts"},
		{"json from the same origin", "POST", "127.0.0.1:8080", "application/json; charset=utf-8", map[string]string{"Origin": "http://127.0.0.1:8080", "Sec-Fetch-Site": "same-origin"}, 200, "news"},
		{"json from a configured CORS origin", "POST", "intel.example.org", "application/json", map[string]string{"Origin": "https://app.example.org"}, 200, "news"},
		{"script without browser headers", "POST", "localhost:8080", "application/json", nil, 200, "news"},
		{"allowed name, any case, trailing dot", "GET", "Intel.Example.ORG.", "", nil, 200, ""},
		{"loopback IPv6", "GET", "[::1]:8080", "", nil, 200, ""},
		{"healthz by any name", "GET", "monitor.internal", "", nil, 200, "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := "/api/v1/sources/news/run"
			if tt.method == "GET" {
				path = "/api/v1/sources"
			}
			if tt.want == "ok" {
				path = "/healthz"
			}
			req := httptest.NewRequest(tt.method, path, strings.NewReader(""))
			req.Host = tt.host
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			s.ServeHTTP(w, req)
			if w.Code != tt.status || !strings.Contains(w.Body.String(), tt.want) {
				t.Errorf("%d %s, want %d with %q", w.Code, w.Body, tt.status, tt.want)
			}
		})
	}
	// Only the three accepted posts ran the source.
	if got := src.runs(); got != 3 {
		t.Errorf("source ran %d times, want 3", got)
	}
}

// Without AllowedHosts (tests, embedding) there is no Host check, but the
// state-changing checks stay.
func TestGuardWithoutHostList(t *testing.T) {
	srv, src, _ := newServer(t, nil)
	close(src.release)
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/sources/news/run", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType || src.runs() != 0 {
		t.Errorf("text/plain post: %d, runs %d", resp.StatusCode, src.runs())
	}
}
