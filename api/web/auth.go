package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/techintel/techintel/api"
)

// How the pages authenticate: with tokens configured, a visitor logs in
// once with a token and then carries a session cookie, signed with a key
// that lives only in this process (a restart logs everyone out). Forms
// that change state carry a CSRF token derived from the session. A request
// with an Authorization: Bearer header (scripts, tests) is authenticated
// by it alone and needs no CSRF token, since browsers never add that
// header on their own. With no tokens configured every visitor gets an
// anonymous session, so that forms are CSRF-protected all the same.

const (
	cookieName   = "techintel_session"
	maxFormBytes = 64 << 10
)

// identity is who a request comes from.
type identity struct {
	SID    string `json:"sid"`
	Name   string `json:"name"` // token name; empty without tokens
	Admin  bool   `json:"-"`
	Exp    int64  `json:"exp"` // unix seconds
	bearer bool   // authenticated by an Authorization header
}

type ctxKey struct{}

func withIdentity(ctx context.Context, id identity) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

func identityFrom(ctx context.Context) (identity, bool) {
	id, ok := ctx.Value(ctxKey{}).(identity)
	return id, ok
}

// sessions issues and checks session cookies and CSRF tokens.
type sessions struct {
	key    []byte
	tokens []api.Token
	now    func() time.Time
	ttl    time.Duration

	mu      sync.Mutex
	revoked map[string]int64 // logged-out session IDs until they expire
}

func newSessions(tokens []api.Token, now func() time.Time, ttl time.Duration) (*sessions, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("web: session key: %w", err)
	}
	return &sessions{key: key, tokens: tokens, now: now, ttl: ttl, revoked: map[string]int64{}}, nil
}

func (s *sessions) mac(parts ...string) []byte {
	m := hmac.New(sha256.New, s.key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return m.Sum(nil)
}

// issue starts a session for a token name (empty without tokens) and
// returns it with its cookie.
func (s *sessions) issue(r *http.Request, name string, adminScope bool) (identity, *http.Cookie) {
	sid := make([]byte, 16)
	_, _ = rand.Read(sid) // crypto/rand.Read does not fail (Go 1.24+)
	exp := s.now().Add(s.ttl)
	id := identity{SID: base64.RawURLEncoding.EncodeToString(sid), Name: name, Admin: adminScope, Exp: exp.Unix()}
	payload, _ := json.Marshal(id)
	p := base64.RawURLEncoding.EncodeToString(payload)
	value := p + "." + base64.RawURLEncoding.EncodeToString(s.mac("session", p))
	return id, &http.Cookie{
		Name: cookieName, Value: value, Path: "/", Expires: exp, MaxAge: int(s.ttl.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	}
}

// verify checks a cookie's signature, expiry and revocation, and that its
// token is still configured; the scope comes from the configuration.
func (s *sessions) verify(value string) (identity, bool) {
	p, sig, ok := strings.Cut(value, ".")
	if !ok {
		return identity{}, false
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac("session", p)) {
		return identity{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(p)
	var id identity
	if err != nil || json.Unmarshal(payload, &id) != nil || id.SID == "" {
		return identity{}, false
	}
	if s.now().Unix() >= id.Exp {
		return identity{}, false
	}
	s.mu.Lock()
	_, gone := s.revoked[id.SID]
	s.mu.Unlock()
	if gone {
		return identity{}, false
	}
	if len(s.tokens) == 0 {
		id.Admin = id.Name == ""
		return id, id.Name == ""
	}
	for _, t := range s.tokens {
		if t.Name == id.Name && id.Name != "" {
			id.Admin = t.Admin
			return id, true
		}
	}
	return identity{}, false
}

// revoke ends a session before it expires (logout).
func (s *sessions) revoke(id identity) {
	now := s.now().Unix()
	s.mu.Lock()
	defer s.mu.Unlock()
	for sid, exp := range s.revoked {
		if exp <= now {
			delete(s.revoked, sid)
		}
	}
	s.revoked[id.SID] = id.Exp
}

// csrfToken is the CSRF token of a session: an HMAC of its ID, so that
// nothing needs storing and it dies with the session.
func (s *sessions) csrfToken(id identity) string {
	if id.SID == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(s.mac("csrf", id.SID))
}

func (s *sessions) checkCSRF(id identity, token string) bool {
	got, err := base64.RawURLEncoding.DecodeString(token)
	return err == nil && id.SID != "" && hmac.Equal(got, s.mac("csrf", id.SID))
}

// identify authenticates a request by its bearer header or its session
// cookie. badBearer is set when a bearer header is present but invalid.
func (h *Handler) identify(r *http.Request) (id identity, ok, badBearer bool) {
	if raw, isBearer := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); isBearer {
		if len(h.o.Tokens) == 0 {
			return identity{Admin: true, bearer: true}, true, false
		}
		t := api.MatchToken(h.o.Tokens, strings.TrimSpace(raw))
		if t == nil {
			return identity{}, false, true
		}
		return identity{Name: t.Name, Admin: t.Admin, bearer: true}, true, false
	}
	c, err := r.Cookie(cookieName)
	if err != nil {
		return identity{}, false, false
	}
	id, ok = h.sessions.verify(c.Value)
	return id, ok, false
}

// require wraps a handler with the access check of a level and, for
// POST, the same-origin and CSRF checks.
func (h *Handler) require(level int, fn http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok, badBearer := h.identify(r)
		switch {
		case badBearer:
			w.Header().Set("WWW-Authenticate", `Bearer realm="techintel", error="invalid_token"`)
			h.errorPage(w, r, http.StatusUnauthorized, "The bearer token is not valid.")
			return
		case !ok && len(h.o.Tokens) == 0:
			var c *http.Cookie
			id, c = h.sessions.issue(r, "", true)
			http.SetCookie(w, c)
		case !ok && (r.Method == http.MethodGet || r.Method == http.MethodHead):
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		case !ok:
			h.errorPage(w, r, http.StatusUnauthorized, "Your session has ended; log in again, then repeat what you did.")
			return
		}
		r = r.WithContext(withIdentity(r.Context(), id))
		if r.Method == http.MethodPost {
			if !sameOrigin(r) {
				h.errorPage(w, r, http.StatusForbidden, "This form was sent from another site; it was refused.")
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := r.ParseForm(); err != nil {
				h.errorPage(w, r, http.StatusBadRequest, "The form could not be read: "+err.Error())
				return
			}
			if !id.bearer && !h.sessions.checkCSRF(id, r.PostForm.Get("csrf")) {
				h.errorPage(w, r, http.StatusForbidden, "This form has expired (its CSRF token does not match your session). Go back, reload the page and send it again.")
				return
			}
		}
		if level == admin && !id.Admin {
			h.errorPage(w, r, http.StatusForbidden, "This needs an admin token; you are logged in with the read-only token "+id.Name+".")
			return
		}
		fn(w, r)
	})
}

// sameOrigin refuses requests that browsers mark as coming from another
// site (Sec-Fetch-Site) or whose Origin is another host. Requests without
// either header (old browsers, scripts) are left to the CSRF token.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}

// safeNext keeps a post-login redirect on this site.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.HasPrefix(next, "/\\") || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}

type loginView struct {
	Next  string
	Error string
	CSRF  string
}

// The login form has a CSRF token of its own, since there is no session
// yet: GET /login sets a random nonce in a cookie scoped to /login and
// puts its HMAC in the form; POST /login wants both to match. Another
// site can make a browser post the form but can neither read nor set the
// cookie, so it cannot log a visitor in with the attacker's token.
const loginCookieName = "techintel_login"

// loginForm renders the login page with a fresh nonce.
func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request, status int, v loginView) {
	// One nonce per browser: a form sent again after a mistake still
	// matches, and two tabs do not invalidate each other.
	var n string
	if c, err := r.Cookie(loginCookieName); err == nil && len(c.Value) == 22 {
		n = c.Value
	} else {
		nonce := make([]byte, 16)
		_, _ = rand.Read(nonce)
		n = base64.RawURLEncoding.EncodeToString(nonce)
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookieName, Value: n, Path: "/login", MaxAge: int(h.o.SessionTTL.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	v.CSRF = base64.RawURLEncoding.EncodeToString(h.sessions.mac("login", n))
	h.render(w, r, status, "login", "Log in", "", v)
}

// checkLoginCSRF checks the form's token against the nonce cookie.
func (h *Handler) checkLoginCSRF(r *http.Request) bool {
	c, err := r.Cookie(loginCookieName)
	if err != nil || c.Value == "" {
		return false
	}
	got, err := base64.RawURLEncoding.DecodeString(r.PostForm.Get("csrf"))
	return err == nil && hmac.Equal(got, h.sessions.mac("login", c.Value))
}

func (h *Handler) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if _, ok, _ := h.identify(r); ok || len(h.o.Tokens) == 0 {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	h.loginForm(w, r, http.StatusOK, loginView{Next: next})
}

func (h *Handler) handleLogin(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		h.errorPage(w, r, http.StatusForbidden, "This form was sent from another site; it was refused.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		h.errorPage(w, r, http.StatusBadRequest, "The form could not be read: "+err.Error())
		return
	}
	next := safeNext(r.PostForm.Get("next"))
	if len(h.o.Tokens) == 0 {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	client := clientAddr(r)
	if wait := h.logins.wait(client); wait > 0 {
		secs := int(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		h.errorPage(w, r, http.StatusTooManyRequests, fmt.Sprintf("Too many failed logins from your address; try again in %d s.", secs))
		return
	}
	if !h.checkLoginCSRF(r) {
		h.loginForm(w, r, http.StatusForbidden, loginView{Next: next, Error: "This login form has expired (its CSRF token does not match). Send it again."})
		return
	}
	t := api.MatchToken(h.o.Tokens, strings.TrimSpace(r.PostForm.Get("token")))
	if t == nil {
		h.logins.fail(client)
		h.log.Warn("web: failed login", slog.String("client", client))
		h.loginForm(w, r, http.StatusUnauthorized, loginView{Next: next, Error: "That token is not valid."})
		return
	}
	_, c := h.sessions.issue(r, t.Name, t.Admin)
	http.SetCookie(w, c)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (h *Handler) handleLogout(w http.ResponseWriter, r *http.Request) {
	id, _ := identityFrom(r.Context())
	h.sessions.revoke(id)
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	to := "/login"
	if len(h.o.Tokens) == 0 {
		to = "/"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
