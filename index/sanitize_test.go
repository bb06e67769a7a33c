package index_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/techintel/techintel/index"
)

// hostile are strings a crawled page can carry as text.
var hostile = []string{
	`<script>alert(1)</script>`,
	`<img src=x onerror=alert(2)>`,
	`"><svg onload=alert(3)>`,
	`</mark><iframe src="javascript:alert(4)"></iframe><mark onclick="alert(5)">`,
	`<a href="javascript:alert(6)">click</a>`,
	`<style>body{background:url(javascript:alert(7))}</style>`,
	`&lt;script&gt;alert(8)&lt;/script&gt;`,
	`<!-- <script>alert(9)</script> -->`,
	`<scr<script>ipt>alert(10)</script>`,
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(11)>`,
}

// onlyMarks fails unless s parses to text and bare <mark> elements only.
func onlyMarks(t *testing.T, what, s string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return
		case html.TextToken:
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if string(name) != "mark" || hasAttr {
				t.Errorf("%s carries markup other than a bare <mark>: %q", what, s)
				return
			}
		default:
			t.Errorf("%s carries a %v token: %q", what, z.Token().Type, s)
			return
		}
	}
}

func TestSanitizeSnippetAllowsOnlyMark(t *testing.T) {
	for _, h := range hostile {
		got := index.SanitizeSnippet("Nokia <mark>radio</mark> " + h)
		onlyMarks(t, "SanitizeSnippet("+h+")", got)
		if !strings.Contains(got, "<mark>radio</mark>") {
			t.Errorf("the mark itself was lost: %q", got)
		}
	}
	if got := index.SanitizeSnippet("a &lt; b &amp; <mark>c</mark>"); got != "a &lt; b &amp; <mark>c</mark>" {
		t.Errorf("escaped text changed: %q", got)
	}
}

// TestHostileTextInSnippets indexes documents whose plain text holds
// markup (a page quoting HTML, or an extractor that let it through) and
// checks that no search snippet, highlighted or not, carries it.
func TestHostileTextInSnippets(t *testing.T) {
	ix, err := index.OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	var docs []index.Document
	for i, h := range hostile {
		u := "https://evil.example/" + string(rune('a'+i))
		docs = append(docs, index.Document{ID: index.DocID(u), URL: u, Title: "radio " + h, Body: "Nokia radio news " + h + " radio end",
			Source: "evil", Published: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), Components: []string{}, Entities: []string{}, Technologies: []string{}})
	}
	if _, err := ix.Upsert(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"radio", "alert", "script", "onerror", "mark", ""} {
		res, err := ix.Search(context.Background(), index.Query{Q: q, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if q != "" && q != "mark" && len(res.Hits) == 0 {
			t.Errorf("%q found nothing", q)
		}
		for _, h := range res.Hits {
			onlyMarks(t, "snippet for "+q, h.Snippet)
		}
	}
}
