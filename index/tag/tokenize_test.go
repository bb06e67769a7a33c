package tag

import (
	"slices"
	"testing"
	"unicode"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // folded, lower-cased tokens
	}{
		{"words", "Hello, world", []string{"hello", "world"}},
		{"possessive straight", "Intel's chip", []string{"intel", "chip"}},
		{"possessive curly", "Intel’s chip", []string{"intel", "chip"}},
		{"possessive at end", "it is Intel's", []string{"it", "is", "intel"}},
		{"plural possessive", "Siemens' plan", []string{"siemens", "plan"}},
		{"inner apostrophe", "O'Reilly don’t", []string{"o'reilly", "don't"}},
		{"hyphen separates", "Qualcomm-backed", []string{"qualcomm", "backed"}},
		{"ampersand inside", "AT&T and R&D", []string{"at&t", "and", "r&d"}},
		{"ampersand alone", "P & G", []string{"p", "g"}},
		{"ampersand at end", "AT& T", []string{"at", "t"}},
		{"decimal", "802.11ax, 3.5 GHz.", []string{"802.11ax", "3.5", "ghz"}},
		{"sentence dot", "ends.Next 5.", []string{"ends", "next", "5"}},
		{"accents", "Telefónica Ærø Straße", []string{"telefonica", "aero", "strasse"}},
		{"decomposed accent", "Telefo\u0301nica", []string{"telefonica"}},
		{"full width", "ＡＢＣ１", []string{"abc1"}},
		{"soft hyphen", "Tele\u00adfonica", []string{"telefonica"}},
		{"invalid utf-8", "ab\xffcd", []string{"ab", "cd"}},
		{"digits and letters", "5GHz 5G 3GPP2", []string{"5ghz", "5g", "3gpp2"}},
		{"leading mark", "\u0301abc", []string{"abc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, tk := range tokenize(nil, tt.in) {
				got = append(got, string(appendFold(nil, tt.in[tk.start:tk.end], true)))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("tokenize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestAppendFoldKeepsCase(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Arm", "Arm"},
		{"ÉTSI", "ETSI"},
		{"Øresund", "Oresund"},
		{"Straße", "Strasse"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := string(appendFold(nil, tt.in, false)); got != tt.want {
				t.Errorf("appendFold(%q, false) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestGapSignature(t *testing.T) {
	tests := []struct{ in, want string }{
		{" ", ""},
		{"\n \t", ""},
		{" - ", ""},
		{"\u2011", ""},
		{".", "."},
		{". ", "."},
		{" & ", "&"},
		{"’s ", "'s"},
		{"'S ", "'s"},
		{"/", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := string(appendGapSignature(nil, tt.in)); got != tt.want {
				t.Errorf("appendGapSignature(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestIsASCIIWord(t *testing.T) {
	for c := range 256 {
		want := c < 128 && (unicode.IsLetter(rune(c)) || unicode.IsDigit(rune(c)))
		if got := isASCIIWord(byte(c)); got != want {
			t.Errorf("isASCIIWord(%q) = %v, want %v", rune(c), got, want)
		}
	}
}
