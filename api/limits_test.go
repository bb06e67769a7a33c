package api_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/index"
)

// TestQueryBounds: the red-team's 10,000 to 150,000 character queries
// and 20,000 fuzzy terms cost seconds to a minute of CPU each; they are
// refused before any work, with the bound named.
func TestQueryBounds(t *testing.T) {
	srv, _, _ := newServer(t, nil)
	many := func(term string, n int) string { return strings.TrimSpace(strings.Repeat(term+" ", n)) }
	tests := []struct {
		name   string
		params url.Values
		status int
		want   string
	}{
		{"100,000 characters", url.Values{"q": {strings.Repeat("a", 100_000)}}, 400, "100000 characters is too long"},
		{"just past the length", url.Values{"q": {strings.Repeat("é", api.MaxQueryLength+1)}}, 400, "too long"},
		{"at the length", url.Values{"q": {strings.Repeat("é", api.MaxQueryLength)}}, 200, ""},
		{"too many terms", url.Values{"q": {many("nokia", api.MaxQueryTerms+1)}}, 400, "terms is too many"},
		{"as many terms as allowed", url.Values{"q": {many("nokia", api.MaxQueryTerms)}}, 200, ""},
		{"20,000 fuzzy terms", url.Values{"q": {many("radio~2", 20_000)}}, 400, "too long"},
		{"too many fuzzy terms", url.Values{"q": {many("radio~2", api.MaxExpandingTerms+1)}}, 400, "fuzzy, wildcard"},
		{"too many wildcards", url.Values{"q": {many("ra*", api.MaxExpandingTerms+1)}}, 400, "fuzzy, wildcard"},
		{"too many regexps", url.Values{"q": {many("+/ra.*/", api.MaxExpandingTerms+1)}}, 400, "fuzzy, wildcard"},
		{"allowed fuzzy terms", url.Values{"q": {many("radio~1", api.MaxExpandingTerms)}}, 200, ""},
		{"too many entity filters", url.Values{"entity": strings.Fields(many("Nokia", api.MaxListItems+1))}, 400, "entity: 51 values"},
		{"too long a source", url.Values{"source": {strings.Repeat("s", api.MaxValueLength+1)}}, 400, "source[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := get(t, "GET", srv.URL+"/api/v1/search?"+tt.params.Encode(), "")
			if status != tt.status {
				t.Fatalf("%d %v, want %d", status, body, tt.status)
			}
			if tt.want != "" && !strings.Contains(body["error"].(string), tt.want) {
				t.Errorf("error %q, want %q", body["error"], tt.want)
			}
		})
	}
}

// TestSearchDeadlineCancelsTheSearch: a search that outlives
// api.search_timeout is cancelled inside bleve and answers 503 naming the
// setting; the same index answers normally with the default.
func TestSearchDeadlineCancelsTheSearch(t *testing.T) {
	ix, err := index.OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	docs := make([]index.Document, 50)
	for i := range docs {
		u := "https://news.example/" + strings.Repeat("x", i+1)
		docs[i] = index.Document{ID: index.DocID(u), URL: u, Title: "Nokia radio", Body: "radio", Source: "news", Published: time.Now()}
	}
	if _, err := ix.Upsert(t.Context(), docs); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		timeout time.Duration
		status  int
	}{{time.Nanosecond, http.StatusServiceUnavailable}, {0, http.StatusOK}} {
		s := api.New(api.Options{Searcher: ix, Sources: &sources{}, SearchTimeout: tt.timeout})
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/search?q=radio~1", nil))
		if w.Code != tt.status {
			t.Errorf("timeout %v: %d %s, want %d", tt.timeout, w.Code, w.Body, tt.status)
		}
		if tt.status == 503 && !strings.Contains(w.Body.String(), "api.search_timeout") {
			t.Errorf("the answer does not name the setting: %s", w.Body)
		}
	}
}
