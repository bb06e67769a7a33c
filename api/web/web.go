// Package web serves techintel's web pages: search, documents, entities,
// alerts, the weekly digest and source health, for people who do not read
// JSON. It is server-rendered html/template with embedded static files, no
// build step and one small optional script (copy to clipboard).
//
// It gets its data through the same small interfaces as the JSON API
// (package api), so that both always show the same thing. Everything that
// came from crawled pages is escaped by html/template; the only markup
// that passes is the <mark> of search snippets and evidence highlights,
// rebuilt by this package from escaped text (see markup.go).
package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/techintel/techintel/api"
)

//go:embed templates static
var assets embed.FS

// Options configure the pages. Searcher and Sources are required; a nil
// Subs, Digests or Entities hides the pages that need it.
type Options struct {
	Searcher api.Searcher
	Sources  api.Sources
	Subs     api.Subscriptions
	Digests  api.Digests
	Entities api.Entities
	// Tokens: with none, the pages are open (loopback only, which the
	// caller enforces); with some, a visitor logs in with one once.
	Tokens []api.Token
	Logger *slog.Logger
	// Now is the clock sessions expire by; nil means time.Now.
	Now func() time.Time
	// SessionTTL is how long a login lasts; 0 means 12 hours.
	SessionTTL time.Duration
	// History, if set, returns the recorded content changes of a watched
	// page (a site source's page), oldest first, for the document page.
	History func(source, url string) ([]Change, error)
	// Reviews, if set, adds the alliance review and the radar pages.
	Reviews api.Reviews
}

// Change is one recorded change of a watched page's text.
type Change struct {
	At                   time.Time
	OldLength, NewLength int // characters of extracted text before and after
}

// Handler serves the pages. Build it with New.
type Handler struct {
	o        Options
	log      *slog.Logger
	mux      *http.ServeMux
	pages    map[string]*template.Template
	sessions *sessions
	logins   *loginThrottle
}

// access levels of a route.
const (
	public = iota // login page, static files
	reader        // any valid token (or none configured)
	admin         // an admin token (or none configured)
)

// New parses the templates and returns the pages' handler.
func New(o Options) (*Handler, error) {
	if o.Searcher == nil || o.Sources == nil {
		return nil, errors.New("web: Searcher and Sources are required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = 12 * time.Hour
	}
	h := &Handler{o: o, log: o.Logger, mux: http.NewServeMux(), logins: newLoginThrottle(o.Now)}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	var err error
	if h.sessions, err = newSessions(o.Tokens, o.Now, o.SessionTTL); err != nil {
		return nil, err
	}
	if h.pages, err = parseTemplates(); err != nil {
		return nil, err
	}
	static, err := fs.Sub(assets, "static")
	if err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}
	fileServer := http.StripPrefix("/static/", http.FileServerFS(static))
	h.handle("GET /static/", public, func(w http.ResponseWriter, r *http.Request) {
		// Files only: a directory would be listed.
		if strings.HasSuffix(r.URL.Path, "/") {
			h.errorPage(w, r, http.StatusNotFound, "There is no page at "+r.URL.Path+".")
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fileServer.ServeHTTP(w, r)
	})
	h.handle("GET /login", public, h.handleLoginPage)
	h.handle("POST /login", public, h.handleLogin)
	h.handle("POST /logout", reader, h.handleLogout)

	h.handle("GET /{$}", reader, h.handleSearch)
	h.handle("GET /help/search", reader, h.handleSearchHelp)
	h.handle("GET /documents/{id}", reader, h.handleDocument)
	h.handle("GET /sources", reader, h.handleSources)
	h.handle("POST /sources/{name}/run", admin, h.handleRunSource)
	if o.Entities != nil {
		h.handle("GET /entities", reader, h.handleEntities)
		h.handle("GET /entities/{name}", reader, h.handleEntity)
	}
	if o.Subs != nil {
		h.handle("GET /alerts", reader, h.handleAlerts)
		h.handle("GET /alerts/new", reader, h.handleNewSubscription)
		h.handle("POST /alerts", admin, h.handleCreateSubscription)
		h.handle("GET /alerts/{id}", reader, h.handleSubscription)
		h.handle("POST /alerts/{id}/delete", admin, h.handleDeleteSubscription)
	}
	if o.Digests != nil {
		h.handle("GET /digest", reader, h.handleDigest)
	}
	if o.Reviews != nil {
		h.handle("GET /alliances", reader, h.handleAlliances)
		h.handle("GET /alliances/{name}", reader, h.handleAlliance)
		h.handle("POST /alliances/{name}/reviewed", admin, h.handleMarkReviewed)
		h.handle("GET /radar", reader, h.handleRadar)
	}
	return h, nil
}

// handle registers a route behind the access check of its level.
func (h *Handler) handle(pattern string, level int, fn http.HandlerFunc) {
	if level == public {
		h.mux.HandleFunc(pattern, fn)
		return
	}
	h.mux.Handle(pattern, h.require(level, fn))
}

// ServeHTTP implements http.Handler. Unknown paths get an HTML 404 page,
// a known path with another method an HTML 405.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Referrer-Policy", "same-origin")
	// Nothing loads from elsewhere, nothing runs inline; forms post only
	// here. Inline SVG uses presentation attributes, not style.
	hdr.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	mh, pattern := h.mux.Handler(r)
	if pattern != "" {
		h.mux.ServeHTTP(w, r)
		return
	}
	c := &statusCapture{header: http.Header{}}
	mh.ServeHTTP(c, r)
	if c.code == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", c.header.Get("Allow"))
		h.errorPage(w, r, http.StatusMethodNotAllowed, r.Method+" is not allowed here.")
		return
	}
	h.errorPage(w, r, http.StatusNotFound, "There is no page at "+r.URL.Path+".")
}

// statusCapture records the status and headers a handler sets.
type statusCapture struct {
	header http.Header
	code   int
}

func (c *statusCapture) Header() http.Header         { return c.header }
func (c *statusCapture) Write(b []byte) (int, error) { return len(b), nil }
func (c *statusCapture) WriteHeader(code int)        { c.code = code }

// layout is what every page's frame needs.
type layout struct {
	Title  string
	Nav    string // the active navigation entry
	User   identity
	AuthOn bool // tokens are configured: show who is logged in and a logout button
	CSRF   string
	Has    struct{ Alerts, Digest, Entities, Reviews bool }
}

// view is what a page template executes on: the frame and the page's own
// data.
type view struct {
	layout
	D any
}

// render executes a page template into a buffer first, so that a template
// error becomes a clean 500 rather than half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, page, title, nav string, data any) {
	t, ok := h.pages[page]
	if !ok {
		h.renderFailed(w, r, fmt.Errorf("web: no template %q", page))
		return
	}
	// <title> cannot hold a <bdi>: crawled titles lose their bidi
	// controls there instead, so that the tab reads as the text does.
	v := view{layout: layout{Title: stripBidi(title), Nav: nav, AuthOn: len(h.o.Tokens) > 0}, D: data}
	v.Has.Alerts, v.Has.Digest, v.Has.Entities = h.o.Subs != nil, h.o.Digests != nil, h.o.Entities != nil
	v.Has.Reviews = h.o.Reviews != nil
	if id, ok := identityFrom(r.Context()); ok {
		v.User = id
		v.CSRF = h.sessions.csrfToken(id)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		h.renderFailed(w, r, fmt.Errorf("web: render %s: %w", page, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// Pages carry CSRF tokens and private data: never store them.
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// errorView is the data of the error page.
type errorView struct {
	Status  int
	Message string
}

func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	h.render(w, r, status, "error", http.StatusText(status), "", errorView{Status: status, Message: msg})
}

// serverError logs an unexpected error once, here, and answers 500
// without leaking internals.
func (h *Handler) serverError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the client went away
	}
	h.log.Error("web: request failed", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
	h.errorPage(w, r, http.StatusInternalServerError, "Something went wrong on our side; the error is in the server log.")
}

// renderFailed answers when a template itself failed, in plain text, since
// rendering the error page could fail the same way.
func (h *Handler) renderFailed(w http.ResponseWriter, r *http.Request, err error) {
	h.log.Error("web: request failed", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
	http.Error(w, "internal error", http.StatusInternalServerError)
}
