// Package api is techintel's JSON HTTP API (the README's HTTP API section), built on the
// standard library's ServeMux. It gets what it serves through small
// interfaces, so that another index backend can stand behind it.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/techintel/techintel/index"
)

// Searcher is what the API needs from the index.
type Searcher interface {
	Search(ctx context.Context, q index.Query) (*index.Result, error)
	Get(ctx context.Context, id string) (*index.Document, error)
}

// Sources lists the configured sources with their health and runs one on
// demand.
type Sources interface {
	Sources(ctx context.Context) ([]SourceStatus, error)
	// RunSource runs a source now and returns when it is done. It returns
	// an error wrapping ErrUnknownSource or ErrSourceRunning when it cannot.
	RunSource(ctx context.Context, name string) (RunResult, error)
}

// Errors a Sources implementation returns for the API to map to statuses.
var (
	ErrUnknownSource = errors.New("unknown source")
	ErrSourceRunning = errors.New("source is already running")
)

// SourceStatus is one entry of GET /api/v1/sources.
type SourceStatus struct {
	Name                string     `json:"name"`
	Type                string     `json:"type"`
	URL                 string     `json:"url"`
	Schedule            string     `json:"schedule"`
	LastRun             *time.Time `json:"last_run"`
	LastSuccess         *time.Time `json:"last_success"`
	LastError           string     `json:"last_error"`
	ConsecutiveFailures int        `json:"consecutive_failures"`
	BackoffUntil        *time.Time `json:"backoff_until"`
	NextRun             *time.Time `json:"next_run"`
	Documents           int        `json:"documents"`
	ItemsSeen           int        `json:"items_seen"`
}

// RunResult is the answer of POST /api/v1/sources/{name}/run and what
// `techintel crawl` prints per source.
type RunResult struct {
	Source  string   `json:"source"`
	Fetched int      `json:"fetched"`
	New     int      `json:"new"`
	Updated int      `json:"updated"`
	Gone    int      `json:"gone"` // pages of a site found missing (404/410)
	Errors  []string `json:"errors"`
}

// Options configure a Server.
type Options struct {
	Searcher Searcher
	Sources  Sources
	Subs     Subscriptions
	Digests  Digests
	Entities Entities
	Backups  Backups // optional: POST /api/v1/admin/backup
	Tokens   []Token // empty: no authentication (loopback only; the caller enforces that)
	Logger   *slog.Logger
	// RateLimit applies per token (per client IP without one) to /api/;
	// the zero value is no limit.
	RateLimit RateLimit
	// CORSOrigins are the browser origins allowed to call the API; none
	// means no CORS headers at all.
	CORSOrigins []string
	// Now is the clock of the rate limiter (default time.Now).
	Now func() time.Time
	// Pages, if set, serves every path outside /api/ and /healthz: the
	// web pages (package api/web). /api/ keeps its JSON errors.
	Pages http.Handler
	// AllowedHosts are the Host names served (api.allowed_hosts plus the
	// listen address; loopback names are always in). Others get 421, so
	// that a DNS name rebound to this machine reads nothing. Empty: no
	// Host check. "*" accepts every IP literal (a wildcard listen address).
	AllowedHosts []string
	// SearchTimeout bounds each search (the API's and the pages'); the
	// search is cancelled when it passes. 0 means DefaultSearchTimeout.
	SearchTimeout time.Duration

	// Reviews, if set, serves the alliance review and the radar.
	Reviews Reviews
}

// DefaultSearchTimeout is api.search_timeout's default.
const DefaultSearchTimeout = 5 * time.Second

// Server serves the API.
type Server struct {
	search   Searcher
	sources  Sources
	subs     Subscriptions
	digests  Digests
	entities Entities
	backups  Backups
	reviews  Reviews
	auth     *authenticator
	log      *slog.Logger
	mux      *http.ServeMux
	limiter  *rateLimiter
	cors     *cors
	hosts    *hostGuard
	handler  http.Handler // mux behind the guards, CORS and the rate limit
	pages    http.Handler
	routes   []string // "GET /api/v1/search": what Routes reports
}

// New returns the API server.
func New(o Options) *Server {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	s := &Server{search: WithSearchTimeout(o.Searcher, o.SearchTimeout), sources: o.Sources, subs: o.Subs, digests: o.Digests, entities: o.Entities, backups: o.Backups, auth: newAuthenticator(o.Tokens), log: log, mux: http.NewServeMux(),
		limiter: newRateLimiter(o.RateLimit, now), cors: newCORS(o.CORSOrigins), pages: o.Pages, hosts: newHostGuard(o.AllowedHosts)}
	limited := s.limit(http.HandlerFunc(s.dispatch))
	s.handler = s.guard(s.cors.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// /healthz stays unlimited for monitors, and so do the static
		// files a page loads with it; pages cost what API calls cost.
		if r.URL.Path == "/healthz" || strings.HasPrefix(r.URL.Path, "/static/") {
			s.dispatch(w, r)
			return
		}
		limited.ServeHTTP(w, r)
	})))
	route := func(method, path, scope string, h http.HandlerFunc) {
		s.routes = append(s.routes, method+" "+path)
		if scope == "" {
			s.mux.HandleFunc(method+" "+path, h)
			return
		}
		s.mux.Handle(method+" "+path, s.auth.require(scope, h))
	}
	route("GET", "/healthz", "", s.handleHealth)
	route("GET", "/api/v1/openapi.json", "", s.handleOpenAPI)
	route("GET", "/api/v1/search", scopeRead, s.handleSearch)
	route("GET", "/api/v1/documents/{id}", scopeRead, s.handleDocument)
	route("GET", "/api/v1/sources", scopeRead, s.handleSources)
	route("POST", "/api/v1/sources/{name}/run", scopeAdmin, s.handleRunSource)
	if o.Subs != nil {
		route("POST", "/api/v1/subscriptions", scopeAdmin, s.handleCreateSubscription)
		route("POST", "/api/v1/subscriptions/preview", scopeRead, s.handlePreviewSubscription)
		route("GET", "/api/v1/subscriptions", scopeRead, s.handleListSubscriptions)
		route("GET", "/api/v1/subscriptions/{id}", scopeRead, s.handleGetSubscription)
		route("DELETE", "/api/v1/subscriptions/{id}", scopeAdmin, s.handleDeleteSubscription)
		route("GET", "/api/v1/alerts", scopeRead, s.handleAlerts)
		route("GET", "/api/v1/subscriptions/{id}/feed.atom", scopeRead, s.handleAtom)
	}
	if o.Entities != nil {
		route("GET", "/api/v1/entities", scopeRead, s.handleEntities)
		route("GET", "/api/v1/entities/{name}/timeline", scopeRead, s.handleTimeline)
		route("GET", "/api/v1/matrix", scopeRead, s.handleMatrix)
	}
	if o.Digests != nil {
		route("GET", "/api/v1/digest", scopeRead, s.handleDigest)
	}
	if o.Backups != nil {
		route("POST", "/api/v1/admin/backup", scopeAdmin, s.handleBackup)
	}
	if s.reviews = o.Reviews; o.Reviews != nil {
		route("GET", "/api/v1/alliances", scopeRead, s.handleAlliances)
		route("GET", "/api/v1/alliances/{name}", scopeRead, s.handleAlliance)
		route("POST", "/api/v1/alliances/{name}/reviewed", scopeAdmin, s.handleMarkReviewed)
		route("GET", "/api/v1/radar", scopeRead, s.handleRadar)
	}

	return s
}

// Routes lists the patterns registered on the API's mux ("GET
// /api/v1/search"), in registration order: the routes this server's
// options enabled. The OpenAPI test checks each is described, so that a
// new route cannot be left out of openapi.json.
func (s *Server) Routes() []string { return slices.Clone(s.routes) }

// ServeHTTP implements http.Handler. Requests no route matches get JSON
// errors too: 405 with Allow for a known path and another method, 404
// otherwise (after authentication under /api/, so it reveals nothing).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	s.handler.ServeHTTP(w, r)
}

// dispatch hands a request to its route.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	if pattern != "" {
		s.mux.ServeHTTP(w, r) // sets the path values that Handler does not
		return
	}
	if s.pages != nil && !strings.HasPrefix(r.URL.Path, "/api/") && r.URL.Path != "/healthz" {
		s.pages.ServeHTTP(w, r)
		return
	}
	// Let the mux decide between 404 and 405, without its text body.
	c := &statusCapture{header: http.Header{}}
	h.ServeHTTP(c, r)
	if c.code == http.StatusMethodNotAllowed {
		allow := c.header.Get("Allow")
		w.Header().Set("Allow", allow)
		writeError(w, http.StatusMethodNotAllowed, r.Method+" is not allowed here; use "+allow)
		return
	}
	notFound := func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
	}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		s.auth.require(scopeRead, notFound).ServeHTTP(w, r)
		return
	}
	notFound(w, r)
}

// statusCapture records the status and headers a handler sets.
type statusCapture struct {
	header http.Header
	code   int
}

func (c *statusCapture) Header() http.Header         { return c.header }
func (c *statusCapture) Write(b []byte) (int, error) { return len(b), nil }
func (c *statusCapture) WriteHeader(code int)        { c.code = code }

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// writeJSON writes v as the response body. The answer is encoded whole
// before anything is sent, so that it goes out with a Content-Length in
// as few writes as it takes (not chunked, whose closing chunk costs the
// client one more wait after the handler returns), and so that a value
// that cannot be encoded is a 500, not a 200 with a cut body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // snippets carry <mark>; JSON is not HTML
	if err := enc.Encode(v); err != nil {
		buf.Reset()
		_ = json.NewEncoder(&buf).Encode(map[string]string{"error": "internal error: the answer cannot be encoded as JSON"})
		status = http.StatusInternalServerError
	}
	writeBody(w, status, buf.Bytes())
}

// writeBody sends body, encoded JSON, with its length.
func writeBody(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// serverError logs an unexpected error once, here, and answers 500
// without leaking internals.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the client went away
	}
	s.log.Error("api: request failed", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
	writeError(w, http.StatusInternalServerError, "internal error")
}
