package crawler

import (
	"bytes"
	"io"
	"net/url"
	"slices"
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
	URL string // canonical page URL (ArticleFetcher: after redirects); "" without one
	// Title is the <title>, else og:title, else the first <h1>, on one
	// line, without the site's name when the page names its site
	// (og:site_name, application-name) or confirms its own title (og:title,
	// <h1>): "Open RAN trial | Example News" gives "Open RAN trial".
	Title string
	// Body is the main text: the article readability finds, or for a page
	// with no article the text of <main>, a lone <article> or <body>
	// (without its link lists and teasers on a listing). Navigation,
	// headers, footers, asides, forms, cookie banners, share and
	// related-content blocks, scripts and hidden elements are left out
	// either way.
	Body string
	// Article says readability found an article and Body is its text.
	// When false (a listing, or a page with too little prose to be judged
	// an article) Body is the page's text minus its boilerplate.
	Article bool
	// Listing says the page is an index of other pages (a newsroom front
	// page, a tag page, an archive): it has several <article>s, or link
	// lists and teasers (a linked headline and its summary, repeated) hold
	// most of its text. Its Body is then the page's own text without them,
	// so that the companies its teasers name do not tag it: the articles
	// they lead to are pages of their own. Its first <time> does not date
	// it. Article is false for a listing.
	Listing   bool
	Author    string    // <meta name="author">, else JSON-LD author, else itemprop="author"
	Published time.Time // UTC; zero when the page does not say
	// Links are the <a href> and <area href> targets as canonical absolute
	// http(s) URLs (index.ResolveURL, honouring <base href>), in document
	// order without duplicates, on any host.
	Links    []string
	NoIndex  bool // <meta name="robots"> says noindex or none
	NoFollow bool // <meta name="robots"> says nofollow or none
}

// Extract reads an HTML page: body is the raw response body, contentType
// its Content-Type header (for the charset; "" lets the page's <meta> or
// the bytes decide) and pageURL the address it was fetched from, against
// which links are resolved (nil keeps only absolute links). Extract does
// no I/O and never fails: a page it cannot make sense of gives an empty Page.
func Extract(body []byte, contentType string, pageURL *url.URL) Page {
	return parsePage(body, contentType, pageURL).extract()
}

// parsedPage is an HTML page parsed once, for the crawl's link discovery
// first and for extraction after: the crawl queues Page.Links as soon as
// the tree is built, and extract, the expensive part, reads the same tree.
type parsedPage struct {
	doc     *html.Node // nil when the page could not be parsed
	s       scan
	pageURL *url.URL
	page    Page // URL, Links, NoIndex and NoFollow

	body        []byte // as given to parsePage, to parse it again
	contentType string
}

// parsePage decodes and parses body and reads what the crawl needs before
// extraction: the links and the robots directives.
func parsePage(body []byte, contentType string, pageURL *url.URL) *parsedPage {
	pp := &parsedPage{pageURL: pageURL, body: body, contentType: contentType}
	if pageURL != nil {
		pp.page.URL, _ = index.CanonicalURL(pageURL.String())
	}
	doc, err := html.Parse(decode(body, contentType))
	if err != nil {
		return pp
	}
	pp.doc = doc
	s := &pp.s
	s.walk(doc)
	p := &pp.page
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
	// Links come from the whole page, boilerplate included: a site's
	// navigation is how a crawl finds its sections.
	p.Links = resolveLinks(s.hrefs, s.baseHref, pageURL)
	return pp
}

// extract finds the title, author, date and main text. It rewrites the
// tree: call it once.
func (pp *parsedPage) extract() Page {
	p := pp.page
	if pp.doc == nil {
		return p
	}
	s, doc := &pp.s, pp.doc
	root := s.contentRoot(doc)
	p.Title = untag(firstNonEmpty(oneLine(textOf(s.title)), oneLine(s.ogTitle), oneLine(textOf(s.h1))))
	// An <h1> confirms the title only inside <main> or the article: one in
	// the page header is as likely the site's logo.
	var heading string
	if root == s.main || (root != s.body && slices.Contains(s.articles, root)) {
		heading = oneLine(textOf(firstElement(root, atom.H1)))
	}
	p.Title = cleanTitle(p.Title, []string{untag(oneLine(s.siteName)), untag(oneLine(s.appName))},
		[]string{untag(oneLine(s.ogTitle)), untag(heading)})
	p.Author = oneLine(s.author())
	byline := s.byline() // before read rewrites the tree

	// Dates first: an <article>'s <header> often holds its <time>, and the
	// header goes with the rest of the boilerplate below.
	p.Published = s.publishedMeta()
	firstTime := firstTime(root)
	var m mainText
	m.read(doc, root, s.listingMarkup(), s.declaresArticle(), pp.pageURL, func() *parsedPage {
		return parsePage(pp.body, pp.contentType, pp.pageURL)
	})
	p.Body, p.Article, p.Listing = m.body, m.article, m.listing
	if p.Author == "" && !p.Listing {
		p.Author = byline
	}
	if p.Published.IsZero() && !p.Listing {
		// On a listing the first <time> dates one entry, not the page.
		p.Published, _ = parseDate(firstTime)
	}
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
	ogTitle, siteName     string
	ogType                string // <meta property="og:type">
	appName               string // <meta name="application-name">: the site's name too
	metaAuthor            string // <meta name="author">
	metaAuthors           [len(authorMetaKeys)]string
	metaDates             [len(dateMetaKeys)]string
	bylineNode            *html.Node // rel="author", or a byline by class or id
	itemAuthor            *html.Node // itemprop="author"
	metaPublished         string     // <meta property="article:published_time">
	itemPublished         string     // itemprop="datePublished" on a <meta> or <time>
	robots                string
	dominant              *html.Node // mainArticle's answer, once found
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
	if s.itemAuthor == nil && attr(n, "itemprop") == "author" {
		s.itemAuthor = n
	}
	if s.bylineNode == nil && n.DataAtom != atom.Meta && n.DataAtom != atom.Link && n.DataAtom != atom.Body && isByline(n) {
		s.bylineNode = n
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
		case key == "og:type" && s.ogType == "":
			s.ogType = content
		case key == "og:site_name" && s.siteName == "":
			s.siteName = content
		case key == "application-name" && s.appName == "":
			s.appName = content
		case key == "article:published_time" && s.metaPublished == "":
			s.metaPublished = content
		case key == "author" && s.metaAuthor == "":
			s.metaAuthor = content
		case metaIndex(authorMetaKeys[:], key) >= 0:
			if i := metaIndex(authorMetaKeys[:], key); s.metaAuthors[i] == "" {
				s.metaAuthors[i] = content
			}
		case metaIndex(dateMetaKeys[:], key) >= 0:
			if i := metaIndex(dateMetaKeys[:], key); s.metaDates[i] == "" {
				s.metaDates[i] = content
			}
		case key == "robots":
			s.robots += "," + content
		case attr(n, "itemprop") == "datePublished" && s.itemPublished == "":
			s.itemPublished = content
		}
	}
}

// contentRoot is the element whose text is the page's Body: <main>, else
// the <article> holding the page's text (the only one, or one that holds
// most of the text of all of them: the story beside its related-story
// cards), else <body>. An <article> with little of the page's text (an empty
// placeholder, a comment) is not the root.
func (s *scan) contentRoot(doc *html.Node) *html.Node {
	switch {
	case s.main != nil && s.mainHoldsText():
		return s.main
	case s.mainArticle() != nil:
		return s.mainArticle()
	case s.body != nil:
		return s.body
	}
	return doc
}

// mainHoldsText says whether <main> holds a fair share of the page's text:
// some sites mark an empty wrapper or a widget as the main region.
func (s *scan) mainHoldsText() bool {
	if s.body == nil {
		return true
	}
	return 5*countChars(textOf(s.main)) >= countChars(textOf(s.body))
}

// mainArticle returns the <article> that holds the page's story, or nil:
// the only one, if it holds a fifth of the page's text; among several, one
// that also holds most of their text, three times the next one's and at
// least minStoryChars (a story beside its related-story cards, not a lead
// teaser among smaller ones).
func (s *scan) mainArticle() *html.Node {
	if s.dominant != nil || len(s.articles) == 0 {
		return s.dominant
	}
	total := 0
	if s.body != nil {
		total = countChars(textOf(s.body))
	}
	var best *html.Node
	bestChars, second, sum, outer := 0, 0, 0, 0
	for _, a := range s.articles {
		if nestedIn(a, s.articles) {
			continue // counted with the <article> around it
		}
		outer++
		c := countChars(textOf(a))
		sum += c
		switch {
		case c > bestChars:
			best, bestChars, second = a, c, bestChars
		case c > second:
			second = c
		}
	}
	if best == nil || 5*bestChars < total {
		return nil
	}
	if outer == 1 || (2*bestChars > sum && bestChars >= 3*second && bestChars >= minStoryChars) {
		s.dominant = best
	}
	return s.dominant
}

// minStoryChars is the least text (letters and digits) of the story
// picked among several <article>s: a few sentences.
const minStoryChars = 500

// nestedIn says whether n lies inside another of the nodes.
func nestedIn(n *html.Node, nodes []*html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.DataAtom == atom.Article && slices.Contains(nodes, p) {
			return true
		}
	}
	return false
}

// declaresArticle says whether the page's metadata calls it an article:
// og:type "article", or a top-level JSON-LD object (or one in its @graph)
// typed as an article. A front page lists articles but is not typed as one.
func (s *scan) declaresArticle() bool {
	if strings.Contains(strings.ToLower(s.ogType), "article") {
		return true
	}
	for _, src := range s.jsonLD {
		if jsonLDArticle(src) {
			return true
		}
	}
	return false
}

// firstElement returns the first element under n (n included) of type a.
func firstElement(n *html.Node, a atom.Atom) *html.Node {
	if n == nil || (n.Type == html.ElementNode && n.DataAtom == a && n.Namespace == "") {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := firstElement(c, a); f != nil {
			return f
		}
	}
	return nil
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

// untag strips markup from a title. <title> is raw text in HTML, so a page
// can put tags in it that its parser leaves alone ("<b>News</b>" from a
// careless CMS, or a script meant for whoever shows the title as HTML);
// titles are plain text, so they are read as HTML once more.
func untag(s string) string {
	if !strings.Contains(s, "<") {
		return s
	}
	return oneLine(plaintext.FromHTML(s))
}

// listingMarkup says whether the page's markup makes it a listing: several
// <article>s, none of which holds the page's story.
func (s *scan) listingMarkup() bool {
	return len(s.articles) > 1 && s.mainArticle() == nil
}
