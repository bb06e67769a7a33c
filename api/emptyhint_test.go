package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/index"
)

// TestSearchHintsAtAnEmptyIndex: a search of an empty index says nothing
// has been gathered yet; a search that matches nothing in a full index
// does not.
func TestSearchHintsAtAnEmptyIndex(t *testing.T) {
	empty, err := index.OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	defer empty.Close()
	srv := httptest.NewServer(api.New(api.Options{Searcher: empty, Sources: &sources{}}))
	defer srv.Close()
	code, body := get(t, http.MethodGet, srv.URL+"/api/v1/search?q=nokia", "")
	if code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	if hint, _ := body["hint"].(string); !strings.Contains(hint, "nothing has been gathered yet") || !strings.Contains(hint, "/sources") {
		t.Errorf("empty index: hint %q", body["hint"])
	}

	full, _, _ := newServer(t, nil)
	code, body = get(t, http.MethodGet, full.URL+"/api/v1/search?q=zzzunmatched", "")
	if code != http.StatusOK || body["total"].(float64) != 0 {
		t.Fatalf("status %d, body %v", code, body)
	}
	if _, ok := body["hint"]; ok {
		t.Errorf("a search with no match in a full index has a hint: %v", body["hint"])
	}
}
