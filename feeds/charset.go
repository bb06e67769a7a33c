package feeds

import (
	"bytes"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// The XML declaration, and the encoding pseudo-attribute inside it. These are
// compiled once and only read, so sharing them is safe.
var (
	xmlDeclRE  = regexp.MustCompile(`^<\?xml[\s?][^>]*>`)
	xmlEncRE   = regexp.MustCompile(`encoding\s*=\s*["']\s*([A-Za-z0-9._:\-]+)\s*["']`)
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16BE = []byte{0xFE, 0xFF}
	bomUTF16LE = []byte{0xFF, 0xFE}
)

// utf8Decl replaces whatever XML declaration the feed had once its body is
// UTF-8. Version 1.0 because encoding/xml refuses any other.
const utf8Decl = `<?xml version="1.0" encoding="UTF-8"?>`

// toUTF8 returns body as UTF-8, without a byte order mark.
//
// The order of evidence follows what real feeds get wrong rather than the
// letter of RFC 7303: a BOM is always right; a body that is valid UTF-8 is
// UTF-8 whatever its declaration says (a UTF-8 feed claiming windows-1252 is
// common, while legacy text that happens to be valid UTF-8 is vanishingly
// rare); otherwise the body is in the legacy charset named by its XML
// declaration or, failing that, by the Content-Type (the declaration travels
// with the document, the Content-Type charset is often a server default); and
// with neither, invalid bytes are read as windows-1252, which is what such
// feeds almost always are, keeping any valid UTF-8 around them.
func toUTF8(body []byte, contentType string) []byte {
	switch {
	case bytes.HasPrefix(body, bomUTF8):
		body = body[len(bomUTF8):]
		if utf8.Valid(body) {
			return body
		}
		return repairCP1252(body)
	case bytes.HasPrefix(body, bomUTF16BE):
		return decode(unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), body)
	case bytes.HasPrefix(body, bomUTF16LE):
		return decode(unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), body)
	case len(body) >= 2 && body[0] == 0 && (body[1] == '<' || body[1] == '{'):
		// UTF-16 without a BOM is recognisable by its first character
		// (XML 1.0 Appendix F).
		return decode(unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), body)
	case len(body) >= 2 && (body[0] == '<' || body[0] == '{') && body[1] == 0:
		return decode(unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), body)
	}
	if utf8.Valid(body) {
		return body
	}
	for _, label := range []string{declaredEncoding(body), mediaCharset(contentType)} {
		if enc := legacyEncoding(label); enc != nil {
			return decode(enc, body)
		}
	}
	return repairCP1252(body)
}

// decode converts b with enc, falling back to the windows-1252 repair if
// the decoder fails (x/text decoders replace bad input rather than fail, so
// this is a safety net).
func decode(enc encoding.Encoding, b []byte) []byte {
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil || !utf8.Valid(out) {
		return repairCP1252(b)
	}
	return out
}

// legacyEncoding returns the single- or multi-byte legacy encoding a charset
// label names (WHATWG labels, so "iso-8859-1" means windows-1252 as browsers
// read it), or nil for unknown labels and the Unicode encodings, which
// toUTF8 has already ruled out by then.
func legacyEncoding(label string) encoding.Encoding {
	if label == "" {
		return nil
	}
	enc, name := charset.Lookup(label)
	if enc == nil || name == "utf-8" || strings.HasPrefix(name, "utf-16") || name == "replacement" {
		return nil
	}
	return enc
}

// repairCP1252 keeps every valid UTF-8 sequence of b and reads each byte that
// is not part of one as windows-1252.
func repairCP1252(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/8)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			out = utf8.AppendRune(out, charmap.Windows1252.DecodeByte(b[0]))
		} else {
			out = append(out, b[:size]...)
		}
		b = b[size:]
	}
	return out
}

// declaredEncoding returns the encoding named in the XML declaration, if any.
func declaredEncoding(b []byte) string {
	decl := xmlDeclRE.Find(bytes.TrimLeft(b, " \t\r\n"))
	if decl == nil {
		return ""
	}
	if m := xmlEncRE.FindSubmatch(decl); m != nil {
		return string(m[1])
	}
	return ""
}

// mediaCharset returns the charset parameter of a Content-Type value.
func mediaCharset(contentType string) string {
	if contentType == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return params["charset"]
}

// fixDeclaration replaces the XML declaration of a body that is now UTF-8 by
// one that says so. Left alone, a declared encoding="windows-1252" makes the
// XML decoder convert the already converted text a second time.
func fixDeclaration(b []byte) []byte {
	decl := xmlDeclRE.FindIndex(b)
	if decl == nil {
		return b
	}
	if bytes.Equal(b[:decl[1]], []byte(utf8Decl)) {
		return b
	}
	out := make([]byte, 0, len(b)-decl[1]+len(utf8Decl))
	out = append(out, utf8Decl...)
	return append(out, b[decl[1]:]...)
}

// stripInvalidXMLChars drops the characters XML 1.0 forbids (section 2.2:
// most C0 controls, U+FFFE and U+FFFF). encoding/xml fails the whole document
// on the first one, and stray control characters are common in feeds.
func stripInvalidXMLChars(b []byte) []byte {
	clean := true
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if !xmlChar(r) {
			clean = false
			break
		}
		i += size
	}
	if clean {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if xmlChar(r) {
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	return out
}

func xmlChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' ||
		(r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= utf8.MaxRune)
}
