// Package plaintext turns HTML fragments and pages into the plain text that
// techintel indexes and tags: tags are stripped, entities decoded, the
// contents of script, style and similar elements dropped, and whitespace
// collapsed, with block elements turned into line breaks so that words from
// adjacent paragraphs never run together.
package plaintext

import (
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// skipped elements have contents that are never text for a reader.
var skipped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Iframe: true, atom.Svg: true, atom.Math: true, atom.Object: true,
	atom.Select: true, atom.Button: true, atom.Textarea: true,
	atom.Canvas: true, atom.Audio: true, atom.Video: true,
}

// block elements end a line of text.
var block = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Br: true, atom.Li: true, atom.Ul: true, atom.Ol: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Tr: true, atom.Td: true, atom.Th: true, atom.Table: true, atom.Blockquote: true,
	atom.Pre: true, atom.Section: true, atom.Article: true, atom.Header: true, atom.Footer: true,
	atom.Dt: true, atom.Dd: true, atom.Dl: true, atom.Hr: true, atom.Figcaption: true,
	atom.Figure: true, atom.Aside: true, atom.Nav: true, atom.Main: true, atom.Address: true,
	atom.Title: true, atom.Caption: true, atom.Summary: true, atom.Details: true,
}

// FromHTML returns the plain text of an HTML fragment or page.
func FromHTML(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return Clean(s)
	}
	return FromReader(strings.NewReader(s))
}

// FromReader returns the plain text of the HTML read from r. The HTML is
// read as UTF-8; callers convert other charsets first.
func FromReader(r io.Reader) string {
	z := html.NewTokenizer(r)
	var b strings.Builder
	depth := 0 // inside skipped elements
	var skipAtom atom.Atom
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return Clean(b.String())
		case html.TextToken:
			if depth == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if depth > 0 {
				if a == skipAtom && tt == html.StartTagToken {
					depth++
				}
				continue
			}
			if skipped[a] && tt == html.StartTagToken {
				skipAtom, depth = a, 1
				continue
			}
			if block[a] {
				b.WriteByte('\n')
			} else if a == atom.Img {
				// Alternative text is part of what a reader sees.
				for {
					k, v, more := z.TagAttr()
					if string(k) == "alt" && len(v) > 0 {
						b.WriteByte(' ')
						b.Write(v)
						b.WriteByte(' ')
					}
					if !more {
						break
					}
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if depth > 0 {
				if a == skipAtom {
					depth--
				}
				continue
			}
			if block[a] {
				b.WriteByte('\n')
			} else if a == atom.Td || a == atom.Th {
				b.WriteByte(' ')
			}
		}
	}
}

// Clean collapses runs of spaces within lines, drops blank lines and
// control characters, and replaces invalid UTF-8, so that the result is
// safe to index and to show as text. ASCII, most of the text of most
// pages, takes a fast path (FuzzClean holds it to the rune-by-rune rules).
func Clean(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space, newline := false, false
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			switch {
			case r == '\u2028' || r == '\u2029':
				newline = true
			case unicode.IsSpace(r) || r == '\u00a0' || (r == utf8.RuneError && size == 1):
				space = true
			case unicode.IsControl(r) || r == '\u200b' || r == '\ufeff':
				// drop
			default:
				if b.Len() > 0 {
					if newline {
						b.WriteByte('\n')
					} else if space {
						b.WriteByte(' ')
					}
				}
				space, newline = false, false
				b.WriteRune(r)
			}
			continue
		}
		i++
		switch {
		case c == '\n' || c == '\r':
			newline = true
		case c == ' ' || c == '\t' || c == '\v' || c == '\f':
			space = true
		case c < ' ' || c == 0x7f:
			// drop
		default:
			if b.Len() > 0 {
				if newline {
					b.WriteByte('\n')
				} else if space {
					b.WriteByte(' ')
				}
			}
			space, newline = false, false
			b.WriteByte(c)
		}
	}
	return b.String()
}
