package crawler

import (
	"encoding/json"
	"slices"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// author picks the page's author, most deliberate source first: <meta
// name="author">, JSON-LD, then schema.org microdata.
func (s *scan) author() string {
	if a := firstNonEmpty(s.metaAuthors[0], s.metaAuthors[1], s.metaAuthor); a != "" {
		return a
	}
	for _, src := range s.jsonLD {
		if a := jsonLDAuthor(src); a != "" {
			return a
		}
	}
	for _, a := range s.metaAuthors[2:] {
		if a != "" && !strings.Contains(a, "://") { // article:author is often a profile URL
			return a
		}
	}
	n := s.itemAuthor
	switch {
	case n == nil:
		return ""
	case n.DataAtom == atom.Meta || n.DataAtom == atom.Link:
		return attr(n, "content")
	}
	var name *html.Node
	if contains(n, func(c *html.Node) bool {
		if attr(c, "itemprop") == "name" {
			name = c
			return true
		}
		return false
	}) {
		return firstNonEmpty(attr(name, "content"), textOf(name))
	}
	return textOf(n)
}

// jsonLDAuthor finds the first author's name in a JSON-LD block: a string,
// an object with a name, or a list of them.
func jsonLDAuthor(src string) string {
	src = strings.TrimSpace(src)
	src = strings.TrimSuffix(strings.TrimPrefix(src, "<!--"), "-->")
	var v any
	if json.Unmarshal([]byte(src), &v) != nil {
		return ""
	}
	return findAuthor(v, 0)
}

func findAuthor(v any, depth int) string {
	if depth > 16 {
		return ""
	}
	switch t := v.(type) {
	case map[string]any:
		if a, ok := t["author"]; ok {
			if name := authorName(a); name != "" {
				return name
			}
		}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys) // the answer must not depend on map order
		for _, k := range keys {
			if name := findAuthor(t[k], depth+1); name != "" {
				return name
			}
		}
	case []any:
		for _, e := range t {
			if name := findAuthor(e, depth+1); name != "" {
				return name
			}
		}
	}
	return ""
}

func authorName(a any) string {
	switch t := a.(type) {
	case string:
		return t
	case map[string]any:
		s, _ := t["name"].(string)
		return s
	case []any:
		if len(t) > 0 {
			return authorName(t[0])
		}
	}
	return ""
}

// byline returns the text of the page's byline element, without its "By".
// It dates or names one entry on a listing: take it only for a page that
// is not one.
func (s *scan) byline() string {
	if s.bylineNode == nil {
		return ""
	}
	return trimBy(oneLine(textOf(s.bylineNode)))
}

// authorMetaKeys are the <meta> names and properties that name the author,
// most deliberate first: Dublin Core ahead of the plain "author" (whose
// place is taken by scan.metaAuthor), then the publishers' own.
var authorMetaKeys = [...]string{"dc.creator", "dcterms.creator", "parsely-author", "sailthru.author",
	"byl", "article:author", "dc:creator", "dcterm:creator"}

// dateMetaKeys are the <meta> names and properties that date a page, after
// article:published_time.
var dateMetaKeys = [...]string{"parsely-pub-date", "dc.date.issued", "dcterms.issued", "dcterms.created",
	"dc.date", "sailthru.date", "og:published_time", "datepublished", "pubdate", "publishdate",
	"publish-date", "date", "article.published", "published_time"}

// metaIndex returns the index of key in keys, or -1.
func metaIndex(keys []string, key string) int {
	for i, k := range keys {
		if k == key {
			return i
		}
	}
	return -1
}

// maxBylineChars bounds a byline taken from the page's text: longer is an
// author's biography or a block that merely has "author" in its class.
const maxBylineChars = 100

// isByline says whether an element is the page's byline: a rel="author"
// link, or an element whose class or id has a "byline" or "author" word
// ("byline", "article-author", "author-name"), with short text.
func isByline(n *html.Node) bool {
	byName := false
	if strings.Contains(" "+strings.ToLower(attr(n, "rel"))+" ", " author ") {
		byName = true
	} else {
		for _, v := range []string{attr(n, "class"), attr(n, "id")} {
			for _, w := range strings.FieldsFunc(strings.ToLower(v), func(r rune) bool {
				return (r < 'a' || r > 'z') && (r < '0' || r > '9')
			}) {
				if w == "byline" || w == "author" || w == "byl" || w == "writtenby" {
					byName = true
				}
			}
		}
	}
	if !byName {
		return false
	}
	t := oneLine(textOf(n))
	if len(t) < 3 || len(t) > maxBylineChars {
		return false
	}
	// A byline that is only a date ("<p class=byline><time>…") names no one.
	names := countChars(t)
	if tm := firstElement(n, atom.Time); tm != nil {
		names -= countChars(textOf(tm))
	}
	return names >= 3
}

// trimBy drops the "By" a byline starts with, in the languages seen.
func trimBy(s string) string {
	for _, p := range []string{"by ", "par ", "von ", "por ", "di "} {
		if len(s) > len(p) && strings.EqualFold(s[:len(p)], p) {
			return strings.TrimSpace(s[len(p):])
		}
	}
	return s
}
