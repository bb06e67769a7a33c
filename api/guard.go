package api

import (
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// What a browser on the same machine can be made to send. Without tokens
// (the default on loopback) any page the user opens can make the browser
// send requests to 127.0.0.1: "simple" cross-site POSTs (a form, or fetch
// with text/plain and no-cors) arrive without a preflight, and a DNS name
// an attacker rebinds to 127.0.0.1 even lets the page read the answers.
// Three checks close that:
//
//   - Host: only the names the server is reached by (hostGuard). A
//     rebinding page sends its own name as Host, so it gets 421.
//   - Content-Type: a state-changing API call must say application/json,
//     which no form can send and which fetch cannot send cross-site
//     without a preflight, which the CORS layer refuses for unknown
//     origins.
//   - Origin / Sec-Fetch-Site: a state-changing call that a browser marks
//     as coming from another site is refused outright, unless its origin
//     is in api.cors_origins.

// hostGuard accepts the Host names a server answers to.
type hostGuard struct {
	names map[string]bool // lower case, no port
	// anyIP accepts every IP literal (a wildcard listen address): DNS
	// rebinding needs a name, so an IP literal Host is never rebound.
	anyIP bool
}

// newHostGuard returns nil (no check) for an empty list. The loopback
// names are always accepted; "*" in the list accepts every IP literal.
func newHostGuard(hosts []string) *hostGuard {
	if len(hosts) == 0 {
		return nil
	}
	g := &hostGuard{names: map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true}}
	for _, h := range hosts {
		h = strings.ToLower(strings.Trim(strings.TrimSpace(h), "[]"))
		if h == "*" {
			g.anyIP = true
			continue
		}
		g.names[h] = true
	}
	return g
}

// allowed reports whether a request's Host header names this server.
func (g *hostGuard) allowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if host == "" {
		return false
	}
	if g.names[host] || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (g.anyIP || ip.IsLoopback())
}

// stateChanging reports whether a method can change state.
func stateChanging(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// crossSite reports whether a browser marked the request as coming from
// another site, by Sec-Fetch-Site or an Origin whose host is not the
// request's Host. Clients that send neither (scripts, curl) are not
// browsers on a foreign page.
func crossSite(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return true
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	u, err := url.Parse(origin)
	return err != nil || !strings.EqualFold(u.Host, r.Host)
}

// isJSON reports whether a Content-Type header says application/json.
func isJSON(ctype string) bool {
	mt, _, err := mime.ParseMediaType(ctype)
	return err == nil && mt == "application/json"
}

// guard wraps h with the Host check (every path but /healthz, which
// monitors reach by any name and which reveals nothing) and, for
// state-changing calls under /api/, the Content-Type and cross-site
// checks.
func (s *Server) guard(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.hosts != nil && r.URL.Path != "/healthz" && !s.hosts.allowed(r.Host) {
			writeError(w, http.StatusMisdirectedRequest, "host "+quoteOrigin(r.Host)+" is not a name of this server; add it to api.allowed_hosts")
			return
		}
		if strings.HasPrefix(r.URL.Path, "/api/") && stateChanging(r.Method) {
			origin := r.Header.Get("Origin")
			if crossSite(r) && (s.cors == nil || !s.cors.allowed(origin)) {
				writeError(w, http.StatusForbidden, "cross-site request refused: origin "+quoteOrigin(origin)+" is not in api.cors_origins")
				return
			}
			if r.Method != http.MethodDelete && !isJSON(r.Header.Get("Content-Type")) {
				writeError(w, http.StatusUnsupportedMediaType, "Content-Type: must be application/json on "+r.Method+" requests")
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}
