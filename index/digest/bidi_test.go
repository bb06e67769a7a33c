package digest_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/digest"
	"github.com/techintel/techintel/index/insight"
)

// rlo is U+202E RIGHT-TO-LEFT OVERRIDE: "\u202egpj.exe" reads "exe.jpg".
const rlo = "\u202e"

func isBidiControl(r rune) bool {
	return r == '\u200e' || r == '\u200f' || r == '\u061c' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}

// checkIsolated fails for text carrying a bidi control outside a <bdi>, a
// dir="auto" element or an SVG text with unicode-bidi="isolate", where it
// would reorder the page after it, and for one in <title>, which cannot
// isolate.
func checkIsolated(tb testing.TB, page string, body []byte) {
	tb.Helper()
	z := html.NewTokenizer(bytes.NewReader(body))
	var stack []string // "isolated" or the tag name
	for {
		switch z.Next() {
		case html.ErrorToken:
			return
		case html.StartTagToken:
			t := z.Token()
			if t.Data == "meta" {
				continue
			}
			mark := t.Data
			for _, a := range t.Attr {
				if a.Key == "dir" && a.Val == "auto" || a.Key == "unicode-bidi" && a.Val == "isolate" {
					mark = "isolated"
				}
			}
			if t.Data == "bdi" {
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
			if len(stack) > 0 && stack[len(stack)-1] == "title" || !slices.Contains(stack, "isolated") {
				tb.Errorf("%s: bidi control not isolated in %q (inside %v)", page, text, stack)
			}
		}
	}
}

// TestExportsIsolateBidi: the standalone HTML of the digest and of a
// partner's review isolate crawled names and titles as the web pages do,
// so a U+202E in a title does not reverse the dates and counts after it.
func TestExportsIsolateBidi(t *testing.T) {
	ix, err := index.OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	published := time.Date(2026, 11, 17, 9, 0, 0, 0, time.UTC)
	partner, tech := "Part"+rlo+"renp", "Open"+rlo+"NAR"
	var docs []index.Document
	for i, u := range []string{"https://news.example/rlo-1", "https://other.example/rlo-2"} {
		docs = append(docs, index.Document{ID: index.DocID(u), URL: u,
			Title: "Nokia " + rlo + "gpj.exe radios", Body: "Nokia radios " + rlo + " reversed body text.",
			Source: "wire" + rlo + string(rune('a'+i)), Published: published, Fetched: published,
			Components: []string{"own"}, Entities: []string{"Nokia", partner}, Technologies: []string{tech},
			Salient: []string{"Nokia"}, Primary: "own"})
	}
	if _, err := ix.Upsert(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	d, err := digest.Build(context.Background(), ix, "2026-W47", []digest.Entity{{Name: "Nokia", Role: "own"}, {Name: partner, Role: "partner"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sig := insight.Signal{Competitor: "Riv" + rlo + "al", Title: "Deal " + rlo + "laed", URL: "https://news.example/rlo-1", Published: published}
	d.Alliances = []digest.PartnerLine{{Name: partner, Week: 2, Signals: []insight.Signal{sig}, Due: published}}
	d.Radar = []digest.RadarLine{{Technology: tech, Trend: insight.Rising, Week: 2, Position: "ahead", FirstSeen: &published}}
	var buf bytes.Buffer
	if err := digest.WriteHTML(&buf, d); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), rlo); n < 8 {
		t.Fatalf("the digest carries %d of the test's bidi controls, want its titles, sources, names and lines", n)
	}
	checkIsolated(t, "digest", buf.Bytes())

	r := &insight.Review{Name: partner, Technologies: []insight.NameCount{{Name: tech, Count: 2}},
		WithCompetitors: []insight.NameCount{{Name: sig.Competitor, Count: 1}}, Signals: []insight.Signal{sig},
		Latest:      []index.Hit{{Title: docs[0].Title, URL: docs[0].URL, Source: docs[0].Source, Published: published}},
		ReviewEvery: 90, Due: published}
	buf.Reset()
	if err := r.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), rlo); n < 7 {
		t.Fatalf("the review carries %d of the test's bidi controls", n)
	}
	checkIsolated(t, "review", buf.Bytes())
}
