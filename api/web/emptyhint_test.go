package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/api/web"
	"github.com/techintel/techintel/index"
)

// TestSearchPageHintsAtAnEmptyIndex: the search page of an empty index
// says nothing has been gathered and links to the sources page; a full
// index with no match says only that nothing matches.
func TestSearchPageHintsAtAnEmptyIndex(t *testing.T) {
	ix, err := index.OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	h, err := web.New(web.Options{Searcher: ix, Sources: &memSources{}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Options{Searcher: ix, Sources: &memSources{}, Pages: h}))
	defer srv.Close()
	c := client(t)
	for _, u := range []string{"/", "/?q=nokia"} {
		code, page, _ := fetch(t, c, http.MethodGet, srv.URL+u, nil)
		if code != http.StatusOK || !strings.Contains(page, "Nothing has been gathered yet") || !strings.Contains(page, `<a href="/sources">sources page</a>`) {
			t.Errorf("%s: status %d, no empty-index hint:\n%s", u, code, page)
		}
	}

	f := newFixture(t)
	code, page, _ := fetch(t, c, http.MethodGet, f.server(t).URL+"/?q=zzzunmatched", nil)
	if code != http.StatusOK || strings.Contains(page, "Nothing has been gathered yet") || !strings.Contains(page, "No documents match") {
		t.Errorf("full index, no match: status %d\n%s", code, page)
	}
}
