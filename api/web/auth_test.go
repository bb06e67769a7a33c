package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

const (
	readSecret  = "read-secret-token"
	adminSecret = "admin-secret-token"
)

// login posts a token to the login form and returns the status and the
// session cookie it set, if any.
func login(tb testing.TB, c *http.Client, base, secret, next string) (int, *http.Response) {
	tb.Helper()
	// The form's CSRF token goes with the nonce cookie GET /login sets.
	csrf := csrfOf(tb, c, base+"/login?next="+url.QueryEscape(next))
	status, _, resp := fetch(tb, c, "POST", base+"/login", url.Values{"token": {secret}, "next": {next}, "csrf": {csrf}})
	return status, resp
}

func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == "techintel_session" {
			return c
		}
	}
	return nil
}

func TestLoginSessionAndScopes(t *testing.T) {
	tokens := []apiToken{{"reader", readSecret, false}, {"root", adminSecret, true}}
	f := newFixture(t, toks(tokens)...)
	srv := f.server(t, toks(tokens)...)

	t.Run("pages ask for a token once", func(t *testing.T) {
		c := client(t)
		status, _, resp := fetch(t, c, "GET", srv.URL+"/sources?x=1", nil)
		if status != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Fsources%3Fx%3D1" {
			t.Fatalf("anonymous GET: %d, Location %q", status, resp.Header.Get("Location"))
		}
		status, body, _ := fetch(t, c, "GET", srv.URL+"/login?next=%2Fsources", nil)
		if status != 200 || !strings.Contains(body, `<label for="token">Access token</label>`) {
			t.Fatalf("login page: %d", status)
		}
		checkLabels(t, body)

		status, resp = login(t, c, srv.URL, "wrong", "/sources")
		if status != http.StatusUnauthorized || sessionCookie(resp) != nil {
			t.Fatalf("wrong token: %d, cookie %v", status, sessionCookie(resp))
		}
		status, resp = login(t, c, srv.URL, readSecret, "/sources?x=1")
		ck := sessionCookie(resp)
		if status != http.StatusSeeOther || resp.Header.Get("Location") != "/sources?x=1" || ck == nil {
			t.Fatalf("login: %d, Location %q, cookie %v", status, resp.Header.Get("Location"), ck)
		}
		if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Secure || ck.MaxAge != int((12*time.Hour).Seconds()) {
			t.Errorf("cookie attributes: %+v", ck)
		}
		status, body, _ = fetch(t, c, "GET", srv.URL+"/sources", nil)
		if status != 200 || !strings.Contains(body, "reader (read)") || strings.Contains(body, "Run now") {
			t.Errorf("read session: %d, run button shown: %v", status, strings.Contains(body, "Run now"))
		}
		// A read token cannot run sources, even with a valid CSRF token.
		csrf := csrfOf(t, c, srv.URL+"/sources") // the logout form's
		if status, body, _ := fetch(t, c, "POST", srv.URL+"/sources/wire/run", url.Values{"csrf": {csrf}}); status != http.StatusForbidden || !strings.Contains(body, "needs an admin token") {
			t.Errorf("read token run: %d", status)
		}
		if len(f.sources.runs) != 0 {
			t.Errorf("runs %v", f.sources.runs)
		}
	})

	t.Run("admin forms need the CSRF token", func(t *testing.T) {
		c := client(t)
		login(t, c, srv.URL, adminSecret, "/")
		if status, body, _ := fetch(t, c, "POST", srv.URL+"/sources/wire/run", url.Values{}); status != http.StatusForbidden || !strings.Contains(body, "CSRF") {
			t.Errorf("no CSRF token: %d", status)
		}
		if status, _, _ := fetch(t, c, "POST", srv.URL+"/sources/wire/run", url.Values{"csrf": {"AAAA"}}); status != http.StatusForbidden {
			t.Errorf("wrong CSRF token: %d", status)
		}
		// Another session's token does not fit this one.
		other := client(t)
		login(t, other, srv.URL, adminSecret, "/")
		if status, _, _ := fetch(t, c, "POST", srv.URL+"/sources/wire/run", url.Values{"csrf": {csrfOf(t, other, srv.URL+"/sources")}}); status != http.StatusForbidden {
			t.Errorf("other session's CSRF token: %d", status)
		}
		csrf := csrfOf(t, c, srv.URL+"/sources")
		req, _ := http.NewRequest("POST", srv.URL+"/sources/wire/run", strings.NewReader(url.Values{"csrf": {csrf}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		if resp, err := c.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-origin post: %v %v", resp.StatusCode, err)
		}
		if len(f.sources.runs) != 0 {
			t.Fatalf("a refused form ran a source: %v", f.sources.runs)
		}
		if status, _, _ := fetch(t, c, "POST", srv.URL+"/sources/wire/run", url.Values{"csrf": {csrf}}); status != 200 || len(f.sources.runs) != 1 {
			t.Errorf("valid form: %d, runs %v", status, f.sources.runs)
		}
	})

	t.Run("logout ends the session", func(t *testing.T) {
		c := client(t)
		_, resp := login(t, c, srv.URL, adminSecret, "/")
		old := sessionCookie(resp)
		csrf := csrfOf(t, c, srv.URL+"/")
		status, _, resp := fetch(t, c, "POST", srv.URL+"/logout", url.Values{"csrf": {csrf}})
		if ck := sessionCookie(resp); status != http.StatusSeeOther || ck == nil || ck.MaxAge >= 0 {
			t.Fatalf("logout: %d, cookie %+v", status, ck)
		}
		// Replaying the old cookie does not work either.
		req, _ := http.NewRequest("GET", srv.URL+"/", nil)
		req.AddCookie(old)
		resp, err := client(t).Do(req)
		if err != nil || resp.StatusCode != http.StatusSeeOther {
			t.Errorf("revoked cookie: %v %v", resp.StatusCode, err)
		}
	})

	t.Run("sessions expire and cannot be forged", func(t *testing.T) {
		c := client(t)
		_, resp := login(t, c, srv.URL, readSecret, "/")
		ck := sessionCookie(resp)
		get := func(ck *http.Cookie) int {
			req, _ := http.NewRequest("GET", srv.URL+"/sources", nil)
			req.AddCookie(ck)
			resp, err := client(t).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if got := get(ck); got != 200 {
			t.Fatalf("fresh cookie: %d", got)
		}
		forged := *ck
		payload, sig, _ := strings.Cut(ck.Value, ".")
		forged.Value = payload + "." + strings.Repeat("A", len(sig))
		if got := get(&forged); got != http.StatusSeeOther {
			t.Errorf("forged signature: %d", got)
		}
		forged.Value = "eyJzaWQiOiJ4IiwibmFtZSI6InJvb3QiLCJleHAiOjQxMDI0NDQ4MDB9." + sig // {"sid":"x","name":"root",...}
		if got := get(&forged); got != http.StatusSeeOther {
			t.Errorf("forged payload: %d", got)
		}
		f.clock.Add(int64(12*time.Hour + time.Second))
		defer f.clock.Store(fixtureNow.UnixNano())
		if got := get(ck); got != http.StatusSeeOther {
			t.Errorf("expired cookie: %d", got)
		}
	})

	t.Run("bearer tokens work without a session", func(t *testing.T) {
		do := func(method, path, secret string) int {
			req, _ := http.NewRequest(method, srv.URL+path, nil)
			req.Header.Set("Authorization", "Bearer "+secret)
			resp, err := client(t).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if got := do("GET", "/sources", readSecret); got != 200 {
			t.Errorf("read bearer GET: %d", got)
		}
		if got := do("GET", "/sources", "nope"); got != http.StatusUnauthorized {
			t.Errorf("bad bearer: %d", got)
		}
		if got := do("POST", "/sources/wire/run", readSecret); got != http.StatusForbidden {
			t.Errorf("read bearer run: %d", got)
		}
		if got := do("POST", "/sources/wire/run", adminSecret); got != 200 {
			t.Errorf("admin bearer run: %d", got)
		}
	})

	t.Run("login redirects stay on this site", func(t *testing.T) {
		for _, next := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", ""} {
			_, resp := login(t, client(t), srv.URL, readSecret, next)
			if loc := resp.Header.Get("Location"); loc != "/" {
				t.Errorf("next %q: Location %q", next, loc)
			}
		}
	})
}

func TestSecureCookieOverTLS(t *testing.T) {
	tokens := toks([]apiToken{{"reader", readSecret, false}})
	f := newFixture(t, tokens...)
	srv := httptest.NewTLSServer(f.handler)
	defer srv.Close()
	c := srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.Jar = client(t).Jar // the login form's nonce cookie
	_, resp := login(t, c, srv.URL, readSecret, "/")
	if ck := sessionCookie(resp); ck == nil || !ck.Secure {
		t.Errorf("cookie over TLS: %+v", ck)
	}
}

// TestOpenInstallationForms: with no tokens, pages are open but forms are
// still CSRF-protected, through an anonymous session.
func TestOpenInstallationForms(t *testing.T) {
	f := newFixture(t)
	srv := f.server(t)
	// A cross-site form carries no cookie (SameSite=Strict) and no token.
	if status, _, _ := fetch(t, client(t), "POST", srv.URL+"/sources/wire/run", url.Values{}); status != http.StatusForbidden {
		t.Errorf("form without session: %d", status)
	}
	c := client(t)
	csrf := csrfOf(t, c, srv.URL+"/sources")
	if status, _, _ := fetch(t, c, "POST", srv.URL+"/sources/wire/run", url.Values{"csrf": {csrf}}); status != 200 {
		t.Errorf("form with session: %d", status)
	}
	if status, _, resp := fetch(t, c, "GET", srv.URL+"/login", nil); status != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Errorf("login page without tokens: %d", status)
	}
	if len(f.sources.runs) != 1 {
		t.Errorf("runs %v", f.sources.runs)
	}
}
