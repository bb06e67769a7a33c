package api

import (
	"net/http"
	"slices"
	"strings"
)

// CORS (https://fetch.spec.whatwg.org/#http-cors-protocol): without
// configured origins the API sends no CORS header at all, so browsers keep
// other sites' scripts out. With origins, only those get the headers, and
// preflights from them are answered here, before authentication, since a
// browser sends no Authorization header on a preflight.
const (
	corsMethods = "GET, POST, DELETE"
	corsHeaders = "Authorization, Content-Type"
	corsMaxAge  = "600"
)

type cors struct {
	origins []string // exact origins ("https://app.example"); "*" allows any
}

func newCORS(origins []string) *cors {
	if len(origins) == 0 {
		return nil
	}
	return &cors{origins: origins}
}

func (c *cors) allowed(origin string) bool {
	return origin != "" && (slices.Contains(c.origins, "*") || slices.Contains(c.origins, origin))
}

// wrap adds the CORS headers for allowed origins and answers preflights.
func (c *cors) wrap(h http.Handler) http.Handler {
	if c == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		w.Header().Add("Vary", "Origin")
		preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
		if !c.allowed(origin) {
			if preflight {
				writeError(w, http.StatusForbidden, "origin "+quoteOrigin(origin)+" is not in api.cors_origins")
				return
			}
			h.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Access-Control-Allow-Origin", origin)
		if !preflight {
			w.Header().Set("Access-Control-Expose-Headers", "Retry-After")
			h.ServeHTTP(w, r)
			return
		}
		method := r.Header.Get("Access-Control-Request-Method")
		if !slices.Contains(strings.Split(corsMethods, ", "), method) {
			writeError(w, http.StatusForbidden, "method "+method+" is not allowed across origins; use "+corsMethods)
			return
		}
		w.Header().Add("Vary", "Access-Control-Request-Method")
		w.Header().Add("Vary", "Access-Control-Request-Headers")
		w.Header().Set("Access-Control-Allow-Methods", corsMethods)
		w.Header().Set("Access-Control-Allow-Headers", corsHeaders)
		w.Header().Set("Access-Control-Max-Age", corsMaxAge)
		w.WriteHeader(http.StatusNoContent)
	})
}

func quoteOrigin(o string) string {
	if o == "" {
		return "(none)"
	}
	return `"` + o + `"`
}
