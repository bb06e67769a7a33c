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
	if s.metaAuthor != "" {
		return s.metaAuthor
	}
	for _, src := range s.jsonLD {
		if a := jsonLDAuthor(src); a != "" {
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
