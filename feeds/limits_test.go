package feeds

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

func TestParseLimits(t *testing.T) {
	lim := limits{items: 3, depth: 10, elements: 100}
	rssItems := func(n int) string {
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="windows-1252"?><rss version="2.0"><channel><title>T</title>`)
		for i := range n {
			b.WriteString(`<item><title>caf` + "\xe9" + ` ` + string(rune('a'+i)) + `</title><link>https://e.org/` + string(rune('a'+i)) + `</link></item>`)
		}
		b.WriteString(`<link>https://e.org/</link></channel></rss>`)
		return b.String()
	}
	tests := []struct {
		name        string
		body        string
		wantItems   int
		wantDropped int
		wantErr     string
	}{
		{"rss under the cap", rssItems(3), 3, 0, ""},
		{"rss over the cap keeps the first", rssItems(6), 3, 3, ""},
		{"rdf over the cap", `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><channel><title>R</title></channel>` +
			strings.Repeat(`<item><title>i</title><link>https://e.org/i</link></item>`, 5) + `</rdf:RDF>`, 3, 2, ""},
		{"atom over the cap", `<feed xmlns="http://www.w3.org/2005/Atom">` + strings.Repeat(`<entry><title>e</title></entry>`, 4) + `</feed>`, 3, 1, ""},
		{"json over the cap", `{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[` +
			strings.Repeat(`{"id":"x","url":"https://e.org/x"},`, 4) + `{"id":"y"}]}`, 3, 2, ""},
		{"depth at the limit", `<rss><channel><item>` + strings.Repeat("<a>", 7) + strings.Repeat("</a>", 7) + `</item></channel></rss>`, 1, 0, ""},
		{"depth over the limit", `<rss><channel><item>` + strings.Repeat("<a>", 8) + strings.Repeat("</a>", 8) + `</item></channel></rss>`, 0, 0, "nested deeper than 10"},
		{"too many elements outside items", `<rss><channel>` + strings.Repeat("<a/>", 99) + `</channel></rss>`, 0, 0, "more than 100 elements outside items"},
		{"an item over the element budget is dropped", `<rss><channel><item>` + strings.Repeat("<a/>", 100) + `</item></channel></rss>`, 0, 1, ""},
		{"the budget keeps the first items", `<rss><channel>` + strings.Repeat("<item>"+strings.Repeat("<a/>", 39)+"</item>", 6) + `</channel></rss>`, 2, 4, ""},
		{"elements of dropped items do not count", `<rss><channel>` + strings.Repeat("<item>"+strings.Repeat("<a/>", 30)+"</item>", 10) + `</channel></rss>`, 3, 7, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := parse([]byte(tt.body), "https://e.org/feed", "", lim)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Items) != tt.wantItems || f.Dropped != tt.wantDropped {
				t.Errorf("%d items, %d dropped; want %d, %d", len(f.Items), f.Dropped, tt.wantItems, tt.wantDropped)
			}
			// What follows the cut items must survive the cut.
			if strings.Contains(tt.body, "<link>https://e.org/</link></channel>") && f.SiteURL != "https://e.org/" {
				t.Errorf("SiteURL = %q, want the channel link after the items", f.SiteURL)
			}
			if strings.Contains(tt.body, "windows-1252") && !strings.HasPrefix(f.Items[0].Title, "café") {
				t.Errorf("title %q, want it decoded from windows-1252", f.Items[0].Title)
			}
		})
	}
}

// TestParseManyItems runs the real cap on a feed just over it.
func TestParseManyItems(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(`<rss version="2.0"><channel><title>Many</title>`)
	for range MaxItems + 5 {
		b.WriteString(`<item><title>t</title><link>https://e.org/x</link></item>`)
	}
	b.WriteString(`</channel></rss>`)
	f, err := Parse(b.Bytes(), "https://e.org/feed", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Items) != MaxItems || f.Dropped != 5 {
		t.Errorf("%d items, %d dropped; want %d, 5", len(f.Items), f.Dropped, MaxItems)
	}
}

func BenchmarkParse(b *testing.B) {
	bodies := map[string][]byte{}
	for _, name := range []string{"rss2.xml", "atom.xml", "jsonfeed.json", "rss-windows1252.xml"} {
		bodies[name] = readTestdata(b, name)
	}
	var big bytes.Buffer // 1,000 ordinary items
	big.WriteString(`<rss version="2.0"><channel><title>Big</title><link>https://e.org/</link>`)
	for i := range 1000 {
		fmt.Fprintf(&big, `<item><title>Item %d</title><link>/p/%d</link><pubDate>Tue, 05 Mar 2024 09:30:00 GMT</pubDate>`+
			`<description>&lt;p&gt;%s&lt;/p&gt;</description></item>`, i, i, strings.Repeat("Some words of text. ", 30))
	}
	big.WriteString(`</channel></rss>`)
	bodies["1000-items"] = big.Bytes()
	var hostile bytes.Buffer // 1 MB of nested extension elements, cut by the element budget
	hostile.WriteString(`<rss xmlns:x="urn:x"><channel>`)
	for hostile.Len() < 1<<20 {
		hostile.WriteString(`<item><link>https://e.org/</link>` + strings.Repeat("<x:a>", 90) + strings.Repeat("</x:a>", 90) + `</item>`)
	}
	hostile.WriteString(`</channel></rss>`)
	bodies["nested-extensions"] = hostile.Bytes()

	for _, name := range slices.Sorted(maps.Keys(bodies)) {
		body := bodies[name]
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				f, err := Parse(body, "https://e.org/feed", "")
				if err != nil {
					b.Fatal(err)
				}
				f.Documents("bench", fetchedAt)
			}
		})
	}
}
