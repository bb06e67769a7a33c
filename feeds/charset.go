package feeds

import (
	"bytes"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/saintfish/chardet"
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
	return undeclared(body)
}

// undeclared converts a body that is not UTF-8 and names no charset. Mostly
// UTF-8 with a few stray bytes (a windows-1252 quote pasted into a UTF-8
// feed) is repaired byte by byte. Otherwise the whole body is in one legacy
// charset, and a UTF-8 sequence in it is an accident ("\xc3\xa9" in a
// Latin-1 feed is "Ã©"). chardet's statistics recognise the CJK charsets
// (EUC-JP, Shift_JIS, GB2312/GBK, EUC-KR, Big5) with certainty; Thai
// (TIS-620) is recognised by its spelling rules; a text whose words are
// all high bytes is in a non-Latin alphabet, and chardet's best guess among
// those (KOI8-R, windows-1251, Hebrew, Greek, Arabic) is taken; anything
// else is windows-1252, the Latin-1 that browsers read.
func undeclared(body []byte) []byte {
	valid, invalid := utf8Evidence(body)
	if valid > 0 && 2*valid >= invalid {
		return repairCP1252(body)
	}
	results, _ := chardet.NewTextDetector().DetectAll(body)
	if len(results) > 0 && cjkCharsets[results[0].Charset] && results[0].Confidence >= 90 {
		if enc := legacyEncoding(charsetLabel(results[0].Charset)); enc != nil {
			return decode(enc, body)
		}
	}
	if thaiPlausible(body) {
		return decode(charmap.Windows874, body)
	}
	if nonLatinWords(body) {
		for _, r := range results {
			if nonLatinCharsets[r.Charset] {
				if enc := legacyEncoding(charsetLabel(r.Charset)); enc != nil {
					return decode(enc, body)
				}
			}
		}
	}
	return decode(charmap.Windows1252, body)
}

// The charsets chardet names, by the kind of script they write.
var (
	cjkCharsets      = map[string]bool{"EUC-JP": true, "Shift_JIS": true, "GB-18030": true, "EUC-KR": true, "Big5": true}
	nonLatinCharsets = map[string]bool{
		"KOI8-R": true, "windows-1251": true, "ISO-8859-5": true, "ISO-8859-8-I": true, "ISO-8859-8": true,
		"windows-1255": true, "ISO-8859-7": true, "windows-1253": true, "ISO-8859-6": true, "windows-1256": true,
		"EUC-JP": true, "Shift_JIS": true, "GB-18030": true, "EUC-KR": true, "Big5": true,
	}
)

// charsetLabel turns a chardet name into a WHATWG label.
func charsetLabel(name string) string {
	switch name {
	case "ISO-8859-8-I", "ISO-8859-8":
		return "windows-1255" // its superset, as browsers read it
	case "GB-18030":
		return "gb18030"
	}
	return name
}

// nonLatinWords says whether the high bytes of b make whole words, as in
// an alphabet other than Latin, rather than standing between ASCII letters
// as accented letters do.
func nonLatinWords(b []byte) bool {
	high, inLatin := 0, 0
	letter := func(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
	for i, c := range b {
		if c < 0x80 {
			continue
		}
		high++
		if (i > 0 && letter(b[i-1])) || (i+1 < len(b) && letter(b[i+1])) {
			inLatin++
		}
	}
	return high >= 8 && 5*inLatin <= high
}

// utf8Evidence counts the multi-byte UTF-8 sequences in b that read as
// letters or punctuation of European text (what a UTF-8 feed with a stray
// windows-1252 byte holds), and the bytes that are not part of any
// sequence. A sequence that decodes to a CJK ideograph amid such bytes is
// an accident of Latin-1 ("\xe9\xbb\x83"), and counts for neither.
func utf8Evidence(b []byte) (valid, invalid int) {
	for len(b) > 0 {
		if b[0] < utf8.RuneSelf {
			b = b[1:]
			continue
		}
		r, size := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && size == 1:
			invalid++
		case (r >= 0xA0 && r <= 0x24F) || (r >= 0x370 && r <= 0x52F) || (r >= 0x2000 && r <= 0x218F):
			valid++
		}
		b = b[size:]
	}
	return valid, invalid
}

// thaiPlausible says whether the bytes above 0x7F spell Thai in TIS-620
// (windows-874): all are Thai letters, and the vowel and tone marks written
// above or below a consonant follow one, and the vowels written before a
// consonant precede one. CJK double-byte text breaks these rules at once.
func thaiPlausible(b []byte) bool {
	high, bad := 0, 0
	consonant := func(c byte) bool { return c >= 0xA1 && c <= 0xCE }
	for i, c := range b {
		if c < 0x80 {
			continue
		}
		high++
		switch {
		case c <= 0xA0 || (c >= 0xDB && c <= 0xDE) || c >= 0xFC:
			bad++ // not a Thai letter
		case c == 0xD1 || (c >= 0xD4 && c <= 0xDA) || (c >= 0xE7 && c <= 0xEE):
			// a mark: after a consonant or another mark
			if i == 0 || !(consonant(b[i-1]) || b[i-1] == 0xD1 || (b[i-1] >= 0xD4 && b[i-1] <= 0xDA) || (b[i-1] >= 0xE7 && b[i-1] <= 0xEE)) {
				bad++
			}
		case c >= 0xE0 && c <= 0xE4:
			if i+1 >= len(b) || !consonant(b[i+1]) {
				bad++
			}
		}
	}
	return high >= 8 && bad*50 <= high
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
