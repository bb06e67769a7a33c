package digest_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/digest"
)

// templateElements are the elements digest.html itself writes; crawled
// content may add <mark> in snippets and nothing else.
var templateElements = map[string]bool{
	"html": true, "head": true, "meta": true, "title": true, "body": true, "div": true, "h1": true, "h2": true,
	"p": true, "span": true, "a": true, "svg": true, "g": true, "text": true, "rect": true, "table": true,
	"tr": true, "th": true, "td": true, "mark": true, "ul": true, "li": true, "strong": true, "bdi": true,
}

// TestHTMLDigestWithHostileContent renders a digest whose every crawled
// field is hostile, built from a real index and also by hand (a snippet
// that did not come from Search), and parses the page: only the
// template's elements, no event-handler attribute, no script URL.
func TestHTMLDigestWithHostileContent(t *testing.T) {
	ix, err := index.OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	published := time.Date(2026, 11, 17, 9, 0, 0, 0, time.UTC)
	var docs []index.Document
	for i, u := range []string{"javascript:alert(1)//https://x", "https://evil.example/\"><script>alert(2)</script>", "https://evil.example/ok"} {
		docs = append(docs, index.Document{ID: index.DocID(u + string(rune('a'+i))), URL: u,
			Title:  `Nokia "><script>alert(3)</script><img src=x onerror=alert(4)>`,
			Body:   `Nokia radio <iframe src=javascript:alert(5)></iframe> </mark><svg onload=alert(6)><mark onclick=alert(7)>`,
			Source: `</div><script>alert(8)</script>`, Published: published, Fetched: published,
			Components: []string{"own"}, Entities: []string{"Nokia", `<b onmouseover=alert(9)>x</b>`}, Technologies: []string{}})
	}
	if _, err := ix.Upsert(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	d, err := digest.Build(context.Background(), ix, "2026-W47", []digest.Entity{{Name: `Nokia<script>alert(10)</script>`, Role: "own"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Components["own"].Top) == 0 {
		t.Fatal("the hostile documents are not in the digest")
	}
	// A snippet that bypassed Search's escaping.
	d.Components["own"].Top[0].Snippet = `<mark>Nokia</mark></mark><script>alert(11)</script><mark style="x" onclick="alert(12)">y</mark><a href="javascript:alert(13)">z</a>`
	var buf bytes.Buffer
	if err := digest.WriteHTML(&buf, d); err != nil {
		t.Fatal(err)
	}
	z := html.NewTokenizer(bytes.NewReader(buf.Bytes()))
	marks := 0
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		if !templateElements[tok.Data] {
			t.Errorf("element <%s> from crawled content in the digest", tok.Data)
		}
		if tok.Data == "mark" {
			marks++
			if len(tok.Attr) > 0 {
				t.Errorf("<mark> with attributes: %v", tok.Attr)
			}
		}
		for _, a := range tok.Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") {
				t.Errorf("event handler %s=%q on <%s>", a.Key, a.Val, tok.Data)
			}
			if a.Key == "href" && !strings.HasPrefix(a.Val, "https://") && a.Val != "#ZgotmplZ" {
				t.Errorf("href %q is neither https nor neutralised", a.Val)
			}
		}
	}
	if marks == 0 {
		t.Error("no <mark> survived: the sanitiser is too strict")
	}
	if strings.Contains(buf.String(), "alert(11)</script>") {
		t.Error("a script's body leaked as text")
	}
}
