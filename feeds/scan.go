package feeds

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// Bounds on what a feed may make gofeed build. gofeed holds every item and
// every extension element in memory, a nested extension element costing
// ~700 bytes, so a body cap alone does not bound memory (measured: 13 MB of
// nested extension elements took ~770 MB). Measured on 10 MB bodies: nested
// extension elements peaked at 670 MB of heap without these bounds and at
// 85 MB with them; 10 MB of ordinary items peak at ~70 MB either way.
const (
	// MaxItems is how many items of a feed are kept: the first ones, which
	// are the newest in every feed format's usual order.
	MaxItems = 10000
	// MaxDepth is the deepest element (or JSON value) nesting accepted. Real
	// feeds stay under 30 even with XHTML content.
	MaxDepth = 100
	// MaxElements is how many XML elements the kept items may hold between
	// them: an item that would go over is dropped with all after it. More
	// elements than this outside items fail the feed.
	MaxElements = 100000
)

// limits carries the bounds, so that tests can use small ones; fullScan
// turns quickScan off (tests and benchmarks of the scan it spares).
type limits struct {
	items, depth, elements int
	fullScan               bool
}

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

// xmlScan is the result of scanXML.
type xmlScan struct {
	root     string // local name of the root element, lower case
	complete bool   // the root element was closed without a syntax error
	err      error  // the syntax error that stopped the scan, if any
	items    []scannedItem
	dropped  int  // items cut out of body
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

// scanner holds the state of one scanXML.
type scanner struct {
	*xmlScan
	in      []byte
	docBase *url.URL
	lim     limits
	stack   []frame

	outside, inItems int  // elements outside items, and in kept items
	seen             int  // items seen, kept or not
	full             bool // the element budget is spent: cut every later item

	item      int   // depth of the kept item being read, 0 if none
	itemFrom  int64 // its start offset
	itemElems int   // its elements so far

	cutFrom  int64 // start offset of the item being cut, -1 if none
	cutDepth int
	kept     []byte // the body with cuts applied, built from the first cut on
	keptTo   int64  // in[:keptTo] has been dealt with

	capture  *string // where the text of the current element goes
	capDepth int
	text     strings.Builder
}

// scanXML reads an XML feed once with encoding/xml before gofeed does. It
// fails on nesting deeper than lim.depth, cuts the items beyond lim.items or
// the element budget out of the body, and records each item's link with its
// xml:base resolved per RFC 3986 section 5, starting from docBase (the feed's
// own URL, RFC 3986 section 5.1.3). A syntax error is not fatal here: it is
// recorded, and gofeed gets to report it.
func scanXML(b []byte, docBase *url.URL, lim limits) (*xmlScan, error) {
	sc := &scanner{xmlScan: &xmlScan{body: b}, in: b, docBase: docBase, lim: lim, cutFrom: -1}
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = false // as gofeed does
	// The body is UTF-8 by now, whatever its declaration says.
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	for {
		off := d.InputOffset()
		tok, err := d.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			sc.err = err
			sc.body = b
			return sc.xmlScan, nil
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(sc.stack) >= lim.depth {
				return nil, fmt.Errorf("elements nested deeper than %d", lim.depth)
			}
			if err := sc.start(t, off); err != nil {
				return nil, err
			}
			if !feedRoot(sc.root) {
				return sc.xmlScan, nil // not a feed; the caller says so
			}
		case xml.CharData:
			if sc.capture != nil && sc.text.Len() < maxCapture {
				sc.text.Write(t)
			}
		case xml.EndElement:
			if sc.end(d.InputOffset()) {
				sc.complete = true
				if sc.dropped > 0 {
					sc.body = append(sc.kept, b[sc.keptTo:]...)
				}
				return sc.xmlScan, nil
			}
		}
	}
}

// start handles a start tag that begins at offset off.
func (sc *scanner) start(t xml.StartElement, off int64) error {
	var parent frame
	if len(sc.stack) > 0 {
		parent = sc.stack[len(sc.stack)-1]
	}
	base := parent.base
	for _, a := range t.Attr {
		if a.Name.Space == nsXML && a.Name.Local == "base" {
			base = resolveBase(parent.base, sc.docBase, a.Value)
			sc.hasBase = true
		}
	}
	local := strings.ToLower(t.Name.Local)
	sc.stack = append(sc.stack, frame{local: local, base: base})
	depth := len(sc.stack)
	switch {
	case depth == 1:
		sc.root = local
	case sc.cutFrom >= 0:
		return nil // inside an item being cut
	case sc.item == 0 && isItem(sc.root, depth, parent.local, local):
		if sc.seen++; sc.seen > sc.lim.items || sc.full {
			sc.cutFrom, sc.cutDepth = off, depth
			return nil
		}
		sc.items = append(sc.items, scannedItem{})
		sc.item, sc.itemFrom, sc.itemElems = depth, off, 0
	}
	if sc.item > 0 {
		sc.itemElems++
	} else if sc.outside++; sc.outside > sc.lim.elements {
		return fmt.Errorf("more than %d elements outside items", sc.lim.elements)
	}

	atom := sc.root == "feed"
	switch {
	case sc.item > 0 && depth == sc.item+1:
		sc.itemChild(t, local, base, atom)
	case sc.item > 0:
	case atom && depth == 2 && local == "title" && atomNS(t.Name.Space):
		sc.title = atomKind(t)
	case sc.siteLink == "" && local == "link":
		if atom && depth == 2 && atomNS(t.Name.Space) && alternate(t) {
			sc.siteLink, sc.siteBase = attr(t, "href"), base
		} else if !atom && depth == 3 && parent.local == "channel" && !atomOnly(t.Name.Space) && sc.capture == nil {
			sc.capture, sc.capDepth, sc.siteBase = &sc.siteLink, depth, base
		}
	}
	return nil
}

// itemChild records what is needed of a direct child of a kept item.
func (sc *scanner) itemChild(t xml.StartElement, local string, base *url.URL, atom bool) {
	it := &sc.items[len(sc.items)-1]
	switch {
	case atom && !atomNS(t.Name.Space):
	case atom && local == "link":
		if it.link == "" && alternate(t) {
			it.link, it.linkBase = attr(t, "href"), base
		}
	case atom && local == "id", !atom && local == "guid":
		if it.id == "" && sc.capture == nil {
			sc.capture, sc.capDepth = &it.id, len(sc.stack)
		}
	case !atom && local == "link" && !atomOnly(t.Name.Space):
		if it.link == "" && sc.capture == nil {
			sc.capture, sc.capDepth, it.linkBase = &it.link, len(sc.stack), base
		}
	case atom && local == "title":
		it.title = atomKind(t)
	case atom && local == "summary":
		it.summary = atomKind(t)
	case atom && local == "content":
		it.content = atomKind(t)
	}
}

// end handles an end tag that finishes at offset endOff, and reports whether
// it closed the root element.
func (sc *scanner) end(endOff int64) bool {
	depth := len(sc.stack)
	if sc.capture != nil && depth == sc.capDepth {
		*sc.capture = strings.TrimSpace(sc.text.String())
		sc.capture = nil
		sc.text.Reset()
	}
	switch {
	case sc.cutFrom >= 0 && depth == sc.cutDepth:
		sc.cut(sc.cutFrom, endOff)
		sc.cutFrom = -1
	case depth == sc.item:
		sc.item = 0
		if sc.outside+sc.inItems+sc.itemElems > sc.lim.elements {
			// Over budget: drop this item, and every later one with it so
			// that the kept items stay the first ones.
			sc.cut(sc.itemFrom, endOff)
			sc.items = sc.items[:len(sc.items)-1]
			sc.full = true
		} else {
			sc.inItems += sc.itemElems
		}
	}
	sc.stack = sc.stack[:depth-1]
	return len(sc.stack) == 0
}

// cut drops in[from:to] from the body.
func (sc *scanner) cut(from, to int64) {
	sc.kept = append(sc.kept, sc.in[sc.keptTo:from]...)
	sc.keptTo = to
	sc.dropped++
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
