package crawler

import (
	"bytes"
	"io"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"

	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/plaintext"
)

// Page is what Extract finds in one HTML page.
type Page struct {
	Title     string    // <title>, else og:title, else the first <h1>; one line
	Body      string    // plain text of <main>, a lone <article>, or <body>, without boilerplate
	Author    string    // <meta name="author">
	Published time.Time // UTC; zero when the page does not say
	// Links are the <a href> and <area href> targets as canonical absolute
	// http(s) URLs (index.ResolveURL, honouring <base href>), in document
	// order without duplicates, on any host.
	Links    []string
	NoIndex  bool // <meta name="robots"> says noindex or none
	NoFollow bool // <meta name="robots"> says nofollow or none
}

// boilerplate elements are dropped from Body: they repeat on every page of
// a site and say nothing about this one (or, like a stray <title> in the
// body, are not content at all).
var boilerplate = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true, atom.Title: true,
	atom.Nav: true, atom.Header: true, atom.Footer: true, atom.Aside: true,
	atom.Form: true, atom.Dialog: true,
}

// boilerplateRoles are the ARIA landmarks that mean the same as boilerplate.
var boilerplateRoles = map[string]bool{
	"navigation": true, "banner": true, "contentinfo": true, "complementary": true, "search": true,
}

// Extract reads an HTML page: body is the raw response body, contentType
// its Content-Type header (for the charset; "" lets the page's <meta> or
// the bytes decide) and pageURL the address it was fetched from, against
// which links are resolved (nil keeps only absolute links). Extract does
// no I/O and never fails: a page it cannot make sense of gives an empty Page.
func Extract(body []byte, contentType string, pageURL *url.URL) Page {
	doc, err := html.Parse(decode(body, contentType))
	if err != nil {
		return Page{}
	}
	var s scan
	s.walk(doc)

	var p Page
	p.Title = firstNonEmpty(oneLine(textOf(s.title)), oneLine(s.ogTitle), oneLine(textOf(s.h1)))
	p.Author = oneLine(s.author)
	for _, tok := range strings.Split(strings.ToLower(s.robots), ",") {
		switch strings.TrimSpace(tok) {
		case "noindex":
			p.NoIndex = true
		case "nofollow":
			p.NoFollow = true
		case "none":
			p.NoIndex, p.NoFollow = true, true
		}
	}

	root := s.contentRoot(doc)
	// Dates first: an <article>'s <header> often holds its <time>, and the
	// header goes with the rest of the boilerplate below.
	p.Published = s.published(root)
	p.Body = bodyText(root)
	p.Links = resolveLinks(s.hrefs, s.baseHref, pageURL)
	return p
}

// decode converts body to UTF-8. A charset from a BOM or the Content-Type
// header is trusted; otherwise a body that is valid UTF-8 is taken as such
// (charset.DetermineEncoding would call a page whose first KiB is ASCII
// windows-1252), and only then does the <meta> charset or the HTML default
// (windows-1252) apply. The BOM goes: the parser would take it for text
// and start the <body> before the <head>.
func decode(body []byte, contentType string) io.Reader {
	e, name, certain := charset.DetermineEncoding(body, contentType)
	if name != "utf-8" && (certain || !utf8.Valid(body)) {
		if b, err := e.NewDecoder().Bytes(body); err == nil {
			body = b
		}
	}
	return bytes.NewReader(bytes.TrimPrefix(body, []byte("\uFEFF")))
}

// scan gathers what Extract needs in one walk of the tree.
type scan struct {
	title, h1, main, body *html.Node
	articles              []*html.Node
	ogTitle, author       string
	metaPublished         string // <meta property="article:published_time">
	itemPublished         string // itemprop="datePublished" on a <meta> or <time>
	robots                string
	baseHref              string
	jsonLD                []string
	hrefs                 []string
}

func (s *scan) walk(n *html.Node) {
	if n.Type == html.ElementNode && n.Namespace == "" {
		s.element(n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		s.walk(c)
	}
}

func (s *scan) element(n *html.Node) {
	if s.main == nil && attr(n, "role") == "main" {
		s.main = n
	}
	switch n.DataAtom {
	case atom.Title:
		s.title = firstNode(s.title, n)
	case atom.H1:
		s.h1 = firstNode(s.h1, n)
	case atom.Main:
		s.main = firstNode(s.main, n)
	case atom.Body:
		s.body = firstNode(s.body, n)
	case atom.Article:
		s.articles = append(s.articles, n)
	case atom.Base:
		if s.baseHref == "" {
			s.baseHref = attr(n, "href")
		}
	case atom.A, atom.Area:
		if href := attr(n, "href"); href != "" {
			s.hrefs = append(s.hrefs, href)
		}
	case atom.Script:
		if strings.EqualFold(strings.TrimSpace(attr(n, "type")), "application/ld+json") {
			s.jsonLD = append(s.jsonLD, textOf(n))
		}
	case atom.Time:
		if s.itemPublished == "" && (attr(n, "itemprop") == "datePublished" || hasAttr(n, "pubdate")) {
			s.itemPublished = attr(n, "datetime")
		}
	case atom.Meta:
		content := attr(n, "content")
		key := strings.ToLower(firstNonEmpty(attr(n, "property"), attr(n, "name")))
		switch {
		case key == "og:title" && s.ogTitle == "":
			s.ogTitle = content
		case key == "article:published_time" && s.metaPublished == "":
			s.metaPublished = content
		case key == "author" && s.author == "":
			s.author = content
		case key == "robots":
			s.robots += "," + content
		case attr(n, "itemprop") == "datePublished" && s.itemPublished == "":
			s.itemPublished = content
		}
	}
}

// contentRoot is the element whose text is the page's Body: <main>, else
// the only <article> (several mean a listing: keep them all), else <body>.
func (s *scan) contentRoot(doc *html.Node) *html.Node {
	switch {
	case s.main != nil:
		return s.main
	case len(s.articles) == 1:
		return s.articles[0]
	case s.body != nil:
		return s.body
	}
	return doc
}

// bodyText drops the boilerplate under root, then renders what is left
// and lets plaintext turn it into text, as everywhere else in techintel.
func bodyText(root *html.Node) string {
	var drop []*html.Node
	var find func(*html.Node)
	find = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && isBoilerplate(c) {
				drop = append(drop, c)
				continue
			}
			find(c)
		}
	}
	find(root)
	for _, n := range drop {
		n.Parent.RemoveChild(n)
	}
	var buf bytes.Buffer
	_ = html.Render(&buf, root) // a bytes.Buffer does not fail; a partial render is still text
	return plaintext.FromReader(&buf)
}

func isBoilerplate(n *html.Node) bool {
	if n.Namespace == "" && boilerplate[n.DataAtom] {
		return true
	}
	return hasAttr(n, "hidden") || attr(n, "aria-hidden") == "true" ||
		boilerplateRoles[strings.ToLower(attr(n, "role"))]
}

// firstTime returns the datetime of the first <time> under root.
func firstTime(root *html.Node) string {
	if root.Type == html.ElementNode && root.DataAtom == atom.Time && hasAttr(root, "datetime") {
		return attr(root, "datetime")
	}
	for c := root.FirstChild; c != nil; c = c.NextSibling {
		if t := firstTime(c); t != "" {
			return t
		}
	}
	return ""
}

func resolveLinks(hrefs []string, baseHref string, pageURL *url.URL) []string {
	base := pageURL
	if baseHref != "" {
		if b, err := url.Parse(strings.TrimSpace(baseHref)); err == nil {
			if base != nil {
				b = base.ResolveReference(b)
			}
			if b.IsAbs() {
				base = b
			}
		}
	}
	var links []string
	seen := make(map[string]bool, len(hrefs))
	for _, h := range hrefs {
		u, err := index.ResolveURL(base, h)
		if err != nil || seen[u] {
			continue // mailto:, javascript:, malformed, or relative without a base
		}
		seen[u] = true
		links = append(links, u)
	}
	return links
}

// textOf concatenates the text under n (nil gives "").
func textOf(n *html.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && (c.DataAtom == atom.Script || c.DataAtom == atom.Style) {
				continue
			}
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// oneLine cleans s and collapses all its whitespace, line breaks included.
func oneLine(s string) string {
	return strings.Join(strings.Fields(plaintext.Clean(s)), " ")
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return true
		}
	}
	return false
}

func firstNode(have, n *html.Node) *html.Node {
	if have != nil {
		return have
	}
	return n
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
