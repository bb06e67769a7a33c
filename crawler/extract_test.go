package crawler

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/extract")

// extractURL is the address the golden pages are read as coming from.
const extractURL = "https://news.example.org/section/page.html"

// goldenPage is Page as the golden files hold it.
type goldenPage struct {
	URL       string   `json:"url"`
	Title     string   `json:"title"`
	Body      string   `json:"body"`
	Article   bool     `json:"article"`
	Listing   bool     `json:"listing"`
	Author    string   `json:"author"`
	Published string   `json:"published"`
	Links     []string `json:"links"`
	NoIndex   bool     `json:"noindex"`
	NoFollow  bool     `json:"nofollow"`
}

func toGolden(p Page) goldenPage {
	g := goldenPage{URL: p.URL, Title: p.Title, Body: p.Body, Article: p.Article, Listing: p.Listing, Author: p.Author, Links: p.Links,
		NoIndex: p.NoIndex, NoFollow: p.NoFollow}
	if !p.Published.IsZero() {
		g.Published = p.Published.Format(time.RFC3339)
	}
	return g
}

// TestExtractGolden reads every testdata/extract/NAME.html and compares
// the Page with NAME.golden.json (go test -run TestExtractGolden -update
// rewrites them: review the diff).
func TestExtractGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/extract/*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden pages: %v", err)
	}
	base, _ := url.Parse(extractURL)
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".html")
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(toGolden(Extract(body, "text/html", base)), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			goldenFile := strings.TrimSuffix(f, ".html") + ".golden.json"
			if *update {
				if err := os.WriteFile(goldenFile, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(goldenFile)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Extract(%s) differs from %s:\ngot:\n%s\nwant:\n%s", f, goldenFile, got, want)
			}
		})
	}
}

func TestExtractCharset(t *testing.T) {
	latin1 := []byte("<title>Caf\xe9</title><p>Men\xfc")
	utf8Page := []byte("<title>Café</title><p>Menü")
	tests := []struct {
		name        string
		body        []byte
		contentType string
	}{
		{"charset from the header", latin1, "text/html; charset=iso-8859-1"},
		{"header beats a wrong meta", append([]byte(`<meta charset="utf-8">`), latin1...), "text/html; charset=windows-1252"},
		{"meta charset", append([]byte(`<meta charset="iso-8859-1">`), latin1...), "text/html"},
		{"undeclared windows-1252", latin1, ""},
		{"undeclared UTF-8", utf8Page, "text/html"},
		{"UTF-8 declared wrongly in meta", append([]byte(`<meta charset="windows-1252">`), utf8Page...), ""},
		{"body colly already decoded", utf8Page, decodedContentType("text/html; charset=ISO-8859-1")},
		{"UTF-8 BOM", append([]byte("\xef\xbb\xbf"), utf8Page...), "text/html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Extract(tt.body, tt.contentType, nil)
			if p.Title != "Café" || p.Body != "Menü" {
				t.Errorf("title %q body %q, want Café and Menü", p.Title, p.Body)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2024-03-05T11:00:00+01:00", "2024-03-05T10:00:00Z"},
		{"2024-03-05T11:00:00.123Z", "2024-03-05T11:00:00Z"},
		{"2024-03-05T11:00:00+0100", "2024-03-05T10:00:00Z"},
		{"2024-03-05T11:00+01:00", "2024-03-05T10:00:00Z"},
		{"2024-03-05T11:00:00", "2024-03-05T11:00:00Z"},
		{"2024-03-05T11:00", "2024-03-05T11:00:00Z"},
		{"2024-03-05 11:00:00", "2024-03-05T11:00:00Z"},
		{" 2024-03-05 ", "2024-03-05T00:00:00Z"},
		{"Tue, 05 Mar 2024 11:00:00 +0100", "2024-03-05T10:00:00Z"},
		{"Tue, 05 Mar 2024 11:00:00 GMT", "2024-03-05T11:00:00Z"},
		{"", ""},
		{"yesterday", ""},
		{"2024-13-45", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := ""
			if d, ok := parseDate(tt.in); ok {
				got = d.Format(time.RFC3339)
			}
			if got != tt.want {
				t.Errorf("parseDate(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzExtract feeds Extract arbitrary bytes: it must not panic, and what it
// returns must be safe to index and to follow.
func FuzzExtract(f *testing.F) {
	files, _ := filepath.Glob("testdata/extract/*.html")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "text/html")
	}
	f.Add([]byte(`<base href="javascript:x"><a href="//[::1]:80/a">`), "text/html; charset=utf-16")
	f.Add([]byte(`<script type="application/ld+json">[[[[{"datePublished":1}]]]]</script>`), "")
	base, _ := url.Parse(extractURL)
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		p := Extract(body, contentType, base)
		if strings.ContainsAny(p.Title, "\n\r\t") || strings.ContainsAny(p.Author, "\n\r\t") {
			t.Errorf("title %q or author %q is not one line", p.Title, p.Author)
		}
		for _, s := range []string{p.Title, p.Body, p.Author} {
			if !utf8.ValidString(s) {
				t.Errorf("invalid UTF-8: %q", s)
			}
		}
		if !p.Published.IsZero() && p.Published.Location() != time.UTC {
			t.Errorf("published %v not in UTC", p.Published)
		}
		seen := map[string]bool{}
		for _, l := range p.Links {
			u, err := url.Parse(l)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" {
				t.Errorf("link %q is not an absolute http(s) URL without fragment", l)
			}
			if seen[l] {
				t.Errorf("link %q twice", l)
			}
			seen[l] = true
		}
	})
}

// TestExtractBoilerplate checks that what surrounds an article (cookie
// banner, navigation, breadcrumbs, share buttons, ads, newsletter boxes,
// comments, a "Related news" aside naming other companies, sidebars,
// footer, forms, scripts) stays out of Body, whether readability finds
// the article or the page is too short for it.
func TestExtractBoilerplate(t *testing.T) {
	page, err := os.ReadFile("testdata/extract/boilerplate.html")
	if err != nil {
		t.Fatal(err)
	}
	start := bytes.Index(page, []byte(`<div class="article-body">`))
	end := bytes.Index(page, []byte(`<div class="newsletter-signup">`))
	short := slices.Concat(page[:start], []byte(`<p>Nokia and Ericsson split the contract.</p>`), page[end:])
	undeclared := bytes.Replace(short, []byte(`"NewsArticle"`), []byte(`"Thing"`), 1)
	banned := []string{"Huawei", "Samsung", "ZTE", "Most read", "COOKIETEXT", "BREADCRUMBTEXT", "SHARETEXT",
		"ADVERTTEXT", "NEWSLETTERTEXT", "COMMENTTEXT", "SIDEBARTEXT", "FOOTERTEXT", "FORMTEXT", "TRACKINGSCRIPT",
		"INLINESCRIPT", "Skip to content", "Mobile Europe"}
	tests := []struct {
		name        string
		page        []byte
		wantArticle bool
		has         string
	}{
		{"readability finds the article", page, true, "about four thousand sites planned"},
		// Its JSON-LD says NewsArticle: an article, however short.
		{"declared article too short for readability", short, true, "Nokia and Ericsson split the contract."},
		{"too short for readability", undeclared, false, "Nokia and Ericsson split the contract."},
	}
	base, _ := url.Parse(extractURL)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Extract(tt.page, "text/html", base)
			if p.Article != tt.wantArticle || !strings.Contains(p.Body, tt.has) {
				t.Errorf("article %v, body lacks %q:\n%s", p.Article, tt.has, p.Body)
			}
			for _, s := range banned {
				if strings.Contains(p.Body, s) {
					t.Errorf("body has %q:\n%s", s, p.Body)
				}
			}
			if p.Title != "Nokia and Ericsson split the Open RAN contract" || p.Author != "Kari Virtanen" {
				t.Errorf("title %q, author %q", p.Title, p.Author)
			}
			if !slices.Contains(p.Links, "https://news.example.org/news/huawei-wins-german-core-deal") {
				t.Errorf("links from the aside are lost: %q", p.Links)
			}
		})
	}
}

func TestCleanTitle(t *testing.T) {
	tests := []struct {
		title            string
		siteNames, heads []string
		want             string
	}{
		{"Open RAN trial | Example News", []string{"Example News"}, nil, "Open RAN trial"},
		{"Open RAN trial - example news", []string{"Example News"}, nil, "Open RAN trial"},
		{"Example News » Open RAN trial", []string{"Example News"}, nil, "Open RAN trial"},
		{"Open RAN trial — Example News", nil, []string{"Open RAN trial"}, "Open RAN trial"},
		{"Example News :: Open RAN trial", nil, []string{"Open RAN trial"}, "Open RAN trial"},
		{"Nokia - Ericsson deal: what it means", nil, nil, "Nokia - Ericsson deal: what it means"},
		{"Nokia - Ericsson deal", []string{"Mobile Europe"}, []string{"Other heading"}, "Nokia - Ericsson deal"},
		{"Example News", []string{"Example News"}, []string{"Example News"}, "Example News"},
		{"| Example News", []string{"Example News"}, nil, "| Example News"},
	}
	for _, tt := range tests {
		t.Run(tt.title, func(t *testing.T) {
			if got := cleanTitle(tt.title, tt.siteNames, tt.heads); got != tt.want {
				t.Errorf("cleanTitle = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestExtractListing: listings (teasers or link lists holding most of the
// text) keep only their own text; pages that merely have a few links in
// lists, or a linked headline, are not listings and keep all their text.
func TestExtractListing(t *testing.T) {
	prose := strings.Repeat("<p>Operators are trialling Open RAN radios, and the results so far show energy use on par "+
		"with the single-vendor network, which was the condition for going further, said the engineers involved.</p>\n", 6)
	tests := []struct {
		name           string
		page           string
		listing        bool
		has, hasNot    []string
		wantArticleish bool // the body keeps the prose
	}{
		{
			name: "teaser sections under an intro",
			page: `<title>News</title><main><h1>Newsroom</h1><p>Our own news.</p>` +
				strings.Repeat(`<section><h2><a href="/n">Nokia and Ericsson sign a deal</a></h2><p>Summary naming Huawei.</p></section>`, 3) +
				`</main>`,
			listing: true, has: []string{"Newsroom", "Our own news."}, hasNot: []string{"Nokia", "Huawei"},
		},
		{
			name: "a bare link list",
			page: `<title>Archive</title><body><h1>Archive</h1><ul>` +
				strings.Repeat(`<li><a href="/x">Ericsson results for the quarter</a> 12 May</li>`, 4) + `</ul></body>`,
			listing: true, has: []string{"Archive"}, hasNot: []string{"Ericsson", "12 May"},
		},
		{
			name: "an article with previous and next links",
			page: `<title>Trial</title><article><h1>Trial results</h1>` + prose +
				`<p><a href="/prev">Previous: Nokia opens a lab</a></p><p><a href="/next">Next: ZTE results</a></p></article>`,
			wantArticleish: true,
		},
		{
			name: "an article with a permalink headline and further reading",
			page: `<title>Trial</title><main><h1><a href="/trial">Trial results</a></h1>` + prose +
				`<h2>Further reading</h2><ul><li><a href="/a">Huawei wins a deal</a></li><li><a href="/b">ZTE results</a></li>` +
				`<li><a href="/c">Samsung vRAN</a></li></ul></main>`,
			wantArticleish: true,
		},
		{
			// A newsroom front page: a lead story card and a grid of
			// cards, each an <article>; its Open Graph type is website.
			name: "newsroom front page of <article> cards",
			page: `<head><title>Telecom Daily</title><meta property="og:type" content="website"></head><body>` +
				`<header><a href="/">Telecom Daily</a></header><main><h1 class="sr-only">Top stories</h1>` +
				`<article class="lead"><h2><a href="/a1">Nokia wins a core network deal</a></h2><p>The Finnish vendor will ` +
				`replace the core of a European operator over three years, the companies said.</p></article>` +
				strings.Repeat(`<article class="card"><h3><a href="/a2">Huawei results</a></h3><p>Revenue rose.</p>`+
					`<time datetime="2024-03-05">5 March</time></article>`, 8) + `</main></body>`,
			listing: true, hasNot: []string{"Nokia", "Huawei"},
		},
		{
			// Front pages often carry JSON-LD listing their stories: an
			// ItemList of NewsArticles is not the page being an article.
			name: "front page whose JSON-LD lists NewsArticles",
			page: `<head><title>Wire</title><script type="application/ld+json">{"@context":"https://schema.org",` +
				`"@type":"ItemList","itemListElement":[{"@type":"NewsArticle","headline":"Nokia"},` +
				`{"@type":"NewsArticle","headline":"Ericsson"}]}</script></head><body><main>` +
				strings.Repeat(`<article><h2><a href="/x">Ericsson and Nokia split a contract</a></h2><p>Short summary.</p></article>`, 5) +
				`</main></body>`,
			listing: true, hasNot: []string{"Ericsson"},
		},
		{
			// A story page with a rail of related-story cards, each an
			// <article>: its metadata says article, and so does its text.
			name: "story with related-story <article> cards, og:type article",
			page: `<head><title>Trial</title><meta property="og:type" content="article"></head><body>` +
				`<div class="l-sidebar-fixed l-article-body"><h1>Trial results</h1>` + prose + `</div>` +
				`<div class="rail">` + strings.Repeat(`<article><h3><a href="/r">Samsung vRAN deal</a></h3><p>Related.</p></article>`, 4) +
				`</div></body>`,
			wantArticleish: true,
		},
		{
			// Without metadata, the <article> holding the story among
			// teaser <article>s is found by its text.
			name: "story <article> among teaser <article>s, no metadata",
			page: `<title>Trial</title><body><article class="story"><h1>Trial results</h1>` + prose + `</article>` +
				strings.Repeat(`<article><h3><a href="/r">Samsung vRAN deal</a></h3><p>Related.</p></article>`, 4) + `</body>`,
			wantArticleish: true,
		},
		{
			// An empty <article> (a comment placeholder filled by script)
			// is not the page's root: the story is elsewhere.
			name: "empty <article> placeholder beside the story",
			page: `<title>Trial</title><body><div id="story"><h1>Trial results</h1>` + prose + `</div>` +
				`<article id="comments-placeholder"></article></body>`,
			wantArticleish: true,
		},
		{
			// The article column's class holds the junk words "ad" and
			// "sidebar" as parts of other words.
			name: "article in columns named non-ad-column and content-with-sidebar",
			page: `<title>Trial</title><body><div class="non-ad-column-l"><div class="content-with-sidebar-wrp">` +
				`<h1>Trial results</h1>` + prose + `</div></div><div class="ad">ADVERT</div></body>`,
			wantArticleish: true, hasNot: []string{"ADVERT"},
		},
		{
			name: "a short page of annotated links",
			page: `<title>Specs</title><main><h1>Specifications</h1><ul>` +
				strings.Repeat(`<li><a href="/ts">TS 38.300</a>: the overall description of NR and NG-RAN, stage 2, `+
					`with the architecture, the protocols and the procedures that tie them together.</li>`, 3) + `</ul></main>`,
			has: []string{"TS 38.300", "overall description"},
		},
	}
	base, _ := url.Parse(extractURL)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Extract([]byte(tt.page), "text/html", base)
			if p.Listing != tt.listing || (p.Listing && p.Article) {
				t.Errorf("Listing %v, Article %v; want Listing %v", p.Listing, p.Article, tt.listing)
			}
			if tt.wantArticleish {
				tt.has = append(tt.has, "Operators are trialling Open RAN radios")
			}
			for _, s := range tt.has {
				if !strings.Contains(p.Body, s) {
					t.Errorf("body lacks %q:\n%s", s, p.Body)
				}
			}
			for _, s := range tt.hasNot {
				if strings.Contains(p.Body, s) {
					t.Errorf("body has %q:\n%s", s, p.Body)
				}
			}
		})
	}
}
