package feeds

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/techintel/techintel/index"
)

// FuzzParse feeds arbitrary bytes through Parse and Documents: neither may
// panic, and every document must satisfy checkDocuments.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, ".golden.json") {
			continue
		}
		if fi, err := os.Stat(name); err != nil || !fi.Mode().IsRegular() {
			continue // testdata/fuzz
		}
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "")
	}
	f.Add(readTestdata(f, "rss-cp1251-header.xml"), "application/rss+xml; charset=windows-1251")
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom" xml:base="a/"><entry xml:base="b"><link href="c"/><id>d</id></entry></feed>`), "")
	f.Add([]byte("<?xml version=\"1.0\" encoding=\"koi8-r\"?><rss><channel><item><title>\xf0\xd2</title><link>x</link></item></channel></rss>"), "text/xml; charset=koi8-r")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		feed, err := Parse(body, "https://fuzz.example/feeds/main.xml", contentType)
		if err != nil {
			return
		}
		docs, keys, skipped := feed.DocumentsWithKeys("fuzz", fetchedAt)
		if len(docs)+skipped > len(feed.Items) {
			t.Errorf("%d documents and %d skipped from %d items", len(docs), skipped, len(feed.Items))
		}
		checkDocuments(t, docs, fetchedAt)
		checkKeys(t, docs, keys)
	})
}

// FuzzParseOPML feeds arbitrary bytes through ParseOPML: it may not panic,
// and what it reads must survive WriteOPML and a second ParseOPML.
func FuzzParseOPML(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "opml", "*.opml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`<opml><body><outline text="a"><outline text="b" xmlUrl="u"><outline text="c" type="rss" url="v"/></outline></outline></body></opml>`))
	f.Add([]byte(`<opml><head><outline xmlUrl="h"/></head><body><outline title="&#9;t" xmlUrl="&amp;&lt;"/></body></opml>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		outlines, err := ParseOPML(bytes.NewReader(b))
		if err != nil {
			return
		}
		if len(outlines) > MaxOutlines {
			t.Fatalf("%d outlines", len(outlines))
		}
		for i, o := range outlines {
			if o.XMLURL == "" || o.XMLURL != strings.TrimSpace(o.XMLURL) || o.Title != strings.TrimSpace(o.Title) {
				t.Errorf("outline %d = %q", i, o)
			}
		}
		checkRoundTrip(t, outlines)
	})
}

// FuzzDiscover feeds arbitrary pages through Discover: it may not panic, and
// every link must be a canonical http(s) URL, once.
func FuzzDiscover(f *testing.F) {
	f.Add(readTestdata(f, "html-page.html"), "text/html")
	f.Add([]byte(`<base href="../x/"><link rel="alternate feed" type="application/atom+xml" href="a?utm_source=1#f" title=" t ">`), "")
	f.Add([]byte("<meta charset=\"koi8-r\"><link rel=feed href=/f title=\"\xf0\xd2\">"), "text/html; charset=koi8-r")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		links, err := Discover(body, "https://fuzz.example/dir/page.html", contentType)
		if err != nil {
			t.Fatal(err) // only a bad page URL is an error
		}
		if len(links) > maxLinks {
			t.Errorf("%d links", len(links))
		}
		seen := map[string]bool{}
		for _, l := range links {
			if c, err := index.CanonicalURL(l.URL); err != nil || c != l.URL || seen[l.URL] {
				t.Errorf("link %q: not canonical (%q, %v) or repeated", l.URL, c, err)
			}
			seen[l.URL] = true
			if !utf8.ValidString(l.Title) || strings.ContainsAny(l.Title, "\n\t") {
				t.Errorf("title %q", l.Title)
			}
		}
	})
}
