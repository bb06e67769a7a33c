package feeds

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
)

// quickScan is scanXML for the common feed, without an XML parse: gofeed
// tokenises the body with encoding/xml anyway, and a second encoding/xml
// pass only to check the limits and find the root cost about a third of
// a feed's parsing (0.7 of 2.5 CPU s per 20,000 items). It walks the
// markup byte by byte (tags, attributes, comments, CDATA, processing
// instructions) and answers only for an RSS document (root <rss> or
// <rdf:RDF>) that is well nested, quotes its attributes, has no DOCTYPE
// and no xml:base, and stays within lim: then the full scan would cut
// nothing, fail nothing and record nothing the conversion of an RSS feed
// reads besides the root and the item count. For anything else it
// returns nil and the caller runs scanXML: Atom (whose text constructs
// need the scan's attributes), xml:base, a DOCTYPE (its internal subset
// can hold markup), malformed or oversized input.
// FuzzQuickScan checks it against scanXML.
func quickScan(b []byte, lim limits) *xmlScan {
	if bytes.Contains(b, []byte("xml:base")) || bytes.Contains(b, []byte(nsXML)) {
		return nil
	}
	// The prolog and the root's name are read by encoding/xml as the
	// full scan reads them, so that a malformed prolog gets its words.
	root, i := prolog(b)
	if root != "rss" && root != "rdf" {
		return nil
	}
	root = ""
	var (
		stack    [][]byte // open elements' names as written
		locals   []string // and their lower-case local names, for items
		items    int
		elements int
	)
	for {
		lt := bytes.IndexByte(b[i:], '<')
		if lt < 0 {
			return nil // the root was never closed
		}
		i += lt + 1
		if i >= len(b) {
			return nil
		}
		switch c := b[i]; {
		case c == '?':
			end := bytes.Index(b[i:], []byte("?>"))
			if end < 0 {
				return nil
			}
			i += end + 2
		case c == '!':
			var close string
			switch {
			case bytes.HasPrefix(b[i:], []byte("!--")):
				close = "-->"
			case bytes.HasPrefix(b[i:], []byte("![CDATA[")) && len(stack) > 0:
				close = "]]>"
			default:
				return nil // a DOCTYPE, or something encoding/xml reads otherwise
			}
			end := bytes.Index(b[i+len(close):], []byte(close))
			if end < 0 {
				return nil
			}
			i += len(close) + end + len(close)
		case c == '/':
			i++
			n := nameLen(b[i:])
			if n == 0 || len(stack) == 0 || !bytes.Equal(b[i:i+n], stack[len(stack)-1]) {
				return nil
			}
			i += n
			for i < len(b) && isSpace(b[i]) {
				i++
			}
			if i >= len(b) || b[i] != '>' {
				return nil
			}
			i++
			stack, locals = stack[:len(stack)-1], locals[:len(locals)-1]
			if len(stack) == 0 {
				return &xmlScan{root: root, complete: true, body: b, items: make([]scannedItem, items)}
			}
		default:
			n := nameLen(b[i:])
			if n == 0 || (len(stack) == 0 && root != "") {
				return nil // no name, or a second root
			}
			name := b[i : i+n]
			i += n
			selfClosed, ok := skipAttrs(b, &i)
			if !ok {
				return nil
			}
			if len(stack) >= lim.depth {
				return nil // scanXML fails it, in its words
			}
			if elements++; elements > lim.elements {
				return nil // scanXML may cut items or fail
			}
			// The local name as encoding/xml splits it.
			local := string(name)
			if strings.Count(local, ":") > 1 {
				return nil
			}
			if space, l, ok := strings.Cut(local, ":"); ok && space != "" && l != "" {
				local = l
			}
			local = strings.ToLower(local)
			depth := len(stack) + 1
			if depth == 1 {
				if local != "rss" && local != "rdf" {
					return nil
				}
				root = local
			} else if isItem(root, depth, locals[len(locals)-1], local) {
				if items++; items > lim.items {
					return nil
				}
			}
			if !selfClosed {
				stack, locals = append(stack, name), append(locals, local)
			}
		}
	}
}

// skipAttrs moves *i past a start tag's attributes and its closing '>',
// and reports whether the tag closed itself ("/>"); ok is false for
// anything but quoted name="value" attributes.
func skipAttrs(b []byte, i *int) (selfClosed, ok bool) {
	for {
		j := *i
		for j < len(b) && isSpace(b[j]) {
			j++
		}
		if j >= len(b) {
			return false, false
		}
		switch b[j] {
		case '>':
			*i = j + 1
			return false, true
		case '/':
			if j+1 < len(b) && b[j+1] == '>' {
				*i = j + 2
				return true, true
			}
			return false, false
		}
		if j == *i {
			return false, false // no space before the attribute
		}
		n := nameLen(b[j:])
		if n == 0 {
			return false, false
		}
		j += n
		for j < len(b) && isSpace(b[j]) {
			j++
		}
		if j >= len(b) || b[j] != '=' {
			return false, false
		}
		j++
		for j < len(b) && isSpace(b[j]) {
			j++
		}
		if j >= len(b) || (b[j] != '"' && b[j] != '\'') {
			return false, false
		}
		end := bytes.IndexByte(b[j+1:], b[j])
		if end < 0 || bytes.IndexByte(b[j+1:j+1+end], '<') >= 0 {
			return false, false
		}
		*i = j + 1 + end + 1
	}
}

// nameLen is the length of the XML name at the start of b: ASCII letters,
// digits, '_', '-', '.', ':' and any byte of a multi-byte character, not
// starting with a digit, '-' or '.'. Names encoding/xml reads otherwise
// make quickScan give up, never misread.
func nameLen(b []byte) int {
	n := 0
	for n < len(b) {
		c := b[n]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', c == ':', c >= 0x80:
		case (c >= '0' && c <= '9') || c == '-' || c == '.':
			if n == 0 {
				return 0
			}
		default:
			return n
		}
		n++
	}
	return n
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// prolog reads b with encoding/xml up to its first start tag and returns
// the tag's lower-case local name and offset; "" if there is none or the
// prolog is malformed.
func prolog(b []byte) (string, int) {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = false
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	for {
		off := d.InputOffset()
		tok, err := d.Token()
		if err != nil {
			return "", 0
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return strings.ToLower(t.Name.Local), int(off)
		case xml.Directive:
			return "", 0 // a DOCTYPE: its internal subset may hold markup
		}
	}
}
