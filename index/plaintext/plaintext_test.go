package plaintext_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/techintel/techintel/index/plaintext"
)

func TestFromHTML(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain text passes", "Nokia  ships\t5G", "Nokia ships 5G"},
		{"tags stripped", "<p>Nokia <b>ships</b> 5G</p>", "Nokia ships 5G"},
		{"entities decoded", "AT&amp;T &lt;3 Telef&oacute;nica&nbsp;SA", "AT&T <3 Telefónica SA"},
		{"script and style dropped", "<p>a</p><script>alert('Huawei')</script><style>p{}</style><p>b</p>", "a\nb"},
		{"markup inside script is script", "<script>if (a<b) { x = '</p>' }</script>z", "z"},
		{"nested skipped elements", "<svg><svg><text>x</text></svg>y</svg>z", "z"},
		{"blocks do not run words together", "<li>Nokia</li><li>Ericsson</li>", "Nokia\nEricsson"},
		{"br breaks lines", "one<br>two", "one\ntwo"},
		{"img alt kept", `see <img src="x.png" alt="Nokia logo"> here`, "see Nokia logo here"},
		{"comments dropped", "a<!-- Huawei -->b", "ab"},
		{"unclosed tag", "a <b>bold", "a bold"},
		{"control characters dropped", "a\x00b\x07c", "abc"},
		{"invalid utf-8 becomes space", "a\xffb", "a b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := plaintext.FromHTML(tt.in); got != tt.want {
				t.Errorf("FromHTML(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzFromHTML(f *testing.F) {
	for _, s := range []string{"<p>a</p>", "<script>x</script>y", "a&amp;b", "<svg><script>x</script></svg>z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := plaintext.FromHTML(in)
		if !utf8.ValidString(out) {
			t.Fatalf("FromHTML(%q) = %q: invalid UTF-8", in, out)
		}
		if strings.Contains(out, "  ") || strings.HasPrefix(out, " ") {
			t.Fatalf("FromHTML(%q) = %q: whitespace not collapsed", in, out)
		}
	})
}
