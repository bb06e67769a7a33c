package crawler

import (
	"net/url"
	"testing"
	"time"
)

// TestExtractMetadataSources: the author and date come from the sources
// real pages use, and a byline that is only a date names no one.
func TestExtractMetadataSources(t *testing.T) {
	prose := `<p>Operators are trialling Open RAN radios, and the results so far show energy use on par with the ` +
		`single-vendor network, which was the condition for going further, said the engineers involved.</p>`
	tests := []struct {
		name, head, body string
		author           string
		published        time.Time
	}{
		{"Dublin Core creator before author", `<meta name="DC.creator" content="Dana Core"><meta name="author" content="Meta Name">`, prose,
			"Dana Core", time.Time{}},
		{"NYT byl", `<meta name="byl" content="By Corey Writer">`, prose, "By Corey Writer", time.Time{}},
		{"rel=author link", ``, `<p>By <a rel="author" href="/u/jo">Jo Writer</a></p>` + prose, "Jo Writer", time.Time{}},
		{"byline class with By", ``, `<div class="article-byline">By Sam Reporter</div>` + prose, "Sam Reporter", time.Time{}},
		{"byline that is only a date", ``, `<p class="byline"><time datetime="2024-11-22T15:10:00Z">22 November 2024</time></p>` + prose,
			"", time.Date(2024, 11, 22, 15, 10, 0, 0, time.UTC)},
		{"parsely date", `<meta name="parsely-pub-date" content="2024-04-20T04:20:00.000Z">`, prose,
			"", time.Date(2024, 4, 20, 4, 20, 0, 0, time.UTC)},
		{"JSON-LD that is not JSON", `<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2018-04-05T06:00",}</script>`,
			prose, "", time.Date(2018, 4, 5, 6, 0, 0, 0, time.UTC)},
		{"published_time with a space and an offset", `<meta property="article:published_time" content="2015-07-10 09:53:00 -0400">`,
			prose, "", time.Date(2015, 7, 10, 13, 53, 0, 0, time.UTC)},
	}
	base, _ := url.Parse(extractURL)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := `<html><head><title>Trial</title>` + tt.head + `</head><body><article><h1>Trial</h1>` + tt.body + `</article></body></html>`
			p := Extract([]byte(page), "text/html", base)
			if p.Author != tt.author || !p.Published.Equal(tt.published) {
				t.Errorf("author %q, published %v; want %q, %v", p.Author, p.Published, tt.author, tt.published)
			}
		})
	}
}
