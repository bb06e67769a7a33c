package tag

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// token is one word of a text: a byte range of the original, so that
// evidence can quote the document exactly.
type token struct {
	start, end int  // byte offsets in the original text; a possessive 's is outside
	joined     bool // only whitespace and hyphens separate it from the previous token
}

// tokenize appends the tokens of s to dst. A token starts with a letter or
// digit and runs over letters, digits and combining marks, plus:
//   - '&' between two word characters ("AT&T", "R&D"),
//   - '.' between two digits ("802.11", "3.5"),
//   - an apostrophe followed by a letter ("O'Reilly"),
//   - soft hyphens and zero-width joiners, which folding then drops.
//
// A possessive 's or ’s ends the token and is not part of it. Every other
// character separates tokens; a '&' standing alone is a token of its own so
// that "Procter & Gamble" can be a phrase.
func tokenize(dst []token, s string) []token {
	joined := true
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		switch {
		case isWord(r):
			end, next, possessive := scanWord(s, i)
			dst = append(dst, token{start: i, end: end, joined: joined})
			i, joined = next, !possessive
			continue
		case r == '&':
			dst = append(dst, token{start: i, end: i + w, joined: joined})
			joined = true
		case !isGap(r):
			joined = false
		}
		i += w
	}
	return dst
}

// scanWord scans the word starting at s[i]. It returns where the token ends,
// where scanning resumes, and whether a possessive 's was skipped in between.
func scanWord(s string, i int) (end, next int, possessive bool) {
	var prev rune
	for i < len(s) {
		r, w := utf8.DecodeRuneInString(s[i:])
		n, nw := peek(s, i+w)
		switch {
		case isWord(r) || unicode.IsMark(r) || isIgnorable(r):
		case r == '&' && isWord(n):
		case r == '.' && unicode.IsDigit(prev) && unicode.IsDigit(n):
		case isApostrophe(r) && (n == 's' || n == 'S') && !isInWord(peekRune(s, i+w+nw)):
			return i, i + w + nw, true
		case isApostrophe(r) && unicode.IsLetter(n):
		default:
			return i, i, false
		}
		prev = r
		i += w
	}
	return i, i, false
}

func peek(s string, i int) (rune, int) {
	if i >= len(s) {
		return -1, 0
	}
	return utf8.DecodeRuneInString(s[i:])
}

func peekRune(s string, i int) rune {
	r, _ := peek(s, i)
	return r
}

// isWord reports whether r can start a token.
func isWord(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// isInWord reports whether r continues a word, so that "'s" followed by it is
// not a possessive ("Intel'sx" is one odd word, not "Intel" + "'s").
func isInWord(r rune) bool {
	return isWord(r) || unicode.IsMark(r) || isIgnorable(r)
}

// isGap reports whether r may separate the words of a phrase: any white space
// and the hyphens, so "Open RAN" matches "Open\nRAN" and "open-RAN", and
// "O-RAN" matches "O RAN". Other punctuation ends a phrase: "open. RAN" is not
// "Open RAN".
func isGap(r rune) bool {
	return r == '-' || r == '\u2010' || r == '\u2011' || unicode.IsSpace(r)
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
