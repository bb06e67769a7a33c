package demoworld

import (
	"strconv"
	"unicode/utf8"
)

// cp1252High maps the bytes 0x80-0x9F of windows-1252 to Unicode; zero marks
// the five bytes windows-1252 leaves undefined. Every other byte means the
// code point of the same value (ASCII and Latin-1).
var cp1252High = [32]rune{
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
}

// cp1252Rev is the reverse of cp1252High.
var cp1252Rev = func() map[rune]byte {
	m := make(map[rune]byte, len(cp1252High))
	for i, r := range cp1252High {
		if r != 0 {
			m[r] = byte(0x80 + i)
		}
	}
	return m
}()

// encodeCP1252 converts UTF-8 XML to windows-1252. A character windows-1252
// cannot represent becomes a numeric character reference, which is right in
// XML text and attribute values (the feed templates use no CDATA for it).
func encodeCP1252(src []byte) []byte {
	out := make([]byte, 0, len(src))
	for i := 0; i < len(src); {
		r, w := utf8.DecodeRune(src[i:])
		i += w
		switch b, ok := cp1252Rev[r]; {
		case r < 0x80 || (r >= 0xA0 && r <= 0xFF):
			out = append(out, byte(r))
		case ok:
			out = append(out, b)
		default:
			out = append(out, "&#"...)
			out = strconv.AppendInt(out, int64(r), 10)
			out = append(out, ';')
		}
	}
	return out
}
