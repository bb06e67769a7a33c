package web_test

import (
	"fmt"
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
	if !strings.Contains(page, `<span class="err-text"><bdi>cannot resolve www.example.com: no such host</bdi></span>`) {
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
		`class="tag ent"`, `<span class="visually-hidden">Organisation: </span><bdi>Vodafone</bdi>`,
		`class="tag tech"`, `<span class="visually-hidden">Technology: </span><bdi>Network slicing</bdi>`,
		`<details class="filters" open>`, `<summary>Filters`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("search page lacks %s", want)
		}
	}
}

// TestSearchHistogramBars: the search page draws a bar per week with the
// matches' count, and a bar's link narrows the search to its week.
func TestSearchHistogramBars(t *testing.T) {
	f := newFixture(t)
	srv := f.server(t)
	c := client(t)
	_, page, _ := fetch(t, c, http.MethodGet, srv.URL+"/?q=vodafone", nil)
	// Vodafone reports are published on days 1+i%20 of November 2026: the
	// week of 2 November holds days 2-8, 7 days × 1 or 2 reports.
	want := 0
	for i := range 30 {
		if d := 1 + i%20; d >= 2 && d <= 8 {
			want++
		}
	}
	label := fmt.Sprintf("week of 2026-11-02: %d documents", want)
	if !strings.Contains(page, `<figure class="histogram">`) || !strings.Contains(page, `aria-label="`+label+`"`) {
		t.Fatalf("no bar %q:\n%s", label, page)
	}
	link := `/?q=vodafone&amp;since=2026-11-02&amp;until=2026-11-08`
	if !strings.Contains(page, `href="`+link+`"`) {
		t.Fatalf("no link %s for the bar", link)
	}
	_, page, _ = fetch(t, c, http.MethodGet, srv.URL+strings.ReplaceAll(link, "&amp;", "&"), nil)
	if !strings.Contains(page, fmt.Sprintf("of %d documents", want)) && !strings.Contains(page, fmt.Sprintf("(%d documents)", want)) {
		t.Errorf("the bar's search does not find its %d documents:\n%s", want, page)
	}
	// Within a week the bars are days.
	if !strings.Contains(page, "Documents published per day") || !strings.Contains(page, `aria-label="2026-11-02: 2 documents"`) {
		t.Errorf("the week's page does not draw its days:\n%s", page)
	}
}
