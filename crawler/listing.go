package crawler

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

const (
	// minTeasers is how many link-list items and teasers a listing has at
	// least: two could be a "previous / next" pair under an article.
	minTeasers = 3
	// maxTeaserChars: a teaser is a headline and a summary; a block with a
	// linked heading and more text than this is an article with a linked
	// heading, not a teaser.
	maxTeaserChars = 1000
)

// findTeasers finds the link lists and teasers under root and says whether
// they make the page a listing (the teasers are returned either way: a page
// of several <article>s is a listing by its markup).
//
// A block is a teaser candidate when it links somewhere and either most of
// its text is link text (an item of a link list: a headline and its date)
// or it has exactly one heading (<h2>-<h6>), mostly linked, and at most
// maxTeaserChars of text (a headline and its summary). Candidates count
// only in groups: at least two under one parent, as a list repeats its
// items. An <h1> is never a teaser's headline: it is the page's own title,
// even when it links to the page itself. The page is a listing when at
// least minTeasers of them hold at least half of root's text: its own text
// is then what is left (an intro, a heading).
func findTeasers(root *html.Node) (map[*html.Node]bool, bool) {
	f := teaserFinder{teasers: make(map[*html.Node]bool), chars: make(map[*html.Node]int)}
	total := f.measure(root)
	if len(f.teasers) == 0 {
		return nil, false
	}
	// Teasers can nest (an item of a list that is itself one of a group):
	// count each outermost one once.
	var inTeasers, count int
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if f.teasers[c] {
				inTeasers += f.chars[c]
				count++
				continue
			}
			walk(c)
		}
	}
	walk(root)
	return f.teasers, count >= minTeasers && 2*inTeasers >= total.text
}

// blockText is what measure learns about a subtree.
type blockText struct {
	text, link int // letters and digits of text, and of link text
	headings   int // <h2>-<h6> whose text is mostly link text
	plain      int // other <h2>-<h6>
}

type teaserFinder struct {
	teasers map[*html.Node]bool
	chars   map[*html.Node]int // text of each teaser
}

// measure counts n's text and marks the teasers among its descendants.
func (f *teaserFinder) measure(n *html.Node) blockText {
	var t blockText
	switch n.Type {
	case html.TextNode:
		t.text = countChars(n.Data)
		return t
	case html.ElementNode, html.DocumentNode:
	default:
		return t
	}
	if n.Type == html.ElementNode && textSkipped[n.DataAtom] {
		return t
	}
	var candidates []*html.Node
	var candidateChars []int
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		ct := f.measure(c)
		if c.Type == html.ElementNode && isTeaser(c, ct) {
			candidates = append(candidates, c)
			candidateChars = append(candidateChars, ct.text)
		}
		t.text += ct.text
		t.link += ct.link
		t.headings += ct.headings
		t.plain += ct.plain
	}
	if len(candidates) >= 2 {
		for i, c := range candidates {
			f.teasers[c] = true
			f.chars[c] = candidateChars[i]
		}
	}
	if n.Type != html.ElementNode {
		return t
	}
	switch n.DataAtom {
	case atom.A:
		if hasAttr(n, "href") {
			t.link = t.text
		}
	case atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		if t.text > 0 && 2*t.link >= t.text {
			t.headings, t.plain = 1, 0
		} else {
			t.headings, t.plain = 0, 1
		}
	}
	return t
}

// isTeaser says whether an element, measured as t, is a teaser candidate.
func isTeaser(n *html.Node, t blockText) bool {
	if t.link == 0 || n.DataAtom == atom.H1 {
		return false
	}
	if 2*t.link >= t.text {
		return true // a link list's item, or a linked headline alone
	}
	return t.headings == 1 && t.plain == 0 && t.text <= maxTeaserChars
}

// countChars counts the letters and digits in s: what a reader reads,
// without the whitespace and punctuation that markup leaves around.
func countChars(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') {
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
		i += size
	}
	return n
}
