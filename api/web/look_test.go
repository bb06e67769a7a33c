package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/techintel/techintel/api"
)

// TestSourcesPageBackoffAndWrapping: a backoff that has ended is not shown
// ("backing off until 15:42" at 15:56), one still running is; URLs may
// wrap only after their separators, and errors are not broken mid-word.
func TestSourcesPageBackoffAndWrapping(t *testing.T) {
	f := newFixture(t)
	past, future := fixtureNow.Add(-14*time.Minute), fixtureNow.Add(30*time.Minute)
	f.sources.list = []api.SourceStatus{
		{Name: "ended", Type: "feed", URL: "https://www.example.com/news/feed.xml?x=1", Schedule: "@every 1h",
			BackoffUntil: &past, LastError: "cannot resolve www.example.com: no such host", ConsecutiveFailures: 1},
		{Name: "waiting", Type: "feed", URL: "https://b.example/feed", Schedule: "@every 1h", BackoffUntil: &future},
	}
	_, page, _ := fetch(t, client(t), http.MethodGet, f.server(t).URL+"/sources", nil)
	if strings.Count(page, "backing off until") != 1 || !strings.Contains(page, "backing off until "+future.UTC().Format("2006-01-02 15:04 UTC")) {
		t.Errorf("want only the future backoff shown:\n%s", page)
	}
	if !strings.Contains(page, "https:/<wbr>/<wbr>www.<wbr>example.<wbr>com/<wbr>news/<wbr>feed.<wbr>xml?<wbr>x=<wbr>1") {
		t.Errorf("the URL has no break opportunities after its separators:\n%s", page)
	}
	if !strings.Contains(page, `<span class="err-text">cannot resolve www.example.com: no such host</span>`) {
		t.Errorf("the error is not in a word-wrapping span:\n%s", page)
	}
}

// TestTagKindsDiffer: component, organisation and technology tags carry
// their kind in the class (shape in the stylesheet) and in text for
// screen readers, not in colour alone.
func TestTagKindsDiffer(t *testing.T) {
	f := newFixture(t)
	_, page, _ := fetch(t, client(t), http.MethodGet, f.server(t).URL+"/?q=vodafone", nil)
	for _, want := range []string{
		`class="tag comp c-alliances"`, `<span class="visually-hidden">Component: </span>`,
		`class="tag ent"`, `<span class="visually-hidden">Organisation: </span>Vodafone`,
		`class="tag tech"`, `<span class="visually-hidden">Technology: </span>Network slicing`,
		`<details class="filters" open>`, `<summary>Filters`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("search page lacks %s", want)
		}
	}
}
