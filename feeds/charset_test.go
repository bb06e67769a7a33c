package feeds

import (
	"bytes"
	"testing"
)

func TestToUTF8(t *testing.T) {
	utf16le := []byte{'<', 0, 'a', 0, 0xE9, 0, '>', 0}
	utf16be := []byte{0, '<', 0, 'a', 0, 0xE9, 0, '>'}
	tests := []struct {
		name, in, contentType, want string
	}{
		{"ascii", "<a>x</a>", "", "<a>x</a>"},
		{"utf-8", "<a>café</a>", "", "<a>café</a>"},
		{"utf-8 bom", "\xef\xbb\xbf<a>café</a>", "", "<a>café</a>"},
		{"utf-8 bom with stray cp1252", "\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"koi8-r\"?><a>caf\xe9</a>", "", "<?xml version=\"1.0\" encoding=\"koi8-r\"?><a>café</a>"},
		{"utf-16le bom", "\xff\xfe" + string(utf16le), "", "<aé>"},
		{"utf-16be bom", "\xfe\xff" + string(utf16be), "", "<aé>"},
		{"utf-16le no bom", string(utf16le), "", "<aé>"},
		{"utf-16be no bom", string(utf16be), "", "<aé>"},
		{"declared windows-1252", "<?xml version='1.0' encoding='windows-1252'?><a>\x93x\x94</a>", "", "<?xml version='1.0' encoding='windows-1252'?><a>“x”</a>"},
		{"declared iso-8859-1 reads as windows-1252", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\x93\xe9</a>", "", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>“é</a>"},
		{"declared koi8-r", "<?xml version=\"1.0\" encoding=\"KOI8-R\"?><a>\xf0\xd2\xc9\xd7\xc5\xd4</a>", "", "<?xml version=\"1.0\" encoding=\"KOI8-R\"?><a>Привет</a>"},
		{"content-type charset", "<a>\xcf\xf0\xe8\xe2\xe5\xf2</a>", "text/xml; charset=windows-1251", "<a>Привет</a>"},
		{"declaration beats content-type", "<?xml version=\"1.0\" encoding=\"windows-1251\"?><a>\xcf</a>", "text/xml; charset=iso-8859-1", "<?xml version=\"1.0\" encoding=\"windows-1251\"?><a>П</a>"},
		{"content-type utf-8 but cp1252 bytes", "<a>caf\xe9</a>", "application/xml; charset=utf-8", "<a>café</a>"},
		{"utf-8 claiming windows-1252", "<?xml version=\"1.0\" encoding=\"windows-1252\"?><a>café “x”</a>", "text/xml; charset=windows-1252", "<?xml version=\"1.0\" encoding=\"windows-1252\"?><a>café “x”</a>"},
		{"mixed utf-8 and cp1252", "<a>na\xc3\xafve \x93q\x94</a>", "", "<a>naïve “q”</a>"},
		{"unknown label", "<?xml version=\"1.0\" encoding=\"x-bogus\"?><a>\xe9</a>", "text/xml; charset=bogus", "<?xml version=\"1.0\" encoding=\"x-bogus\"?><a>é</a>"},
		{"undefined cp1252 byte", "<a>\x81</a>", "", "<a>\uFFFD</a>"},
		{"truncated utf-8 at the end", "<a>\xe2\x80", "", "<a>â€"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(toUTF8([]byte(tt.in), tt.contentType)); got != tt.want {
				t.Errorf("toUTF8(%q, %q) = %q, want %q", tt.in, tt.contentType, got, tt.want)
			}
		})
	}
}

func TestFixDeclaration(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"none", "<rss/>", "<rss/>"},
		{"windows-1252", `<?xml version="1.0" encoding="windows-1252"?><rss/>`, utf8Decl + "<rss/>"},
		{"single quotes and standalone", `<?xml version='1.0' encoding='ISO-8859-1' standalone='yes'?>` + "\n<rss/>", utf8Decl + "\n<rss/>"},
		{"version 1.1", `<?xml version="1.1"?><rss/>`, utf8Decl + "<rss/>"},
		{"already utf-8", utf8Decl + "<rss/>", utf8Decl + "<rss/>"},
		{"a later processing instruction is kept", `<?xml-stylesheet href="s.xsl"?><rss/>`, `<?xml-stylesheet href="s.xsl"?><rss/>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(fixDeclaration([]byte(tt.in))); got != tt.want {
				t.Errorf("fixDeclaration(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestStripInvalidXMLChars(t *testing.T) {
	in := []byte("a\x00b\x01c\td\ne\rf\x1fg\uFFFEh\uFFFFi\U0001F600")
	want := []byte("abc\td\ne\rfghi\U0001F600")
	if got := stripInvalidXMLChars(in); !bytes.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	clean := []byte("<a>clean</a>")
	if got := stripInvalidXMLChars(clean); &got[0] != &clean[0] {
		t.Error("a clean body was copied")
	}
}
