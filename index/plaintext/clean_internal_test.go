package plaintext

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// cleanReference is Clean without its ASCII fast path: it collapses runs of spaces within lines, drops blank lines and
// control characters, and replaces invalid UTF-8, so that the result is
// safe to index and to show as text.
func cleanReference(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space, newline := false, false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029':
			newline = true
		case unicode.IsSpace(r) || r == '\u00a0':
			space = true
		case r == utf8.RuneError && size == 1:
			space = true
		case unicode.IsControl(r) || r == '\u200b' || r == '\ufeff':
			// drop
		default:
			if b.Len() > 0 {
				if newline {
					b.WriteByte('\n')
				} else if space {
					b.WriteByte(' ')
				}
			}
			space, newline = false, false
			b.WriteRune(r)
		}
	}
	return b.String()
}

// FuzzClean holds Clean, with its ASCII fast path, to the rune-by-rune
// rules of cleanReference.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"", " a  b\n\n c ", "\t\v\f\r\n\x00\x7f\x85\u00a0x", "\u2028y\u2029\u200b\ufeffz",
		"caf\xe9 \xff\xfe ok", "Ünïcödé  text\u3000more", "a\x1fb\x85c", "\r\n\r\nend"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Clean(s), cleanReference(s); got != want {
			t.Errorf("Clean(%q) = %q, want %q", s, got, want)
		}
	})
}
