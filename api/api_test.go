package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/index"
)

// sources is a Sources with one source, "news", whose run blocks until
// release is closed, so that a second run can be seen to conflict.
type sources struct {
	mu      sync.Mutex
	running bool
	count   int           // runs started
	started chan struct{} // closed when the first run starts
	release chan struct{}
}

func (s *sources) Sources(context.Context) ([]api.SourceStatus, error) {
	return []api.SourceStatus{{Name: "news", Type: "feed", URL: "https://example.com/feed", Schedule: "@every 1h"}}, nil
}

func (s *sources) RunSource(ctx context.Context, name string) (api.RunResult, error) {
	if name != "news" {
		return api.RunResult{}, api.ErrUnknownSource
	}
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return api.RunResult{}, api.ErrSourceRunning
	}
	s.running = true
	s.count++
	first := s.count == 1
	s.mu.Unlock()
	if first {
		close(s.started)
	}
	<-s.release
	s.mu.Lock()
	s.running = false
	s.mu.Unlock()
	return api.RunResult{Source: name, Fetched: 3, New: 2, Updated: 1}, nil
}

func (s *sources) runs() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

func newServer(tb testing.TB, tokens []api.Token) (*httptest.Server, *sources, []index.Document) {
	tb.Helper()
	ix, err := index.OpenMem()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	var docs []index.Document
	for i, title := range []string{"Nokia ships <b>5G</b> radios", "Ericsson wins Vodafone deal"} {
		u := fmt.Sprintf("https://news.example/%d", i)
		docs = append(docs, index.Document{
			ID: index.DocID(u), URL: u, Title: title, Body: title + " body text", Source: "news",
			Published:  time.Date(2026, 11, 2+i, 0, 0, 0, 0, time.UTC),
			Components: []string{"own"}, Entities: []string{"Nokia"}, Technologies: []string{},
			Evidence: []index.Evidence{{Entity: "Nokia", Component: "own", Matched: "Nokia", Field: "title"}},
		})
	}
	if _, err := ix.Upsert(context.Background(), docs); err != nil {
		tb.Fatal(err)
	}
	src := &sources{started: make(chan struct{}), release: make(chan struct{})}
	srv := httptest.NewServer(api.New(api.Options{Searcher: ix, Sources: src, Tokens: tokens}))
	tb.Cleanup(srv.Close)
	return srv, src, docs
}

func get(tb testing.TB, method, url, token string) (int, map[string]any) {
	tb.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			tb.Fatalf("%s %s: body is not JSON: %q", method, url, b)
		}
	}
	if ct := resp.Header.Get("Content-Type"); len(b) > 0 && !strings.HasPrefix(ct, "application/json") {
		tb.Errorf("content type %q", ct)
	}
	return resp.StatusCode, m
}

func TestStatuses(t *testing.T) {
	srv, _, docs := newServer(t, nil)
	tests := []struct {
		name, method, path string
		status             int
		errContains        string
	}{
		{"health", "GET", "/healthz", 200, ""},
		{"search all", "GET", "/api/v1/search", 200, ""},
		{"search query", "GET", "/api/v1/search?q=nokia&component=own&sort=date&limit=5", 200, ""},
		{"malformed query", "GET", "/api/v1/search?q=(nokia", 400, `bad query: missing ")" for this "(" at 1`},
		{"bad component", "GET", "/api/v1/search?component=friends", 400, "unknown component"},
		{"bad limit", "GET", "/api/v1/search?limit=0", 400, "limit"},
		{"limit not a number", "GET", "/api/v1/search?limit=ten", 400, "limit"},
		{"bad since", "GET", "/api/v1/search?since=yesterday", 400, "since"},
		{"bad sort", "GET", "/api/v1/search?sort=random", 400, "sort"},
		{"unknown parameter", "GET", "/api/v1/search?qq=x", 400, `unknown parameter "qq"`},
		{"collapse by story", "GET", "/api/v1/search?q=nokia&collapse=story", 200, ""},
		{"collapse by what", "GET", "/api/v1/search?collapse=source", 400, "collapse"},
		{"document", "GET", "/api/v1/documents/" + docs[0].ID, 200, ""},
		{"unknown document", "GET", "/api/v1/documents/nope", 404, "no document"},
		{"sources", "GET", "/api/v1/sources", 200, ""},
		{"unknown source run", "POST", "/api/v1/sources/nope/run", 404, "no source"},
		{"unknown endpoint", "GET", "/api/v1/nothing", 404, "no such endpoint"},
		{"wrong method", "DELETE", "/api/v1/search", 405, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := get(t, tt.method, srv.URL+tt.path, "")
			if status != tt.status {
				t.Fatalf("status = %d, want %d (%v)", status, tt.status, body)
			}
			if tt.errContains != "" && !strings.Contains(fmt.Sprint(body["error"]), tt.errContains) {
				t.Errorf("error = %v, want it to contain %q", body["error"], tt.errContains)
			}
		})
	}
}

func TestSearchResponseShape(t *testing.T) {
	srv, _, _ := newServer(t, nil)
	_, body := get(t, "GET", srv.URL+"/api/v1/search?q=radios", "")
	for _, k := range []string{"total", "took_ms", "hits", "facets"} {
		if _, ok := body[k]; !ok {
			t.Errorf("response lacks %q: %v", k, body)
		}
	}
	hits := body["hits"].([]any)
	if len(hits) != 1 {
		t.Fatalf("hits = %v", hits)
	}
	hit := hits[0].(map[string]any)
	for _, k := range []string{"id", "url", "title", "snippet", "source", "published", "fetched", "components", "entities", "technologies", "score"} {
		if _, ok := hit[k]; !ok {
			t.Errorf("hit lacks %q: %v", k, hit)
		}
	}
	if s := hit["snippet"].(string); !strings.Contains(s, "<mark>radios</mark>") || strings.Contains(s, "<b>") {
		t.Errorf("snippet = %q", s)
	}
	facets := body["facets"].(map[string]any)
	for _, k := range []string{"components", "entities", "technologies", "sources"} {
		if _, ok := facets[k]; !ok {
			t.Errorf("facets lack %q", k)
		}
	}
}

func TestDocumentHasBodyAndEvidence(t *testing.T) {
	srv, _, docs := newServer(t, nil)
	_, body := get(t, "GET", srv.URL+"/api/v1/documents/"+docs[0].ID, "")
	if body["body"] != docs[0].Body {
		t.Errorf("body = %v", body["body"])
	}
	ev := body["evidence"].([]any)
	if len(ev) != 1 || ev[0].(map[string]any)["matched"] != "Nokia" {
		t.Errorf("evidence = %v", ev)
	}
}

func TestRunSourceConflict(t *testing.T) {
	srv, src, _ := newServer(t, nil)
	done := make(chan map[string]any)
	go func() {
		_, body := get(t, "POST", srv.URL+"/api/v1/sources/news/run", "")
		done <- body
	}()
	<-src.started
	if status, _ := get(t, "POST", srv.URL+"/api/v1/sources/news/run", ""); status != http.StatusConflict {
		t.Errorf("second run: status %d, want 409", status)
	}
	close(src.release)
	body := <-done
	if body["source"] != "news" || body["new"] != float64(2) || body["errors"] == nil {
		t.Errorf("run result = %v", body)
	}
}

func TestTokens(t *testing.T) {
	read, admin := "read-token-0123456789", "admin-token-0123456789"
	srv, src, _ := newServer(t, []api.Token{
		{Name: "r", SHA256: sha256.Sum256([]byte(read))},
		{Name: "a", SHA256: sha256.Sum256([]byte(admin)), Admin: true},
	})
	close(src.release)
	tests := []struct {
		name, method, path, token string
		status                    int
	}{
		{"health needs none", "GET", "/healthz", "", 200},
		{"search without token", "GET", "/api/v1/search", "", 401},
		{"search with wrong token", "GET", "/api/v1/search", "nope-nope-nope-nope", 401},
		{"search with read token", "GET", "/api/v1/search", read, 200},
		{"unknown endpoint still needs a token", "GET", "/api/v1/secret", "", 401},
		{"run with read token", "POST", "/api/v1/sources/news/run", read, 403},
		{"run with admin token", "POST", "/api/v1/sources/news/run", admin, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status, body := get(t, tt.method, srv.URL+tt.path, tt.token); status != tt.status {
				t.Errorf("status = %d, want %d (%v)", status, tt.status, body)
			}
		})
	}
}
