package feeds

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// Bounds on what a feed may make the parser build. gofeed holds every item
// and every extension element in memory, and deep nesting multiplies that
// (PITFALLS: a 13 MB feed of nested extension elements took ~770 MB), so a
// body cap alone does not bound memory.
const (
	// MaxItems is how many items of a feed are kept: the first ones, which
	// are the newest in every feed format's usual order.
	MaxItems = 10000
	// MaxDepth is the deepest element (or JSON value) nesting accepted. Real
	// feeds stay under 30 even with XHTML content.
	MaxDepth = 100
	// MaxElements is how many XML elements the kept part of a feed may hold.
	MaxElements = 500000
)

// limits carries the bounds, so that tests can use small ones.
type limits struct{ items, depth, elements int }

func defaultLimits() limits { return limits{items: MaxItems, depth: MaxDepth, elements: MaxElements} }

const (
	nsAtom10 = "http://www.w3.org/2005/Atom"
	nsAtom03 = "http://purl.org/atom/ns#"
	nsXML    = "http://www.w3.org/XML/1998/namespace"
	// maxCapture bounds the text kept for one link or id.
	maxCapture = 8 << 10
)

// scannedItem is what the pre-scan records of one item: its link and id as
// written, and the xml:base in scope where the link was.
type scannedItem struct {
	link     string
	linkBase *url.URL
	id       string
	// How gofeed's Atom title, summary and content are to be read.
	title, summary, content textKind
}

// textKind says what an Atom text construct holds (RFC 4287 section 3.1).
type textKind uint8

const (
	kindMarkup textKind = iota // html or xhtml, or RSS, where there is no type
	kindText                   // plain text: escape before treating as HTML
	kindOther                  // base64 or some binary media type: unusable
)

// atomKind reads the type (and Atom 0.3 mode) attributes of a text construct.
func atomKind(t xml.StartElement) textKind {
	typ := strings.ToLower(attr(t, "type"))
	mode := strings.ToLower(attr(t, "mode"))
	switch {
	case mode == "base64":
		return kindOther
	case typ == "":
		if mode == "" {
			return kindText // the default type is "text"
		}
		return kindMarkup // Atom 0.3 escaped or xml mode
	case typ == "text" || (strings.HasPrefix(typ, "text/") && typ != "text/html"):
		return kindText
	case typ == "html" || typ == "xhtml" || typ == "text/html" || strings.Contains(typ, "xml"):
		return kindMarkup
	}
	return kindOther
}

// xmlScan is the result of scanXML.
type xmlScan struct {
	root     string // local name of the root element, lower case
	complete bool   // the root element was closed without a syntax error
	err      error  // the syntax error that stopped the scan, if any
	items    []scannedItem
	dropped  int  // items beyond the cap, cut out of body
	hasBase  bool // some element declares xml:base
	siteLink string
	siteBase *url.URL
	title    textKind // of an Atom feed's title
	body     []byte   // the input with the dropped items cut out
}

type frame struct {
	local string
	base  *url.URL
}

// scanXML reads an XML feed once with encoding/xml before gofeed does. It
// fails on nesting or element counts beyond lim, cuts items beyond lim.items
// out of the body, and records each item's link with its xml:base resolved
// per RFC 3986 section 5, starting from docBase (the feed's own URL, RFC 3986
// section 5.1.3). A syntax error is not fatal here: it is recorded and gofeed
// gets to report it.
func scanXML(b []byte, docBase *url.URL, lim limits) (*xmlScan, error) {
	s := &xmlScan{body: b}
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = false // as gofeed does
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil } // already UTF-8

	var (
		stack    []frame
		elements int
		seen     int            // items seen, kept or not
		inItem   int            // depth of the item being read, 0 outside items
		cutFrom  int64     = -1 // start offset of the item being cut
		cutDepth int
		kept     []byte // body with cuts applied, built only once something is cut
		keptTo   int64  // b[:keptTo] has been dealt with
		capture  *string // where the text of the current element goes
		capDepth int
		text     strings.Builder
	)
	for {
		off := d.InputOffset()
		tok, err := d.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			s.err = err
			s.body = b
			return s, nil
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= lim.depth {
				return nil, fmt.Errorf("elements nested deeper than %d", lim.depth)
			}
			parent := frame{}
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			base := parent.base
			for _, a := range t.Attr {
				if a.Name.Space == nsXML && a.Name.Local == "base" {
					base = resolveBase(parent.base, docBase, a.Value)
					s.hasBase = true
				}
			}
			local := strings.ToLower(t.Name.Local)
			stack = append(stack, frame{local: local, base: base})
			depth := len(stack)
			if depth == 1 {
				s.root = local
				if !feedRoot(local) {
					return s, nil // not a feed; the caller says so
				}
			}
			if cutFrom >= 0 {
				continue // inside an item being cut: its elements do not count
			}
			if inItem == 0 && isItem(s.root, depth, parent.local, local) {
				seen++
				if seen > lim.items {
					cutFrom, cutDepth = off, depth
					continue
				}
				s.items = append(s.items, scannedItem{})
				inItem = depth
			}
			if elements++; elements > lim.elements {
				return nil, fmt.Errorf("more than %d elements", lim.elements)
			}
			atom := s.root == "feed"
			switch {
			case inItem > 0 && depth == inItem+1:
				it := &s.items[len(s.items)-1]
				switch {
				case local == "link" && atom && atomNS(t.Name.Space):
					if it.link == "" && alternate(t) {
						it.link, it.linkBase = attr(t, "href"), base
					}
				case local == "link" && !atom && !atomOnly(t.Name.Space):
					if it.link == "" && capture == nil {
						capture, capDepth, it.linkBase = &it.link, depth, base
					}
				case (atom && local == "id") || (!atom && local == "guid"):
					if it.id == "" && capture == nil {
						capture, capDepth = &it.id, depth
					}
				case atom && local == "title" && atomNS(t.Name.Space):
					it.title = atomKind(t)
				case atom && local == "summary" && atomNS(t.Name.Space):
					it.summary = atomKind(t)
				case atom && local == "content" && atomNS(t.Name.Space):
					it.content = atomKind(t)
				}
			case inItem == 0 && atom && depth == 2 && local == "title" && atomNS(t.Name.Space):
				s.title = atomKind(t)
			case inItem == 0 && s.siteLink == "" && local == "link":
				if atom && depth == 2 && atomNS(t.Name.Space) && alternate(t) {
					s.siteLink, s.siteBase = attr(t, "href"), base
				} else if !atom && depth == 3 && parent.local == "channel" && !atomOnly(t.Name.Space) && capture == nil {
					capture, capDepth, s.siteBase = &s.siteLink, depth, base
				}
			}
		case xml.CharData:
			if capture != nil && text.Len() < maxCapture {
				text.Write(t)
			}
		case xml.EndElement:
			depth := len(stack)
			if capture != nil && depth == capDepth {
				*capture = strings.TrimSpace(text.String())
				capture = nil
				text.Reset()
			}
			if cutFrom >= 0 && depth == cutDepth {
				end := d.InputOffset()
				kept = append(kept, b[keptTo:cutFrom]...)
				keptTo, cutFrom = end, -1
				s.dropped++
			}
			if depth == inItem {
				inItem = 0
			}
			stack = stack[:depth-1]
			if len(stack) == 0 {
				s.complete = true
				if s.dropped > 0 {
					s.body = append(kept, b[keptTo:]...)
				}
				return s, nil
			}
		}
	}
}

// feedRoot reports whether an XML root element names a feed format.
func feedRoot(local string) bool { return local == "rss" || local == "rdf" || local == "feed" }

// isItem reports whether an element is one of a feed's items: <entry> in an
// Atom <feed>, <item> in an RSS <channel>, or <item> beside the channel as in
// RSS 1.0 and 0.90. gofeed finds items in exactly these places.
func isItem(root string, depth int, parent, local string) bool {
	if root == "feed" {
		return depth == 2 && local == "entry"
	}
	return local == "item" && (depth == 2 || (depth == 3 && parent == "channel"))
}

// atomNS reports whether an element in an Atom feed is an Atom one; gofeed
// takes elements without a namespace as Atom too.
func atomNS(space string) bool { return space == "" || atomOnly(space) }

// atomOnly reports whether an element is explicitly Atom, like the atom:link
// that RSS feeds carry for their own URL.
func atomOnly(space string) bool { return space == nsAtom10 || space == nsAtom03 }

// alternate reports whether an Atom link is the entry's alternate link; a link
// without rel is one (RFC 4287 section 4.2.7.2).
func alternate(t xml.StartElement) bool {
	rel := strings.TrimSpace(attr(t, "rel"))
	return rel == "" || rel == "alternate" || rel == "http://www.iana.org/assignments/relation/alternate"
}

func attr(t xml.StartElement, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local && (a.Name.Space == "" || a.Name.Space == t.Name.Space) {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}

// resolveBase resolves an xml:base value against the base in scope, or the
// document's own URL when none is (RFC 3986 section 5.1). An unusable value
// leaves the base in scope unchanged.
func resolveBase(parent, docBase *url.URL, value string) *url.URL {
	u, err := url.Parse(strings.TrimSpace(value))
	if err != nil {
		return parent
	}
	if parent == nil {
		parent = docBase
	}
	if parent != nil {
		u = parent.ResolveReference(u)
	}
	return u
}

// checkJSONDepth fails if JSON nests arrays and objects deeper than limit. It
// only counts brackets outside strings, so it allocates nothing.
func checkJSONDepth(b []byte, limit int) error {
	depth, inString, escaped := 0, false, false
	for _, c := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			if depth++; depth > limit {
				return fmt.Errorf("values nested deeper than %d", limit)
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}

// capJSONItems keeps the first limit items of a JSON Feed. Counting decodes each
// item into an empty struct, which allocates almost nothing; the document is
// rebuilt only when it is over the cap. Malformed JSON is returned unchanged
// for gofeed to report.
func capJSONItems(b []byte, limit int) (out []byte, dropped int) {
	var count struct {
		Items []struct{} `json:"items"`
	}
	if err := json.Unmarshal(b, &count); err != nil || len(count.Items) <= limit {
		return b, 0
	}
	var doc map[string]json.RawMessage
	var items struct {
		Items []json.RawMessage `json:"items"`
	}
	if json.Unmarshal(b, &doc) != nil || json.Unmarshal(b, &items) != nil {
		return b, 0
	}
	for k := range doc {
		if strings.EqualFold(k, "items") {
			delete(doc, k)
		}
	}
	kept, err := json.Marshal(items.Items[:limit])
	if err != nil {
		return b, 0
	}
	doc["items"] = kept
	if out, err = json.Marshal(doc); err != nil {
		return b, 0
	}
	return out, len(items.Items) - limit
}
