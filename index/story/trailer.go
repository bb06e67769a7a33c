package story

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// cutTrailer returns body without the boilerplate press releases end with:
// everything from the first "About <Name>:" section ("About Ericsson:
// Ericsson enables…", also with a line break instead of the colon) or
// trailer heading ("Forward-looking statements", "Media contacts", "###")
// that starts a line or sentence after some text. Every release of a firm
// carries the same "About" paragraph, which would otherwise make two
// different releases look like copies of each other.
func cutTrailer(body string) string {
	// A byte switch finds the candidates: strings.IndexAny builds its
	// byte set at every call, and these letters start every other word.
	for at := 1; at < len(body); at++ {
		switch body[at] {
		case 'A', 'a', 'F', 'f', 'M', 'm', 'P', 'p', '#':
			if startsSentence(body, at) && isTrailer(body[at:]) && strings.TrimSpace(body[:at]) != "" {
				return body[:at]
			}
		}
	}
	return body
}

// startsSentence reports whether body[at] starts a line or follows the end
// of a sentence and white space.
func startsSentence(body string, at int) bool {
	j := at
	for j > 0 {
		r, w := utf8.DecodeLastRuneInString(body[:j])
		if r == '\n' {
			return true
		}
		if !unicode.IsSpace(r) {
			return j < at && strings.ContainsRune(".!?\"”)", r)
		}
		j -= w
	}
	return false
}

// isTrailer reports whether s starts with a trailer heading.
func isTrailer(s string) bool {
	for _, h := range []string{"forward-looking statements", "forward looking statements", "media contact",
		"press contact", "investor contact", "###"} {
		if len(s) >= len(h) && strings.EqualFold(s[:len(h)], h) {
			return true
		}
	}
	name, ok := strings.CutPrefix(s, "About ")
	if !ok {
		return false
	}
	// One to six capitalised words, then a colon or the end of the line.
	for n := 0; n < 6; n++ {
		r, _ := utf8.DecodeRuneInString(name)
		if !unicode.IsUpper(r) && !unicode.IsDigit(r) {
			return false
		}
		end := strings.IndexFunc(name, func(r rune) bool { return r == ' ' || r == ':' || r == '\n' || r == '\r' })
		if end < 0 {
			return true // the text ends with the heading
		}
		switch name[end] {
		case ':', '\n', '\r':
			return true
		}
		name = name[end+1:]
	}
	return false
}
