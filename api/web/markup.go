package web

import (
	"html"
	"html/template"
	"regexp"
	"slices"
	"strings"
)

// The only markup the pages let through from data is <mark>, and it is
// rebuilt here: text is always escaped by template.HTMLEscapeString, and
// the marks are this package's own tags, balanced. Nothing crawled is ever
// passed to template.HTML as it is.

// snippetHTML renders a search snippet (escaped text with <mark> tags, as
// index.Search and the JSON API give it): the text between the tags is
// unescaped and escaped again, so a snippet that did not come from the
// index cannot inject markup either.
func snippetHTML(s string) template.HTML {
	var b strings.Builder
	open := false
	for s != "" {
		i := strings.Index(s, "<")
		if i < 0 {
			b.WriteString(template.HTMLEscapeString(html.UnescapeString(s)))
			break
		}
		b.WriteString(template.HTMLEscapeString(html.UnescapeString(s[:i])))
		s = s[i:]
		switch {
		case strings.HasPrefix(s, "<mark>"):
			if !open {
				b.WriteString("<mark>")
				open = true
			}
			s = s[len("<mark>"):]
		case strings.HasPrefix(s, "</mark>"):
			if open {
				b.WriteString("</mark>")
				open = false
			}
			s = s[len("</mark>"):]
		default:
			b.WriteString("&lt;")
			s = s[1:]
		}
	}
	if open {
		b.WriteString("</mark>")
	}
	return template.HTML(b.String())
}

// highlight escapes plain text and wraps every case-insensitive occurrence
// of any of terms in <mark>. The longest term wins where terms overlap.
func highlight(text string, terms []string) template.HTML {
	re := termsPattern(terms)
	if re == nil {
		return template.HTML(template.HTMLEscapeString(text))
	}
	var b strings.Builder
	b.Grow(len(text) + len(text)/8)
	last := 0
	for _, m := range re.FindAllStringIndex(text, -1) {
		b.WriteString(template.HTMLEscapeString(text[last:m[0]]))
		b.WriteString("<mark>")
		b.WriteString(template.HTMLEscapeString(text[m[0]:m[1]]))
		b.WriteString("</mark>")
		last = m[1]
	}
	b.WriteString(template.HTMLEscapeString(text[last:]))
	return template.HTML(b.String())
}

// termsPattern is a case-insensitive alternation of the distinct non-empty
// terms, longest first; nil when there are none.
func termsPattern(terms []string) *regexp.Regexp {
	var ts []string
	for _, t := range terms {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(ts, t) {
			ts = append(ts, t)
		}
	}
	if len(ts) == 0 {
		return nil
	}
	slices.SortFunc(ts, func(a, b string) int { return len(b) - len(a) })
	for i, t := range ts {
		ts[i] = regexp.QuoteMeta(t)
	}
	return regexp.MustCompile("(?i)" + strings.Join(ts, "|"))
}

// stripBidi drops the bidirectional formatting characters (embeddings,
// overrides, isolates, marks) from text that cannot be isolated with
// <bdi>, such as the page's <title>.
func stripBidi(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\u061c' || r == '\u200e' || r == '\u200f' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') {
			return -1
		}
		return r
	}, s)
}
