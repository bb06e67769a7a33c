package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/techintel/techintel/api"
)

// TestLoginNeedsItsCSRFToken: a login form posted from elsewhere (no
// nonce cookie, or a token that does not match it) logs nobody in, even
// with a valid access token: another site cannot log a visitor in as the
// attacker.
func TestLoginNeedsItsCSRFToken(t *testing.T) {
	tokens := toks([]apiToken{{"reader", readSecret, false}})
	srv := newFixture(t, tokens...).server(t, tokens...)
	for _, tt := range []struct {
		name  string
		csrf  func(c *http.Client) string
		fresh bool // a client that never loaded the form
	}{
		{"no token, no cookie", func(*http.Client) string { return "" }, true},
		{"a token from another browser", func(*http.Client) string { return csrfOf(t, client(t), srv.URL+"/login") }, true},
		{"a forged token with the cookie", func(c *http.Client) string { csrfOf(t, c, srv.URL+"/login"); return "AAAA" }, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := client(t)
			status, body, resp := fetch(t, c, "POST", srv.URL+"/login", url.Values{"token": {readSecret}, "next": {"/"}, "csrf": {tt.csrf(c)}})
			if status != http.StatusForbidden || sessionCookie(resp) != nil || !strings.Contains(body, "CSRF") {
				t.Errorf("%d, session %v", status, sessionCookie(resp))
			}
		})
	}
}

// TestFailedLoginsAreThrottled: the red-team's 300 wrong tokens in 0.15 s
// were all answered 401. After a few failures a client waits; other
// clients are not affected; time lets it try again.
func TestFailedLoginsAreThrottled(t *testing.T) {
	tokens := toks([]apiToken{{"reader", readSecret, false}})
	f := newFixture(t, tokens...)
	srv := f.server(t, tokens...)
	c := client(t)
	csrf := csrfOf(t, c, srv.URL+"/login")
	post := func(c *http.Client, csrf, secret string) (int, *http.Response) {
		status, _, resp := fetch(t, c, "POST", srv.URL+"/login", url.Values{"token": {secret}, "csrf": {csrf}})
		return status, resp
	}
	counts := map[int]int{}
	for range 300 {
		status, _ := post(c, csrf, "wrong-token-0123456789")
		counts[status]++
	}
	if counts[http.StatusUnauthorized] != 5 || counts[http.StatusTooManyRequests] != 295 {
		t.Fatalf("300 wrong tokens answered %v, want 5 x 401 then 429", counts)
	}
	status, resp := post(c, csrf, readSecret)
	if status != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("the right token while throttled: %d, Retry-After %q", status, resp.Header.Get("Retry-After"))
	}
	// The throttle is per client: the pages behind the API see loopback
	// for everyone here, so check the unit on another address directly.
	h := newFixture(t, tokens...).handler
	form := url.Values{"token": {"nope"}, "csrf": {"x"}}.Encode()
	for range 10 {
		req := httptest.NewRequest("POST", "/login", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.RemoteAddr = "192.0.2.1:1234"
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	// A CSRF failure is not a guess at the token, so 192.0.2.1 is not
	// throttled by forms it never loaded.
	req := httptest.NewRequest("POST", "/login", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = "192.0.2.1:1234"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusForbidden {
		t.Errorf("CSRF failures throttled: %d", w.Code)
	}

	f.clock.Add(int64(time.Minute))
	if status, resp := post(c, csrf, readSecret); status != http.StatusSeeOther || sessionCookie(resp) == nil {
		t.Errorf("a minute later, the right token: %d", status)
	}
}

// TestStaticFilesWithoutListings: /static/ served its directory listing.
func TestStaticFilesWithoutListings(t *testing.T) {
	srv := newFixture(t).server(t)
	for path, want := range map[string]int{"/static/": 404, "/static/style.css": 200, "/static/style.css/": 404, "/static": 404} {
		status, body, resp := fetch(t, client(t), "GET", srv.URL+path, nil)
		if resp.StatusCode/100 == 3 {
			status, body, _ = fetch(t, client(t), "GET", srv.URL+resp.Header.Get("Location"), nil)
		}
		if status != want || strings.Contains(body, `<a href="copy.js">`) {
			t.Errorf("GET %s: %d, want %d (listing: %v)", path, status, want, strings.Contains(body, "copy.js"))
		}
	}
}

// TestPagesAreRateLimited: the pages cost what API calls cost and share
// their limit; static files and /healthz do not count.
func TestPagesAreRateLimited(t *testing.T) {
	f := newFixture(t)
	now := time.Date(2026, 11, 11, 12, 0, 0, 0, time.UTC)
	s := api.New(api.Options{Searcher: f.ix, Sources: f.sources, Pages: f.handler,
		RateLimit: api.RateLimit{PerSecond: 1, Burst: 3}, Now: func() time.Time { return now }})
	get := func(path string) int {
		req := httptest.NewRequest("GET", path, nil)
		req.RemoteAddr = "192.0.2.7:5555"
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		return w.Code
	}
	for i := range 3 {
		if code := get("/?q=nokia"); code != 200 {
			t.Fatalf("page %d: %d", i, code)
		}
	}
	if code := get("/?q=nokia"); code != http.StatusTooManyRequests {
		t.Errorf("fourth page in a second: %d, want 429", code)
	}
	if code := get("/api/v1/search?q=nokia"); code != http.StatusTooManyRequests {
		t.Errorf("the API after the pages used the bucket: %d, want 429", code)
	}
	for _, p := range []string{"/static/style.css", "/healthz"} {
		if code := get(p); code != 200 {
			t.Errorf("%s while limited: %d", p, code)
		}
	}
}

// TestSearchPageBounds: the search page parses its URL like the API, so a
// 150,000-character query (68 s of CPU before) is refused there too.
func TestSearchPageBounds(t *testing.T) {
	srv := newFixture(t).server(t)
	for q, want := range map[string]int{
		strings.Repeat("a", 150_000):           http.StatusBadRequest,
		strings.Repeat("radio~2 ", 9):          http.StatusBadRequest,
		strings.Repeat("vodafone ", 10) + "5g": http.StatusOK,
	} {
		status, body, _ := fetch(t, client(t), "GET", srv.URL+"/?"+url.Values{"q": {q}}.Encode(), nil)
		if status != want {
			t.Errorf("query of %d characters: %d, want %d", len(q), status, want)
		}
		if want == http.StatusBadRequest && !strings.Contains(body, "q: ") {
			t.Errorf("the page does not say which bound: %.300s", body)
		}
	}
}
