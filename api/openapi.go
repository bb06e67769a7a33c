package api

import (
	_ "embed"
	"net/http"
	"slices"
)

// openAPI is the OpenAPI 3.1 description of this API, kept in the
// repository beside the handlers and checked against their real answers
// by a test (cmd/techintel TestOpenAPI), so that it cannot drift.
//
//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the OpenAPI 3.1 description of the API (JSON).
func OpenAPI() []byte { return slices.Clone(openAPI) }

// handleOpenAPI serves GET /api/v1/openapi.json without a token: the
// description is public, like the documentation it is.
func (s *Server) handleOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(openAPI)
}
