package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/api/web"
	"github.com/techintel/techintel/index"
)

// rlo is U+202E RIGHT-TO-LEFT OVERRIDE: "\u202egpj.exe" reads "exe.jpg".
const rlo = "\u202e"

// isBidiControl: the characters that reorder the text after them.
func isBidiControl(r rune) bool {
	return r == '\u200e' || r == '\u200f' || r == '\u061c' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}

// checkIsolated fails for text carrying a bidi control outside a <bdi>
// or a dir="auto" element, where it would reorder the page around it,
// and for one in <title>, which cannot isolate.
func checkIsolated(tb testing.TB, page, body string) {
	tb.Helper()
	z := html.NewTokenizer(strings.NewReader(body))
	var stack []string // "isolated" or the tag name
	isolated := func() bool {
		for _, s := range stack {
			if s == "isolated" {
				return true
			}
		}
		return false
	}
	for {
		switch z.Next() {
		case html.ErrorToken:
			return
		case html.StartTagToken:
			t := z.Token()
			if t.DataAtom.String() == "br" || t.DataAtom.String() == "input" || t.DataAtom.String() == "meta" || t.DataAtom.String() == "link" || t.DataAtom.String() == "img" {
				continue
			}
			mark := t.Data
			// SVG has no <bdi>: a chart label isolates with the
			// unicode-bidi presentation attribute.
			if t.Data == "bdi" || attr(t, "dir") == "auto" || attr(t, "unicode-bidi") == "isolate" {
				mark = "isolated"
			}
			stack = append(stack, mark)
		case html.EndTagToken:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case html.TextToken:
			text := string(z.Text())
			if !strings.ContainsFunc(text, isBidiControl) {
				continue
			}
			inTitle := len(stack) > 0 && stack[len(stack)-1] == "title"
			if inTitle || !isolated() {
				tb.Errorf("%s: bidi control not isolated in %q (inside %v)", page, text, stack)
			}
		}
	}
}

// TestBidiIsolation: titles, sources, authors and subscription names
// carrying U+202E were not isolated on 9 of 15 pages; the override ran
// on into the dates, counts and buttons after them. The watch list's
// names and technologies (configured, but often pasted from crawled
// text) carry it too, for the entity, alliance review, radar and digest
// pages.
func TestBidiIsolation(t *testing.T) {
	ix, err := index.OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	partner, rival, tech := "Part"+rlo+"renp", "Riv"+rlo+"lavir", "Open"+rlo+"NAR"
	var docs []index.Document
	for i, u := range []string{"https://news.example/rlo-1", "https://other.example/rlo-2"} {
		docs = append(docs, index.Document{ID: index.DocID(u), URL: u + "?" + rlo + "x",
			Title: "Nokia " + rlo + "gpj.exe radios", Body: "Nokia radios " + rlo + " reversed body text.",
			Author: rlo + "rohtua", Source: "wire" + string(rune('a'+i)), // source names come from the configuration
			Published:  time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC),
			Components: []string{"own"}, Entities: []string{"Nokia", partner, rival}, Technologies: []string{tech},
			Salient:  []string{partner, rival, tech},
			Evidence: []index.Evidence{{Entity: "Nokia", Component: "own", Matched: "Nokia", Field: "title", Excerpt: "Nokia " + rlo + "gpj.exe"}},
		})
	}
	if _, err := ix.Upsert(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	subs := &memSubs{ix: ix, subs: map[string]api.Subscription{}}
	if _, err := subs.CreateSubscription(t.Context(), api.SubscriptionRequest{Name: "watch " + rlo + "evil", Query: "nokia " + rlo, Entities: []string{"Nokia"}}); err != nil {
		t.Fatal(err)
	}
	sources := &memSources{list: []api.SourceStatus{{Name: "wire" + rlo + "a", Type: "feed", URL: "https://news.example/" + rlo, LastError: "bad " + rlo + "gateway"}}}
	watch := []api.EntityStatus{{Name: "Nokia", Role: "own", Component: "own"},
		{Name: partner, Role: "partner", Component: "alliances"}, {Name: rival, Role: "competitor", Component: "others"}}
	f := &fixture{} // the reviews' clock: the week after the documents', so that theirs is complete
	f.clock.Store(time.Date(2026, 11, 18, 12, 0, 0, 0, time.UTC).UnixNano())
	h, err := web.New(web.Options{Searcher: ix, Sources: sources, Subs: subs,
		Digests:  memDigests{ix: ix, watch: watch},
		Entities: memEntities{ix: ix, watch: watch, techs: []string{tech}},
		Reviews:  newMemReviews(ix, f, watch, []string{tech})})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Options{Searcher: ix, Sources: sources, Subs: subs, Pages: h}))
	defer srv.Close()
	c := client(t)
	for _, path := range []string{"/?q=nokia", "/?q=nokia&collapse=none", "/?entity=Nokia&source=wirea", "/?entity=" + url.QueryEscape(partner) + "&technology=" + url.QueryEscape(tech),
		"/documents/" + docs[0].ID, "/alerts", "/alerts/s1", "/sources",
		"/entities", "/entities/" + url.PathEscape(partner), "/digest?week=2026-W46",
		"/alliances", "/alliances/" + url.PathEscape(partner), "/radar"} {
		status, body, _ := fetch(t, c, "GET", srv.URL+path, nil)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d", path, status)
		}
		if !strings.Contains(body, rlo) {
			t.Fatalf("GET %s: the test text is not on the page", path)
		}
		checkIsolated(t, path, body)
	}
}
