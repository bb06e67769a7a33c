package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// Token scopes: read allows GET endpoints, admin everything.
const (
	scopeRead  = "read"
	scopeAdmin = "admin"
)

// Token is an accepted bearer token, kept only as its SHA-256.
type Token struct {
	Name   string
	SHA256 [sha256.Size]byte
	Admin  bool
}

type authenticator struct {
	tokens []Token
}

func newAuthenticator(tokens []Token) *authenticator { return &authenticator{tokens: tokens} }

// require wraps h so that, with tokens configured, it needs a bearer token
// of at least the given scope.
func (a *authenticator) require(scope string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(a.tokens) == 0 {
			h(w, r)
			return
		}
		raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || raw == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="techintel"`)
			writeError(w, http.StatusUnauthorized, "missing bearer token: send Authorization: Bearer TOKEN")
			return
		}
		tok := a.match(strings.TrimSpace(raw))
		if tok == nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="techintel", error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, "invalid bearer token")
			return
		}
		if scope == scopeAdmin && !tok.Admin {
			writeError(w, http.StatusForbidden, "token "+tok.Name+" has read scope; this needs an admin token")
			return
		}
		h(w, r)
	})
}

// match compares hashes in constant time and looks at every token, so
// timing tells nothing about which one nearly matched.
func (a *authenticator) match(raw string) *Token { return MatchToken(a.tokens, raw) }

// MatchToken returns the token whose hash is raw's SHA-256, or nil. The
// web pages check tokens with it too.
func MatchToken(tokens []Token, raw string) *Token {
	sum := sha256.Sum256([]byte(raw))
	var found *Token
	for i := range tokens {
		if subtle.ConstantTimeCompare(sum[:], tokens[i].SHA256[:]) == 1 {
			found = &tokens[i]
		}
	}
	return found
}
