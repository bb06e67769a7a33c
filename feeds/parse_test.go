package feeds

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/techintel/techintel/index"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden.json files")

// fetchedAt is the fetch time every golden file is made with.
var fetchedAt = time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)

func readTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// checkGolden compares docs, as indented JSON, with testdata/name, or
// rewrites the file under -update.
func checkGolden(tb testing.TB, name string, docs []index.Document) {
	tb.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep "&" and "<" readable when reviewing
	enc.SetIndent("", "  ")
	if err := enc.Encode(docs); err != nil {
		tb.Fatal(err)
	}
	got := buf.Bytes()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("documents differ from %s (run go test -update and review the diff)\ngot:\n%s", path, got)
	}
}

func TestParseGolden(t *testing.T) {
	tests := []struct {
		file, feedURL, contentType string
		wantType, wantTitle        string
		wantSite                   string
		wantItems, wantSkipped     int
	}{
		{"rss2.xml", "https://news.example.com/feed.xml", "application/rss+xml",
			"rss", "Example Telecom News & Views", "https://news.example.com/", 7, 0},
		{"rss1-rdf.xml", "https://rdf.example.org/index.rdf", "application/rdf+xml",
			"rss", "RDF Site Summary Example", "https://rdf.example.org/", 2, 0},
		{"atom.xml", "https://blog.example.org/feed", "application/atom+xml",
			"atom", "Example Standards Blog", "https://blog.example.org/blog/", 4, 0},
		{"jsonfeed.json", "https://json.example.com/feed.json", "application/feed+json",
			"json", "Example JSON Feed", "https://json.example.com/", 6, 0},
		{"rss-windows1252.xml", "https://cp1252.example.com/feed", "text/xml",
			"rss", "“Smart” feed – café", "https://cp1252.example.com/", 1, 0},
		{"rss-iso8859-1.xml", "https://latin1.example.de/feed", "application/xml",
			"rss", "Grüße aus München", "https://latin1.example.de/", 1, 0},
		{"rss-undeclared-cp1252.xml", "https://undeclared.example.com/feed", "",
			"rss", "Undeclared “cp1252” feed", "https://undeclared.example.com/", 1, 0},
		{"rss-utf8-declared-cp1252.xml", "https://mixed.example.com/feed", "text/xml; charset=utf-8",
			"rss", "Mixed bytes feed", "https://mixed.example.com/", 1, 0},
		{"rss-utf8-claims-1252.xml", "https://liar.example.com/feed", "text/xml; charset=windows-1252",
			"rss", "UTF-8 body, windows-1252 label", "https://liar.example.com/", 1, 0},
		{"rss-cp1251-header.xml", "https://cyrillic.example.ru/feed", "application/rss+xml; charset=windows-1251",
			"rss", "Новости связи", "https://cyrillic.example.ru/", 1, 0},
		{"rss-utf16.xml", "https://utf16.example.com/feed", "text/xml",
			"rss", "UTF-16 feed ✓", "https://utf16.example.com/", 1, 0},
		{"rss-script.xml", "https://hostile.example.com/feed", "application/rss+xml",
			"rss", "Hostile feed", "https://hostile.example.com/", 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := Parse(readTestdata(t, tt.file), tt.feedURL, tt.contentType)
			if err != nil {
				t.Fatal(err)
			}
			if f.Type != tt.wantType || f.Title != tt.wantTitle || f.SiteURL != tt.wantSite {
				t.Errorf("feed = %q %q %q, want %q %q %q", f.Type, f.Title, f.SiteURL, tt.wantType, tt.wantTitle, tt.wantSite)
			}
			if len(f.Items) != tt.wantItems {
				t.Errorf("%d items, want %d", len(f.Items), tt.wantItems)
			}
			docs, skipped := f.Documents("test-source", fetchedAt)
			if skipped != tt.wantSkipped {
				t.Errorf("skipped %d, want %d", skipped, tt.wantSkipped)
			}
			checkDocuments(t, docs, fetchedAt)
			checkGolden(t, strings.TrimSuffix(tt.file, filepath.Ext(tt.file))+".golden.json", docs)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, body, contentType string
		wantNotFeed             bool
		want                    string
	}{
		{"empty file", string(readTestdata(t, "empty.xml")), "", true, `feeds: parse "https://x.example/feed": not a feed: the body is empty`},
		{"only whitespace", " \r\n\t ", "text/xml", true, "not a feed: the body is empty"},
		{"only a BOM", "\xef\xbb\xbf\n", "text/xml", true, "not a feed: the body is empty"},
		{"html page", string(readTestdata(t, "html-page.html")), "text/html; charset=utf-8", true,
			`feeds: parse "https://x.example/feed": not a feed: the server sent an HTML page (text/html); ` +
				"is this the site's home page? try `techintel sources discover https://x.example/feed`"},
		{"xhtml page", `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>`, "", true, "not a feed: the server sent an HTML page; is this"},
		{"html after a comment", "<!-- hi -->\n<HTML><body>x</body></HTML>", "", true, "the server sent an HTML page;"},
		{"html without a doctype, by content type", "<div>hello</div>", "text/html", true, "the server sent an HTML page (text/html)"},
		{"sitemap", `<urlset><url><loc>https://x/</loc></url></urlset>`, "text/xml", true, "not a feed: an XML sitemap (root element <urlset>)"},
		{"other xml", `<svg><g/></svg>`, "image/svg+xml", true, "not a feed: an XML document with root element <svg>"},
		{"plain text", "hello world", "text/plain", true, `not a feed: the server sent text/plain that is neither XML nor JSON, starting "hello world"`},
		{"long text is quoted short", "Access denied. " + strings.Repeat("é", 100), "", true, `not a feed: the server sent a body that is neither XML nor JSON, starting "Access denied. éééééééééééé"`},
		{"json that is no feed", `{"id": 2, "title": {"rendered": "About"}}`, "application/json", true, "not a feed: a JSON document without the version or items of a JSON Feed"},
		{"json array", `[{"id": 2}]`, "application/json", true, "not a feed: the server sent application/json that is a JSON array"},
		{"malformed xml", string(readTestdata(t, "malformed.xml")), "text/xml", false, "malformed feed: "},
		{"malformed json", `{"version": "https://jsonfeed.org/version/1.1", "items": [`, "", false, "malformed JSON feed"},
		{"deep xml", `<rss><channel>` + strings.Repeat("<x:a xmlns:x='urn:x'>", 200), "", false, "nested deeper than 100"},
		{"deep json", `{"items":[` + strings.Repeat(`{"a":[`, 200), "", false, "nested deeper than 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse([]byte(tt.body), "https://x.example/feed", tt.contentType)
			if err == nil {
				t.Fatalf("got a feed with %d items, want an error", len(f.Items))
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "feeds: parse ") {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
			if errors.Is(err, ErrNotFeed) != tt.wantNotFeed {
				t.Errorf("errors.Is(%q, ErrNotFeed) = %v, want %v", err, !tt.wantNotFeed, tt.wantNotFeed)
			}
		})
	}
}

// TestAtomXMLBase checks link resolution against gofeed's own: it appends a
// slash to an xml:base path, so a base naming a file resolves wrongly.
func TestAtomXMLBase(t *testing.T) {
	const feedURL = "https://example.org/feeds/main.atom"
	tests := []struct {
		name, feed string
		want       []string
	}{
		{"file base", `<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://example.org/blog/index.atom">
			<entry><link href="a.html"/></entry></feed>`,
			[]string{"https://example.org/blog/a.html"}},
		{"directory base", `<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://example.org/blog/">
			<entry><link href="a.html"/></entry></feed>`,
			[]string{"https://example.org/blog/a.html"}},
		{"relative base against the feed URL", `<feed xmlns="http://www.w3.org/2005/Atom" xml:base="../posts/">
			<entry><link href="a.html"/></entry></feed>`,
			[]string{"https://example.org/posts/a.html"}},
		{"nested bases", `<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://example.org/x/">
			<entry xml:base="y/"><link href="z"/></entry><entry xml:base="/abs/"><link href="z"/></entry></feed>`,
			[]string{"https://example.org/x/y/z", "https://example.org/abs/z"}},
		{"no base: the feed's link", `<feed xmlns="http://www.w3.org/2005/Atom"><link href="https://site.example/blog/"/>
			<entry><link href="p/1"/></entry></feed>`,
			[]string{"https://site.example/blog/p/1"}},
		{"no base, no site link: the feed URL", `<feed xmlns="http://www.w3.org/2005/Atom">
			<entry><link rel="alternate" href="p/1"/></entry></feed>`,
			[]string{"https://example.org/feeds/p/1"}},
		{"first alternate link wins", `<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://e.org/">
			<entry><link rel="replies" href="c"/><link href="a"/><link rel="alternate" href="b"/></entry></feed>`,
			[]string{"https://e.org/a"}},
		{"base on an element after the entry does not leak", `<feed xmlns="http://www.w3.org/2005/Atom">
			<entry><link xml:base="https://other.example/d/" href="x"/></entry><entry><link href="y"/></entry></feed>`,
			[]string{"https://other.example/d/x", "https://example.org/feeds/y"}},
		{"rss with xml:base", `<rss version="2.0" xml:base="https://e.org/news/feed.xml"><channel>
			<item><link>a</link></item><item><link>https://abs.example/b</link></item></channel></rss>`,
			[]string{"https://e.org/news/a", "https://abs.example/b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse([]byte(tt.feed), feedURL, "")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range f.Items {
				got = append(got, it.URL)
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("URLs %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseDates(t *testing.T) {
	tests := []struct {
		name, date string
		want       time.Time
	}{
		{"rfc 1123 with zone", "Tue, 05 Mar 2024 09:30:00 +0100", time.Date(2024, 3, 5, 8, 30, 0, 0, time.UTC)},
		{"none", "", time.Time{}},
		{"unparseable", "last Tuesday", time.Time{}},
		{"year 2999", "Tue, 01 Jan 2999 00:00:00 GMT", time.Time{}},
		{"epoch", "Thu, 01 Jan 1970 00:00:00 GMT", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			feed := `<rss version="2.0"><channel><item><link>https://e.org/1</link><pubDate>` + tt.date + `</pubDate></item></channel></rss>`
			f, err := Parse([]byte(feed), "https://e.org/feed", "")
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Items[0].Published; !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("Published = %v, want %v in UTC", got, tt.want)
			}
		})
	}
}

// TestParseItems checks single items against what gofeed alone gets wrong.
func TestParseItems(t *testing.T) {
	const atomNS = `<feed xmlns="http://www.w3.org/2005/Atom">`
	tests := []struct {
		name, body          string
		wantURL, wantGUID   string
		wantTitle, wantBody string // as Documents makes them
		wantDocs            int
	}{
		{"atom text title keeps angle brackets", atomNS + `<entry><title>Why &lt;script&gt; blocks</title><link href="https://e.org/1"/></entry></feed>`,
			"https://e.org/1", "", "Why <script> blocks", "", 1},
		{"atom html title is markup", atomNS + `<entry><title type="html">&lt;b&gt;Bold&lt;/b&gt; &amp;amp; more</title><link href="https://e.org/1"/></entry></feed>`,
			"https://e.org/1", "", "Bold & more", "", 1},
		{"atom text content", atomNS + `<entry><title>t</title><link href="https://e.org/1"/><content type="text/plain">1 &lt; 2 &amp;&amp; 3 &gt; 2</content></entry></feed>`,
			"https://e.org/1", "", "t", "1 < 2 && 3 > 2", 1},
		{"atom binary content falls back to the summary", atomNS + `<entry><title>t</title><link href="https://e.org/1"/><summary>S</summary><content type="image/png">aGVsbG8=</content></entry></feed>`,
			"https://e.org/1", "", "t", "S", 1},
		{"atom id that is no URL is not made one by xml:base", `<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://e.org/"><entry><title>t</title><id>oran</id></entry></feed>`,
			"", "oran", "t", "", 1}, // kept, anchored on the feed's page
		{"rss title is markup", `<rss><channel><item><title>&lt;em&gt;Hi&lt;/em&gt; &amp;amp; bye</title><link>https://e.org/1</link></item></channel></rss>`,
			"https://e.org/1", "", "Hi & bye", "", 1},
		{"json plain text fields", `{"version":"https://jsonfeed.org/version/1","items":[{"id":"1","url":"https://e.org/1","title":"a <b> c","content_text":"x < y"}]}`,
			"https://e.org/1", "1", "a <b> c", "x < y", 1},
		{"json nulls", `{"version":"https://jsonfeed.org/version/1.1","authors":[null],"items":[null,{"id":"2","url":"https://e.org/2","authors":[null,{"name":"A"}]},null]}`,
			"https://e.org/2", "2", "", "", 1},
		{"root after gofeed's 4 KB peek", "<!-- " + strings.Repeat("license text ", 500) + "-->\n<rss><channel><item><title>late</title><link>https://e.org/late</link></item></channel></rss>",
			"https://e.org/late", "", "late", "", 1},
		{"trailing garbage after the root", `<rss><channel><item><link>https://e.org/1</link></item></channel></rss><html>oops`,
			"https://e.org/1", "", "", "", 1},
		{"control characters", "<rss><channel><item><title>a\x01b\x0bc</title><link>https://e.org/1</link></item></channel></rss>",
			"https://e.org/1", "", "abc", "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse([]byte(tt.body), "https://e.org/feed", "")
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Items) != 1 {
				t.Fatalf("%d items, want 1", len(f.Items))
			}
			if it := f.Items[0]; it.URL != tt.wantURL || (tt.wantGUID != "" && it.GUID != tt.wantGUID) {
				t.Errorf("URL %q GUID %q, want %q %q", it.URL, it.GUID, tt.wantURL, tt.wantGUID)
			}
			docs, _ := f.Documents("s", fetchedAt)
			if len(docs) != tt.wantDocs {
				t.Fatalf("%d documents, want %d", len(docs), tt.wantDocs)
			}
			if len(docs) == 1 && (tt.wantTitle != "" && docs[0].Title != tt.wantTitle || tt.wantBody != "" && docs[0].Body != tt.wantBody) {
				t.Errorf("title %q body %q, want %q %q", docs[0].Title, docs[0].Body, tt.wantTitle, tt.wantBody)
			}
		})
	}
}

// TestHostileContent checks that nothing executable survives into documents.
func TestHostileContent(t *testing.T) {
	f, err := Parse(readTestdata(t, "rss-script.xml"), "https://hostile.example.com/feed", "")
	if err != nil {
		t.Fatal(err)
	}
	docs, _ := f.Documents("s", fetchedAt)
	for _, d := range docs {
		for _, bad := range []string{"alert", "steal", "hidden", "display:none", "javascript", "onerror", "evil", "<b", "<p"} {
			if strings.Contains(d.Title+"\n"+d.Body+"\n"+d.URL, bad) {
				t.Errorf("document %q holds %q: %q / %q", d.URL, bad, d.Title, d.Body)
			}
		}
	}
}
