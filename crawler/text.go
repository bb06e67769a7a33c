package crawler

import (
	"github.com/techintel/techintel/index/plaintext"
	"net/url"
	"strings"

	readability "codeberg.org/readeck/go-readability/v2"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
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

// mainText is what read finds: the page's main text, and what kind of
// page it is.
type mainText struct {
	body             string
	article, listing bool
}

// read finds the main text of doc. Boilerplate goes first, from the whole
// document. A listing (several <article>s none of which holds the story,
// or link lists and teasers holding most of root's text) keeps root's text
// without its teasers, unless the page's metadata declares it an article
// (declared: og:type, JSON-LD), which a story with a column of related-story
// cards is. Otherwise readability (Mozilla's algorithm, ported) finds the
// article, if the page has one; if not, the text of root (<main>, the
// story's <article>, or <body>) is the body: an index page is still worth
// indexing, for what it says itself.
func (m *mainText) read(doc, root *html.Node, listingMarkup, declared bool, pageURL *url.URL, reparse func() *parsedPage) {
	stripBoilerplate(doc, root)
	teasers, listing := findTeasers(root)
	if !declared && (listingMarkup || listing) {
		m.listing = true
		m.body = nodeText(root, teasers)
		return
	}
	ps := readability.NewParser()
	ps.MaxElemsToParse = maxReadabilityElements
	ps.DisableJSONLD = true // Extract reads JSON-LD itself; readability's metadata is not used
	// Its readerable check first: on a short page the article it would
	// return is a guess, where root's text is exactly what the page says.
	// On a page declared an article, the guess is taken when it holds a
	// fair share of root's text (readability drops a lone short paragraph
	// for a byline).
	var rootText string
	if !ps.CheckDocument(doc) {
		rootText = nodeText(root, nil)
		if !declared {
			m.body = rootText
			return
		}
	}
	art, err := ps.ParseAndMutate(doc, pageURL)
	if err == nil && art.Node != nil {
		text := articleText(art.Node)
		if text != "" && (rootText == "" || 2*countChars(text) >= countChars(rootText)) {
			m.body, m.article = text, true
			return
		}
	}
	if rootText != "" {
		m.body = rootText
		return
	}
	// readability has rewritten the tree: for the rare page it then finds
	// nothing in, the page is parsed again (a copy kept for it would cost
	// every page), and root's text taken.
	pp := reparse()
	root = pp.s.contentRoot(pp.doc)
	stripBoilerplate(pp.doc, root)
	m.body = nodeText(root, nil)
}

// stripBoilerplate removes the boilerplate from doc, but never root nor
// an element that contains it, nor an element named like boilerplate
// (class or id) that holds a large share of the page's text: a site that
// calls its article column "l-sidebar-fixed … l-article-body" or
// "non-ad-column" means the article.
func stripBoilerplate(doc, root *html.Node) {
	keep := make(map[*html.Node]bool)
	for n := root; n != nil; n = n.Parent {
		keep[n] = true
	}
	total := -1 // the page's text, counted on first need
	var drop []*html.Node
	var find func(*html.Node)
	find = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch {
			case c.Type == html.CommentNode:
				drop = append(drop, c)
			case c.Type == html.ElementNode && !keep[c]:
				switch classify(c) {
				case notBoilerplate:
					find(c)
				case alwaysBoilerplate:
					drop = append(drop, c)
				case namedBoilerplate:
					if total < 0 {
						total = countChars(textOf(doc))
					}
					if holdsContent(c, total) {
						find(c)
					} else {
						drop = append(drop, c)
					}
				}
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

// holdsContent says whether an element named like boilerplate holds the
// page's content all the same: a third of its text, or the article.
func holdsContent(n *html.Node, total int) bool {
	if contains(n, func(c *html.Node) bool {
		return c.DataAtom == atom.Article || c.DataAtom == atom.Main || c.DataAtom == atom.H1
	}) {
		return true
	}
	return 3*countChars(textOf(n)) >= total && total > 0
}

// boilerplateKind is what classify finds: whether, and why, an element is boilerplate.
type boilerplateKind uint8

const (
	notBoilerplate    boilerplateKind = iota
	alwaysBoilerplate                 // by its element, role or visibility
	namedBoilerplate                  // by its class or id only
)

func isBoilerplate(n *html.Node) bool { return classify(n) != notBoilerplate }

func classify(n *html.Node) boilerplateKind {
	if n.Namespace != "" {
		return notBoilerplate // inside <svg> or <math>: dropped with it, or kept whole
	}
	if boilerplate[n.DataAtom] || boilerplateRoles[strings.ToLower(attr(n, "role"))] ||
		hasAttr(n, "hidden") || attr(n, "aria-hidden") == "true" {
		return alwaysBoilerplate
	}
	style := strings.ToLower(strings.ReplaceAll(attr(n, "style"), " ", ""))
	if strings.Contains(style, "display:none") || strings.Contains(style, "visibility:hidden") {
		return alwaysBoilerplate
	}
	switch n.DataAtom {
	case atom.Form:
		// Newsletter, search and comment forms go; a form around the whole
		// page (ASP.NET wraps everything in one) stays.
		if contains(n, func(c *html.Node) bool {
			return c.DataAtom == atom.Article || c.DataAtom == atom.Main || c.DataAtom == atom.H1
		}) {
			return notBoilerplate
		}
		return alwaysBoilerplate
	case atom.Html, atom.Body, atom.Main, atom.Article:
		return notBoilerplate // never by class: <article class="post social"> is content
	}
	if junkName(attr(n, "class")) || junkName(attr(n, "id")) {
		return namedBoilerplate
	}
	return notBoilerplate
}

// junkName reports whether a class or id names a junk block. Each
// whitespace-separated token counts alone, and only by its first or last
// word: "sidebar", "sidebar-left", "post-comments", "relatedArticles" are
// junk; "l-sidebar-fixed" (a layout rule), "non-ad-column",
// "content-with-sidebar-wrp" and "m-advertisement-off-canvas--pusher" are
// not, since the junk word there qualifies something else.
func junkName(s string) bool {
	for _, tok := range strings.Fields(strings.ToLower(s)) {
		words := strings.FieldsFunc(tok, func(r rune) bool {
			return (r < 'a' || r > 'z') && (r < '0' || r > '9')
		})
		if len(words) == 0 {
			continue
		}
		for _, w := range []string{words[0], words[len(words)-1]} {
			if junkWords[w] {
				return true
			}
			for _, p := range junkPrefixes {
				if strings.HasPrefix(w, p) {
					return true
				}
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

// nodeText returns the plain text under n, leaving out the subtrees in
// skip, the way plaintext.FromReader would read n rendered as HTML (the
// same elements skipped, the same line breaks, image alt text), without
// rendering and tokenising it again.
func nodeText(n *html.Node, skip map[*html.Node]bool) string {
	var b strings.Builder
	writeText(&b, n, skip, true)
	return plaintext.Clean(b.String())
}

// articleText is nodeText for readability's article: without image alt
// text, which in an article is a file name ("IMG_3886.jpg") or repeats the
// caption, and is not what the article says.
func articleText(n *html.Node) string {
	var b strings.Builder
	writeText(&b, n, nil, false)
	return plaintext.Clean(b.String())
}

func writeText(b *strings.Builder, n *html.Node, skip map[*html.Node]bool, alt bool) {
	switch n.Type {
	case html.TextNode:
		b.WriteString(n.Data)
		return
	case html.ElementNode:
		if skip[n] || textSkipped[n.DataAtom] {
			return
		}
	case html.DocumentNode:
	default:
		return // comments, doctypes
	}
	blk := n.Type == html.ElementNode && textBlock[n.DataAtom]
	if blk {
		b.WriteByte('\n')
	}
	if alt && n.DataAtom == atom.Img {
		if alt := attr(n, "alt"); alt != "" {
			b.WriteByte(' ')
			b.WriteString(alt)
			b.WriteByte(' ')
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		writeText(b, c, skip, alt)
	}
	if blk {
		b.WriteByte('\n')
	}
}

// textSkipped and textBlock are plaintext's skipped and block elements.
var (
	textSkipped = atomSet(atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Iframe, atom.Svg,
		atom.Math, atom.Object, atom.Select, atom.Button, atom.Textarea, atom.Canvas, atom.Audio, atom.Video)
	textBlock = atomSet(atom.P, atom.Div, atom.Br, atom.Li, atom.Ul, atom.Ol, atom.H1, atom.H2, atom.H3,
		atom.H4, atom.H5, atom.H6, atom.Tr, atom.Td, atom.Th, atom.Table, atom.Blockquote, atom.Pre,
		atom.Section, atom.Article, atom.Header, atom.Footer, atom.Dt, atom.Dd, atom.Dl, atom.Hr,
		atom.Figcaption, atom.Figure, atom.Aside, atom.Nav, atom.Main, atom.Address, atom.Title,
		atom.Caption, atom.Summary, atom.Details)
)

func atomSet(as ...atom.Atom) map[atom.Atom]bool {
	m := make(map[atom.Atom]bool, len(as))
	for _, a := range as {
		m[a] = true
	}
	return m
}
