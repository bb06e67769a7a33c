package feeds

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/net/html/charset"
)

// Bounds on an OPML file. A subscription list of a heavy reader holds a few
// thousand feeds in a few folders; these are far above that and far below
// what would strain memory.
const (
	// MaxOutlines is how many outline elements, feeds and folders, an OPML
	// file may hold.
	MaxOutlines = 50000
	// MaxOPMLDepth is how deep outlines may nest.
	MaxOPMLDepth = 20
	// maxOPMLBytes bounds the file itself, so that one huge attribute cannot
	// take the memory that the outline count keeps others from taking.
	maxOPMLBytes = 32 << 20
)

// Outline is one feed of a subscription list.
type Outline struct {
	Title   string // the outline's text attribute, or else its title
	XMLURL  string // the feed's URL, as written
	HTMLURL string // the site's URL as written, "" if none
	// Category is the text of the nearest enclosing outline that is not a
	// feed (the folder, in a feed reader's terms), "" at the top level.
	Category string
}

// ParseOPML reads the feeds of an OPML 1.0 or 2.0 subscription list, in
// document order, duplicates included. A feed is an outline with an xmlUrl
// attribute, or one with type="rss" and a url attribute (as some OPML 1.0
// writers make them); folders are flattened into the feeds' Category, the
// innermost folder's name when they nest. Attribute names match in any case
// ("xmlurl" is common). OPML 2.0's category attribute is not read: readers
// export folders as nesting.
//
// Common mistakes of hand-edited files are forgiven (a bare "&" in a URL, HTML
// entities such as &nbsp;, a missing end tag), but a file cut short fails with
// the line it ends on. Entities are never expanded beyond XML's and HTML's own:
// encoding/xml does not read DOCTYPE declarations, so an "entity bomb" is
// inert. More than MaxOutlines outlines, nesting deeper than MaxOPMLDepth or
// a file over 32 MiB is an error.
func ParseOPML(r io.Reader) ([]Outline, error) {
	outlines, err := parseOPML(r, maxOPMLBytes)
	if err != nil {
		return nil, fmt.Errorf("feeds: opml: %w", err)
	}
	return outlines, nil
}

// opmlFrame is an open element of an OPML file.
type opmlFrame struct {
	outline bool
	feed    bool
	name    string // a folder's text
	head    bool   // the <head> element: no outlines are read inside
}

func parseOPML(r io.Reader, maxBytes int64) ([]Outline, error) {
	d := xml.NewDecoder(newCapReader(r, maxBytes))
	d.Strict = false
	d.Entity = xml.HTMLEntity
	d.CharsetReader = charset.NewReaderLabel
	var (
		out   []Outline
		stack []opmlFrame
		depth int // of outlines
		count int
	)
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the file is empty or has no root element")
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			local := strings.ToLower(t.Name.Local)
			if len(stack) == 0 && local != "opml" {
				return nil, fmt.Errorf("not an OPML file: the root element is <%s>", t.Name.Local)
			}
			fr := opmlFrame{head: local == "head" || (len(stack) > 0 && stack[len(stack)-1].head)}
			if local == "outline" && !fr.head {
				if count++; count > MaxOutlines {
					return nil, fmt.Errorf("more than %d outlines", MaxOutlines)
				}
				if depth++; depth > MaxOPMLDepth {
					return nil, fmt.Errorf("outlines nested deeper than %d", MaxOPMLDepth)
				}
				fr.outline = true
				o := outlineOf(t)
				if fr.feed = o.XMLURL != ""; fr.feed {
					o.Category = category(stack)
					out = append(out, o)
				} else {
					fr.name = o.Title
				}
			} else if len(stack) >= MaxOPMLDepth+2 { // opml, body, outlines
				return nil, fmt.Errorf("elements nested deeper than %d", MaxOPMLDepth+2)
			}
			stack = append(stack, fr)
		case xml.EndElement:
			if len(stack) == 0 {
				continue // non-strict decoding lets a stray end tag through
			}
			if stack[len(stack)-1].outline {
				depth--
			}
			if stack = stack[:len(stack)-1]; len(stack) == 0 {
				return out, nil // what follows the root is not read
			}
		}
	}
}

// outlineOf reads an outline's attributes; XMLURL is "" unless it is a feed.
func outlineOf(t xml.StartElement) Outline {
	var o Outline
	var text, title, typ, link string
	for _, a := range t.Attr {
		v := strings.TrimSpace(a.Value)
		switch strings.ToLower(a.Name.Local) {
		case "text":
			text = v
		case "title":
			title = v
		case "xmlurl":
			o.XMLURL = v
		case "htmlurl":
			o.HTMLURL = v
		case "type":
			typ = strings.ToLower(v)
		case "url":
			link = v
		}
	}
	o.Title = text
	if o.Title == "" {
		o.Title = title
	}
	if o.XMLURL == "" && typ == "rss" {
		o.XMLURL = link
	}
	return o
}

// category returns the name of the innermost open folder.
func category(stack []opmlFrame) string {
	for i := len(stack) - 1; i >= 0; i-- {
		if stack[i].outline && !stack[i].feed {
			return stack[i].name
		}
	}
	return ""
}

// WriteOPML writes outlines as an OPML 2.0 subscription list titled title,
// which feed readers import. Each category becomes a folder, placed where
// its first feed is, holding its feeds in their order; feeds without one
// stay at the top level. ParseOPML reads back the same outlines, grouped so.
// An outline without XMLURL is an error: it would be lost.
func WriteOPML(w io.Writer, title string, outlines []Outline) error {
	type group struct {
		category string
		members  []Outline
	}
	var groups []*group
	byName := map[string]*group{}
	for i, o := range outlines {
		if strings.TrimSpace(o.XMLURL) == "" {
			return fmt.Errorf("feeds: write opml: outline %d (%q) has no feed URL", i, o.Title)
		}
		if o.Category == "" {
			groups = append(groups, &group{members: []Outline{o}})
			continue
		}
		g := byName[o.Category]
		if g == nil {
			g = &group{category: o.Category}
			byName[o.Category] = g
			groups = append(groups, g)
		}
		g.members = append(g.members, o)
	}

	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString("<opml version=\"2.0\">\n  <head>\n    <title>")
	escapeXML(&b, title)
	b.WriteString("</title>\n  </head>\n  <body>\n")
	for _, g := range groups {
		indent := "    "
		if g.category != "" {
			b.WriteString(indent + `<outline text="`)
			escapeXML(&b, g.category)
			b.WriteString(`" title="`)
			escapeXML(&b, g.category)
			b.WriteString("\">\n")
			indent += "  "
		}
		for _, o := range g.members {
			b.WriteString(indent + `<outline type="rss" text="`)
			escapeXML(&b, o.Title)
			b.WriteString(`" title="`)
			escapeXML(&b, o.Title)
			b.WriteString(`" xmlUrl="`)
			escapeXML(&b, o.XMLURL)
			if o.HTMLURL != "" {
				b.WriteString(`" htmlUrl="`)
				escapeXML(&b, o.HTMLURL)
			}
			b.WriteString("\"/>\n")
		}
		if g.category != "" {
			b.WriteString("    </outline>\n")
		}
	}
	b.WriteString("  </body>\n</opml>\n")
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("feeds: write opml: %w", err)
	}
	return nil
}

// escapeXML writes s escaped for XML text and attribute values alike:
// quotes, and tabs and newlines, which attribute normalisation (XML 1.0
// section 3.3.3) would otherwise turn into spaces.
func escapeXML(b *bytes.Buffer, s string) {
	_ = xml.EscapeText(b, []byte(s)) // a bytes.Buffer does not fail
}

// capReader fails a read past its limit with ErrTooLarge, where
// io.LimitReader would end the input quietly and make it look cut short.
type capReader struct {
	r     io.Reader
	limit int64
	left  int64 // the limit plus one: reading that much is going over
}

func newCapReader(r io.Reader, limit int64) *capReader {
	return &capReader{r: r, limit: limit, left: limit + 1}
}

func (c *capReader) Read(p []byte) (int, error) {
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	if c.left -= int64(n); c.left <= 0 {
		return 0, fmt.Errorf("%w: over %d MiB", ErrTooLarge, c.limit>>20)
	}
	return n, err
}
