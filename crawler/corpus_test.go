package crawler

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// corpusDir holds Mozilla Readability.js's test pages: source.html, the
// article a careful extractor returns (expected.html) and its metadata.
const corpusDir = "../../shared/corpora/readability-test-pages"

// minCorpusF1 is the regression floor for the mean token F1 over the corpus:
// what the extractor reached, less a small margin for harmless changes.
const minCorpusF1 = 0.965

// corpusPage is one page of the corpus.
type corpusPage struct {
	name     string
	source   []byte
	expected string // the expected article's text
	meta     corpusMeta
}

type corpusMeta struct {
	Title         string `json:"title"`
	Byline        string `json:"byline"`
	PublishedTime string `json:"publishedTime"`
	Readerable    bool   `json:"readerable"`
}

// corpusPageURL is the address Readability.js's test suite gives every page.
var corpusPageURL = &url.URL{Scheme: "http", Host: "fakehost", Path: "/test/page.html"}

// loadCorpus reads the corpus, or skips the test when it is missing.
func loadCorpus(tb testing.TB) []corpusPage {
	tb.Helper()
	dirs, err := os.ReadDir(corpusDir)
	if err != nil {
		tb.Skipf("extraction corpus not found at %s (%v): skipping", corpusDir, err)
	}
	var pages []corpusPage
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		dir := filepath.Join(corpusDir, d.Name())
		src, err := os.ReadFile(filepath.Join(dir, "source.html"))
		if err != nil {
			continue
		}
		exp, err := os.ReadFile(filepath.Join(dir, "expected.html"))
		if err != nil {
			continue
		}
		p := corpusPage{name: d.Name(), source: src, expected: htmlText(string(exp))}
		if m, err := os.ReadFile(filepath.Join(dir, "expected-metadata.json")); err == nil {
			if err := json.Unmarshal(m, &p.meta); err != nil {
				tb.Fatalf("%s: expected-metadata.json: %v", d.Name(), err)
			}
		}
		pages = append(pages, p)
	}
	if len(pages) == 0 {
		tb.Skipf("extraction corpus at %s holds no pages: skipping", corpusDir)
	}
	return pages
}

// htmlText is the text of an HTML fragment, scripts and styles left out.
func htmlText(s string) string {
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		return ""
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && (c.DataAtom == atom.Script || c.DataAtom == atom.Style) {
				continue
			}
			walk(c)
		}
	}
	walk(doc)
	return b.String()
}

// tokens splits text the way extraction benchmarks score it: lower case,
// split on whitespace and punctuation.
func tokens(s string) map[string]int {
	m := make(map[string]int)
	for _, t := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		m[t]++
	}
	return m
}

// tokenF1 scores got against want: precision is the share of got's tokens
// found in want, recall the share of want's found in got.
func tokenF1(got, want string) (precision, recall, f1 float64) {
	g, w := tokens(got), tokens(want)
	var ng, nw, shared int
	for t, c := range g {
		ng += c
		shared += min(c, w[t])
	}
	for _, c := range w {
		nw += c
	}
	switch {
	case ng == 0 && nw == 0:
		return 1, 1, 1
	case ng == 0 || nw == 0 || shared == 0:
		return 0, 0, 0
	}
	precision, recall = float64(shared)/float64(ng), float64(shared)/float64(nw)
	return precision, recall, 2 * precision * recall / (precision + recall)
}

// corpusScore is an extractor's result over the corpus.
type corpusScore struct {
	mean  float64
	pages []pageScore
}

type pageScore struct {
	name         string
	p, r, f1     float64
	extractedLen int
}

func scoreCorpus(pages []corpusPage, extract func([]byte) string) corpusScore {
	var s corpusScore
	for _, pg := range pages {
		got := extract(pg.source)
		p, r, f := tokenF1(got, pg.expected)
		s.pages = append(s.pages, pageScore{pg.name, p, r, f, len(got)})
		s.mean += f
	}
	s.mean /= float64(len(pages))
	return s
}

// worst returns the n lowest-scoring pages, described.
func (s corpusScore) worst(n int) string {
	ps := slices.Clone(s.pages)
	slices.SortFunc(ps, func(a, b pageScore) int {
		switch {
		case a.f1 < b.f1:
			return -1
		case a.f1 > b.f1:
			return 1
		}
		return strings.Compare(a.name, b.name)
	})
	var b strings.Builder
	for _, p := range ps[:min(n, len(ps))] {
		fmt.Fprintf(&b, "  %-45s F1 %.3f  P %.3f  R %.3f  (%d bytes)\n", p.name, p.f1, p.p, p.r, p.extractedLen)
	}
	return b.String()
}

// TestCorpusExtraction scores Extract's Body on the Readability.js test
// pages and holds the mean to a floor; it logs the worst pages and how
// often the title, author and date match the expected metadata.
func TestCorpusExtraction(t *testing.T) {
	pages := loadCorpus(t)
	extracted := make(map[string]Page, len(pages))
	s := scoreCorpus(pages, func(b []byte) string {
		p := Extract(b, "", corpusPageURL)
		return p.Body
	})
	for _, pg := range pages {
		extracted[pg.name] = Extract(pg.source, "", corpusPageURL)
	}
	t.Logf("mean token F1 over %d pages: %.4f (floor %.3f); worst:\n%s", len(pages), s.mean, minCorpusF1, s.worst(15))
	var titles, authors, dates, haveAuthor, haveDate int
	var misses []string
	for _, pg := range pages {
		p := extracted[pg.name]
		if sameText(p.Title, pg.meta.Title) {
			titles++
		} else {
			misses = append(misses, fmt.Sprintf("title %s: got %q want %q", pg.name, p.Title, pg.meta.Title))
		}
		if pg.meta.Byline != "" {
			haveAuthor++
			if sameAuthor(p.Author, pg.meta.Byline) {
				authors++
			} else {
				misses = append(misses, fmt.Sprintf("author %s: got %q want %q", pg.name, p.Author, pg.meta.Byline))
			}
		}
		if pg.meta.PublishedTime != "" {
			haveDate++
			if sameDay(p.Published, pg.meta.PublishedTime) {
				dates++
			} else {
				misses = append(misses, fmt.Sprintf("date %s: got %v want %q", pg.name, p.Published, pg.meta.PublishedTime))
			}
		}
	}
	t.Logf("metadata: title %d/%d, author %d/%d, published %d/%d", titles, len(pages), authors, haveAuthor, dates, haveDate)
	if testing.Verbose() {
		t.Logf("metadata misses:\n%s", strings.Join(misses, "\n"))
	}
	if s.mean < minCorpusF1 {
		t.Errorf("mean token F1 %.4f is below the floor %.3f", s.mean, minCorpusF1)
	}
}

func sameText(a, b string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}

// sameAuthor accepts a byline that names the author with more words around
// it ("By Jane Doe" for "Jane Doe") either way round.
func sameAuthor(got, want string) bool {
	g, w := strings.ToLower(strings.Join(strings.Fields(got), " ")), strings.ToLower(strings.Join(strings.Fields(want), " "))
	return g != "" && (strings.Contains(g, w) || strings.Contains(w, g))
}

// sameDay compares a date with the metadata's, which may lack a zone: the
// calendar day must match within a day's zone slack.
func sameDay(got time.Time, want string) bool {
	if got.IsZero() {
		return false
	}
	w, ok := parseDate(want)
	if !ok {
		return false
	}
	d := got.Sub(w)
	return d < 26*time.Hour && d > -26*time.Hour
}

// FuzzJSONLDArticle: any script content is read without panicking, and a
// block that does not parse as JSON never declares an article.
func FuzzJSONLDArticle(f *testing.F) {
	for _, s := range []string{`{"@type":"NewsArticle"}`, `{"@graph":[{"@type":["WebPage"]},{"@type":"BlogPosting"}]}`,
		`[{"@type":"ItemList","itemListElement":[{"@type":"NewsArticle"}]}]`, `<!--{"@type":"Article"}-->`, `{`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := jsonLDArticle(s)
		trimmed := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "<!--"), "-->")
		if got && !json.Valid([]byte(trimmed)) {
			t.Errorf("jsonLDArticle(%q) = true for invalid JSON", s)
		}
	})
}
