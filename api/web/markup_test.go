package web

import (
	"fmt"
	"html/template"
	"testing"

	"github.com/techintel/techintel/api"
)

func TestSnippetHTML(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "a &amp; b", "a &amp; b"},
		{"marks kept", "the <mark>open</mark> <mark>ran</mark> lab", "the <mark>open</mark> <mark>ran</mark> lab"},
		{"escaped markup stays text", "&lt;script&gt;<mark>x</mark>", "&lt;script&gt;<mark>x</mark>"},
		{"raw markup is escaped", `<script>alert(1)</script><img src=x onerror=y>`, "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=y&gt;"},
		{"attributes on mark are not marks", `<mark onclick=x>a</mark>`, "&lt;mark onclick=x&gt;a"},
		{"unbalanced open is closed", "<mark>a", "<mark>a</mark>"},
		{"stray close dropped", "a</mark>b", "ab"},
		{"nested open ignored", "<mark>a<mark>b</mark>c</mark>", "<mark>ab</mark>c"},
		{"quotes escaped", `say "hi" & 'bye'`, "say &#34;hi&#34; &amp; &#39;bye&#39;"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := snippetHTML(tc.in); got != template.HTML(tc.want) {
				t.Errorf("snippetHTML(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestHighlight(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		terms      []string
		want       string
	}{
		{"no terms", "a <b>", nil, "a &lt;b&gt;"},
		{"case-insensitive", "Nokia and NOKIA's lab", []string{"nokia"}, "<mark>Nokia</mark> and <mark>NOKIA</mark>&#39;s lab"},
		{"longest first", "Nokia Bell Labs", []string{"Nokia", "Nokia Bell Labs"}, "<mark>Nokia Bell Labs</mark>"},
		{"metacharacters are literal", "a.b a+b", []string{"a+b"}, "a.b <mark>a+b</mark>"},
		{"markup around a match", "<i>Intel</i>", []string{"Intel"}, "&lt;i&gt;<mark>Intel</mark>&lt;/i&gt;"},
		{"markup in a term", "x <script> y", []string{"<script>"}, "x <mark>&lt;script&gt;</mark> y"},
		{"unicode", "Telefónica y TELEFÓNICA", []string{"telefónica"}, "<mark>Telefónica</mark> y <mark>TELEFÓNICA</mark>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := highlight(tc.text, tc.terms); got != template.HTML(tc.want) {
				t.Errorf("highlight(%q, %q) = %q, want %q", tc.text, tc.terms, got, tc.want)
			}
		})
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/sources?x=1": "/sources?x=1", "": "/", "//evil.example": "/", "/\\evil": "/",
		"https://evil.example/": "/", "sources": "/", "/%2F%2Fevil": "/%2F%2Fevil",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzSnippetHTML: whatever a snippet holds, the only tags that come out
// are balanced <mark> and </mark>.
func FuzzSnippetHTML(f *testing.F) {
	for _, s := range []string{"a <mark>b</mark>", "<script>x</script>", "<mark><mark>", "&lt;<mark", "</mark><"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := string(snippetHTML(s))
		depth := 0
		for i := 0; i < len(out); i++ {
			if out[i] != '<' {
				continue
			}
			switch {
			case len(out[i:]) >= 6 && out[i:i+6] == "<mark>":
				depth++
			case len(out[i:]) >= 7 && out[i:i+7] == "</mark>":
				depth--
			default:
				t.Fatalf("snippetHTML(%q) = %q: a tag other than mark", s, out)
			}
			if depth < 0 || depth > 1 {
				t.Fatalf("snippetHTML(%q) = %q: unbalanced marks", s, out)
			}
		}
		if depth != 0 {
			t.Fatalf("snippetHTML(%q) = %q: mark left open", s, out)
		}
	})
}

func TestHeatMapShades(t *testing.T) {
	m := newHeatMap(&api.Matrix{
		Entities: []string{"A", "B"}, Technologies: []string{"x", "y", "z"},
		Counts: [][]int{{0, 1, 20}, {10, 19, 4}},
	})
	var got []int
	for _, r := range m.Rows {
		for _, c := range r.Cells {
			got = append(got, c.Shade)
		}
	}
	want := []int{0, 1, 5, 3, 5, 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("shades %v, want %v", got, want)
	}
	if u := m.Rows[1].Cells[0].URL; u != "/?entity=B&technology=x" {
		t.Errorf("cell URL %q", u)
	}
}
