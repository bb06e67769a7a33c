package crawler

import (
	"bytes"
	"net/url"
	"strings"

	readability "codeberg.org/readeck/go-readability/v2"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/techintel/techintel/index/plaintext"
)

// maxReadabilityElements: readability scores every element, several
// times over on a hard page; past this many (a real article page has a
// few thousand) the page's text is taken without it.
const maxReadabilityElements = 30_000

// boilerplate elements are dropped before any text is taken: they repeat
// on every page of a site and say nothing about this one (or, like a
// stray <title> in the body, are not content at all).
var boilerplate = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true, atom.Title: true,
	atom.Nav: true, atom.Header: true, atom.Footer: true, atom.Aside: true, atom.Dialog: true,
	atom.Iframe: true, atom.Button: true, atom.Select: true, atom.Textarea: true, atom.Input: true,
}

// boilerplateRoles are the ARIA roles that mean the same as boilerplate.
var boilerplateRoles = map[string]bool{
	"navigation": true, "banner": true, "contentinfo": true, "complementary": true, "search": true,
	"dialog": true, "alertdialog": true, "menu": true, "menubar": true,
}

// junkWords in a class or id mark blocks that are not the page's own
// text: cookie banners, sidebars, "related news" lists naming other
// companies, share buttons, ads. junkPrefixes also match as the start of
// a word ("relatedArticles", "cookiebar"); the others only whole, since
// "ad" starts "address" and "share" starts "shareholders".
var (
	junkPrefixes = []string{"cookie", "consent", "gdpr", "sidebar", "related", "breadcrumb", "newsletter",
		"advert", "social"}
	junkWords = map[string]bool{"ad": true, "ads": true, "share": true, "sharing": true, "promo": true,
		"popup": true, "modal": true, "comment": true, "comments": true, "subscribe": true, "sponsored": true}
)

// mainText returns the page's main text and whether it is an article.
// Boilerplate goes first, from the whole document. Then readability
// (Mozilla's algorithm, ported) finds the article, if the page has one
// and is not a listing of several <article>s; otherwise the text of root
// (<main>, a lone <article>, or <body>) is the body: an index page is
// still worth indexing, for what it says and links to.
func mainText(doc, root *html.Node, listing bool, pageURL *url.URL) (string, bool) {
	stripBoilerplate(doc, root)
	ps := readability.NewParser()
	ps.MaxElemsToParse = maxReadabilityElements
	// Its readerable check first: on a short page the article it would
	// return is a guess, where root's text is exactly what the page says.
	if listing || !ps.CheckDocument(doc) {
		return nodeText(root), false
	}
	// readability rewrites the document: keep root's markup for the case
	// it finds nothing after all.
	var fallback bytes.Buffer
	_ = html.Render(&fallback, root) // a bytes.Buffer does not fail; a partial render is still text
	art, err := ps.ParseAndMutate(doc, pageURL)
	if err == nil && art.Node != nil {
		if text := nodeText(art.Node); text != "" {
			return text, true
		}
	}
	return plaintext.FromReader(&fallback), false
}

// stripBoilerplate removes the boilerplate from doc, but never root nor
// an element that contains it.
func stripBoilerplate(doc, root *html.Node) {
	keep := make(map[*html.Node]bool)
	for n := root; n != nil; n = n.Parent {
		keep[n] = true
	}
	var drop []*html.Node
	var find func(*html.Node)
	find = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch {
			case c.Type == html.CommentNode:
				drop = append(drop, c)
			case c.Type == html.ElementNode && !keep[c] && isBoilerplate(c):
				drop = append(drop, c)
			default:
				find(c)
			}
		}
	}
	find(doc)
	for _, n := range drop {
		n.Parent.RemoveChild(n)
	}
}

func isBoilerplate(n *html.Node) bool {
	if n.Namespace != "" {
		return false // inside <svg> or <math>: dropped with it, or kept whole
	}
	if boilerplate[n.DataAtom] || boilerplateRoles[strings.ToLower(attr(n, "role"))] ||
		hasAttr(n, "hidden") || attr(n, "aria-hidden") == "true" {
		return true
	}
	style := strings.ToLower(strings.ReplaceAll(attr(n, "style"), " ", ""))
	if strings.Contains(style, "display:none") || strings.Contains(style, "visibility:hidden") {
		return true
	}
	switch n.DataAtom {
	case atom.Form:
		// Newsletter, search and comment forms go; a form around the whole
		// page (ASP.NET wraps everything in one) stays.
		return !contains(n, func(c *html.Node) bool {
			return c.DataAtom == atom.Article || c.DataAtom == atom.Main || c.DataAtom == atom.H1
		})
	case atom.Html, atom.Body, atom.Main, atom.Article:
		return false // never by class: <article class="post social"> is content
	}
	return junkName(attr(n, "class")) || junkName(attr(n, "id"))
}

// junkName reports whether a class or id names a junk block.
func junkName(s string) bool {
	if s == "" {
		return false
	}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < '0' || r > '9')
	}) {
		if junkWords[w] {
			return true
		}
		for _, p := range junkPrefixes {
			if strings.HasPrefix(w, p) {
				return true
			}
		}
	}
	return false
}

// contains reports whether an element under n satisfies f.
func contains(n *html.Node, f func(*html.Node) bool) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (f(c) || contains(c, f)) {
			return true
		}
	}
	return false
}

// nodeText renders n and lets plaintext turn it into text, as everywhere
// else in techintel.
func nodeText(n *html.Node) string {
	var buf bytes.Buffer
	_ = html.Render(&buf, n) // a bytes.Buffer does not fail; a partial render is still text
	return plaintext.FromReader(&buf)
}
