package tag

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// token is one word of a text: a byte range of the original, so that
// evidence can quote the document exactly. A possessive 's is outside it.
type token struct{ start, end int }

// tokenize appends the tokens of s to dst. A token starts with a letter or
// digit and runs over letters, digits and combining marks, plus:
//   - '&' between a word character and a letter or digit ("AT&T", "R&D"),
//   - '.' between two digits ("802.11", "3.5"),
//   - an apostrophe followed by a letter ("O'Reilly"),
//   - soft hyphens and zero-width joiners, which folding then drops.
//
// A possessive 's or ’s ends the token and is not part of it. Every other
// character separates tokens; see gapSignature for how separators matter.
func tokenize(dst []token, s string) []token {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf && !isASCIIWord(c) {
			i++ // fast path: ASCII space and punctuation
			continue
		}
		r, w := decode(s, i)
		if !isWord(r) {
			i += w
			continue
		}
		end, next := scanWord(s, i)
		dst = append(dst, token{start: i, end: end})
		i = next
	}
	return dst
}

// decode is utf8.DecodeRuneInString(s[i:]) with a fast path for ASCII.
func decode(s string, i int) (rune, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}

// appendGapSignature appends the signature of the text between two tokens:
// its characters without white space and hyphens, apostrophes unified, in
// lower case. An empty signature is a soft gap. Two tokens follow each other
// in a phrase when the gaps in text and name are both soft ("Open RAN" finds
// "open-RAN" and "Open\nRAN"; "O-RAN" finds "O RAN") or have the same
// signature ("E.ON", "TCP/IP", "Procter & Gamble"); so "open. RAN" is not
// "Open RAN", nor is "Nokia's Bell Labs" "Nokia Bell Labs".
func appendGapSignature(dst []byte, gap string) []byte {
	for _, r := range gap {
		switch {
		case isSoft(r):
		case isApostrophe(r):
			dst = append(dst, '\'')
		default:
			dst = utf8.AppendRune(dst, unicode.ToLower(r))
		}
	}
	return dst
}

// scanWord scans the word starting at s[i]. It returns where the token ends
// and where scanning resumes: after a possessive 's, which is not part of it.
func scanWord(s string, i int) (end, next int) {
	var prev rune
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf && isASCIIWord(c) {
			prev = rune(c) // fast path: ASCII letters and digits
			i++
			continue
		}
		r, w := decode(s, i)
		if isInWord(r) {
			prev = r
			i += w
			continue
		}
		n, nw := peek(s, i+w)
		switch {
		case r == '&' && isWord(n):
		case r == '.' && unicode.IsDigit(prev) && unicode.IsDigit(n):
		case isApostrophe(r) && (n == 's' || n == 'S') && !isInWord(peekRune(s, i+w+nw)):
			return i, i + w + nw
		case isApostrophe(r) && unicode.IsLetter(n):
		default:
			return i, i
		}
		prev = r
		i += w
	}
	return i, i
}

func peek(s string, i int) (rune, int) {
	if i >= len(s) {
		return -1, 0
	}
	return decode(s, i)
}

func peekRune(s string, i int) rune {
	r, _ := peek(s, i)
	return r
}

// isWord reports whether r can start a token.
func isWord(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIIWord(byte(r))
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// ASCII letters and digits as bit sets over the bytes 0-63 and 64-127.
const (
	asciiDigits  = uint64(0x3ff) << '0'
	asciiLetters = uint64(0x3ffffff)<<('A'-64) | uint64(0x3ffffff)<<('a'-64)
)

func isASCIIWord(c byte) bool {
	if c < 64 {
		return asciiDigits>>c&1 == 1
	}
	return c < 128 && asciiLetters>>(c-64)&1 == 1
}

// isInWord reports whether r continues a word, so that "'s" followed by it is
// not a possessive ("Intel'sx" is one odd word, not "Intel" + "'s").
func isInWord(r rune) bool {
	return isWord(r) || r >= utf8.RuneSelf && (unicode.IsMark(r) || isIgnorable(r))
}

// isSoft reports whether r is white space or a hyphen, the separators that
// gap signatures ignore.
func isSoft(r rune) bool {
	return r == ' ' || r == '-' || r == '\u2010' || r == '\u2011' || unicode.IsSpace(r)
}

func isApostrophe(r rune) bool {
	return r == '\'' || r == '\u2019' || r == '\u02bc'
}

// isIgnorable reports whether r is invisible inside a word: soft hyphens left
// over from HTML (&shy;), zero-width (non-)joiners and the word joiner.
func isIgnorable(r rune) bool {
	return r == '\u00ad' || r == '\u200c' || r == '\u200d' || r == '\u2060'
}

// appendFold appends the normalised form of the token w to dst: accents and
// other nonspacing marks removed after compatibility decomposition (NFKD, so
// "é" → "e" and full-width "Ａ" → "A"), a few letters without a decomposition
// transliterated ("ø" → "o", "ß" → "ss"), apostrophes unified, and, if lower,
// everything in lower case.
func appendFold(dst []byte, w string, lower bool) []byte {
	ascii := true
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		for i := 0; i < len(w); i++ {
			c := w[i]
			if lower && 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
		}
		return dst
	}
	for _, r := range norm.NFKD.String(w) {
		switch {
		case unicode.Is(unicode.Mn, r) || isIgnorable(r):
			continue
		case isApostrophe(r):
			r = '\''
		}
		if t := transliterate(r); t != "" {
			for i := 0; i < len(t); i++ {
				c := t[i]
				if lower && 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				dst = append(dst, c)
			}
			continue
		}
		if lower {
			r = unicode.ToLower(r)
		}
		dst = utf8.AppendRune(dst, r)
	}
	return dst
}

// transliterate spells the Latin letters that NFKD leaves alone in ASCII.
func transliterate(r rune) string {
	switch r {
	case 'ß':
		return "ss"
	case 'ẞ':
		return "SS"
	case 'ø':
		return "o"
	case 'Ø':
		return "O"
	case 'æ':
		return "ae"
	case 'Æ':
		return "AE"
	case 'œ':
		return "oe"
	case 'Œ':
		return "OE"
	case 'ł':
		return "l"
	case 'Ł':
		return "L"
	case 'đ', 'ð':
		return "d"
	case 'Đ', 'Ð':
		return "D"
	case 'þ':
		return "th"
	case 'Þ':
		return "TH"
	case 'ı':
		return "i"
	}
	return ""
}
