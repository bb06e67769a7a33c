package feeds

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		docs, skipped := feed.Documents("fuzz", fetchedAt)
		if len(docs)+skipped > len(feed.Items) {
			t.Errorf("%d documents and %d skipped from %d items", len(docs), skipped, len(feed.Items))
		}
		checkDocuments(t, docs, fetchedAt)
	})
}
