package tag

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// excerptRadius is how many characters of context an excerpt shows either
// side of the match, before it is cut back to a word boundary.
const excerptRadius = 60

// excerpt returns the text around text[start:end] for evidence: up to
// excerptRadius characters either side, cut at word boundaries, with "…"
// where the text goes on and every run of white space (line breaks
// included) as one space.
func excerpt(text string, start, end int) string {
	lo := start
	for n := 0; lo > 0 && n < excerptRadius; n++ {
		if text[lo-1] < utf8.RuneSelf {
			lo--
		} else {
			_, w := utf8.DecodeLastRuneInString(text[:lo])
			lo -= w
		}
	}
	if lo > 0 && !spaceBefore(text, lo) { // cut inside a word: drop it
		if k := strings.IndexFunc(text[lo:start], isSpace); k >= 0 {
			lo += k
		} else {
			lo = start
		}
	}
	hi := end
	for n := 0; hi < len(text) && n < excerptRadius; n++ {
		if text[hi] < utf8.RuneSelf {
			hi++
		} else {
			_, w := utf8.DecodeRuneInString(text[hi:])
			hi += w
		}
	}
	if hi < len(text) && !spaceBefore(text, hi) && !spaceAt(text, hi) {
		if k := strings.LastIndexFunc(text[end:hi], isSpace); k >= 0 {
			hi = end + k
		} else {
			hi = end
		}
	}
	var b strings.Builder
	b.Grow(hi - lo + 2*len("…"))
	if strings.TrimLeftFunc(text[:lo], isSpace) != "" {
		b.WriteString("…")
	}
	// Copy text[lo:hi] with every run of white space as one space and
	// none at either end, a run of other characters at a time.
	word := -1 // start of the current run of other characters, or -1
	started := false
	for i := lo; i < hi; {
		r, w := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, w = utf8.DecodeRuneInString(text[i:])
		}
		if !isSpace(r) {
			if word < 0 {
				if started {
					b.WriteByte(' ')
				}
				word, started = i, true
			}
		} else if word >= 0 {
			b.WriteString(text[word:i])
			word = -1
		}
		i += w
	}
	if word >= 0 {
		b.WriteString(text[word:hi])
	}
	if strings.TrimRightFunc(text[hi:], isSpace) != "" {
		b.WriteString("…")
	}
	return b.String()
}

// isSpace is unicode.IsSpace with a fast path for ASCII.
func isSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || '\t' <= r && r <= '\r'
	}
	return unicode.IsSpace(r)
}

func spaceBefore(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return isSpace(r)
}

func spaceAt(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return isSpace(r)
}
