package api_test

import (
	"net/http"
	"testing"
)

// TestSearchSalient: salient=true keeps the entity filter to documents
// about the entity; the fixture's documents mention Nokia without being
// about it (no salience stored), so they drop out.
func TestSearchSalient(t *testing.T) {
	srv, _, _ := newServer(t, nil)
	for _, tc := range []struct {
		query  string
		status int
		total  float64
	}{
		{"?entity=Nokia", http.StatusOK, 2},
		{"?entity=Nokia&salient=false", http.StatusOK, 2},
		{"?entity=Nokia&salient=true", http.StatusOK, 0},
		{"?entity=Nokia&salient=yes", http.StatusBadRequest, 0},
	} {
		status, body := get(t, http.MethodGet, srv.URL+"/api/v1/search"+tc.query, "")
		if status != tc.status {
			t.Errorf("%s: status %d, want %d (%v)", tc.query, status, tc.status, body)
			continue
		}
		if status == http.StatusOK && body["total"] != tc.total {
			t.Errorf("%s: total %v, want %v", tc.query, body["total"], tc.total)
		}
	}
}
