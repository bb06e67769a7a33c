package crawler

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/techintel/techintel/index"
)

// goldenSitemap is a parseSitemap result as the golden files hold it.
type goldenSitemap struct {
	Pages     []string `json:"pages"`
	Sitemaps  []string `json:"sitemaps"`
	Truncated bool     `json:"truncated"`
	Error     string   `json:"error,omitempty"`
}

// TestParseSitemapGolden parses every testdata/sitemap/NAME file and
// compares the result with NAME.golden.json (-update rewrites them).
func TestParseSitemapGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/sitemap/*")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".golden.json") {
			continue
		}
		n++
		t.Run(filepath.Base(f), func(t *testing.T) {
			body, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			sm, err := parseSitemap(body, false, 1<<20)
			g := goldenSitemap{Pages: sm.Pages, Sitemaps: sm.Sitemaps, Truncated: sm.Truncated}
			if err != nil {
				g.Error = err.Error()
			}
			got, _ := json.MarshalIndent(g, "", "  ")
			got = append(got, '\n')
			goldenFile := f + ".golden.json"
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
				t.Errorf("parseSitemap(%s) differs from %s:\ngot:\n%s\nwant:\n%s", f, goldenFile, got, want)
			}
		})
	}
	if n == 0 {
		t.Fatal("no sitemaps in testdata/sitemap")
	}
}

func gzipBytes(tb testing.TB, b []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestParseSitemapLimits(t *testing.T) {
	t.Run("gzip bomb", func(t *testing.T) {
		bomb := gzipped(t, 8<<20) // 8 MiB of HTML-ish text in a few KiB
		_, err := parseSitemap(bomb, false, 1<<20)
		if err == nil || !strings.Contains(err.Error(), "decompressed body exceeds max_body_bytes (1048576 bytes)") {
			t.Errorf("err = %v, want the decompressed cap", err)
		}
	})
	t.Run("gzip exactly at the cap", func(t *testing.T) {
		body := urlset("https://example.com/a")
		sm, err := parseSitemap(gzipBytes(t, body), false, int64(len(body)))
		if err != nil || len(sm.Pages) != 1 {
			t.Errorf("got %v, %v; want one page", sm, err)
		}
	})
	t.Run("more entries than the protocol allows", func(t *testing.T) {
		var b strings.Builder
		for i := range maxSitemapEntries + 10 {
			b.WriteString("https://example.com/p?n=" + strconv.Itoa(i) + "\n")
		}
		sm, err := parseSitemap([]byte(b.String()), true, 64<<20)
		if err != nil || !sm.Truncated || len(sm.Pages) != maxSitemapEntries {
			t.Errorf("%d pages, truncated %v, err %v; want %d, true, nil", len(sm.Pages), sm.Truncated, err,
				maxSitemapEntries)
		}
	})
}

// FuzzParseSitemap: parseSitemap must not panic, and every URL it returns
// must be canonical, absolute http(s), listed once and within the limits.
func FuzzParseSitemap(f *testing.F) {
	files, _ := filepath.Glob("testdata/sitemap/*")
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil && !strings.HasSuffix(file, ".golden.json") {
			f.Add(b, false)
		}
	}
	f.Add(urlset("https://example.com/a"), true)
	f.Add(gzipBytes(f, urlset("https://example.com/a")), false)
	f.Add([]byte("<sitemapindex><sitemap><loc>http://x/</loc><loc>http://y/</loc></sitemap>"), false)
	f.Fuzz(func(t *testing.T, body []byte, isUTF8 bool) {
		sm, _ := parseSitemap(body, isUTF8, 64<<10)
		if n := len(sm.Pages) + len(sm.Sitemaps); n > maxSitemapEntries {
			t.Errorf("%d entries, over %d", n, maxSitemapEntries)
		}
		seen := map[string]bool{}
		for _, u := range slices.Concat(sm.Pages, sm.Sitemaps) {
			c, err := index.CanonicalURL(u)
			if err != nil || c != u || len(u) > maxURLLength {
				t.Errorf("%q is not a canonical absolute URL within %d bytes (%v)", u, maxURLLength, err)
			}
			if seen[u] {
				t.Errorf("%q listed twice", u)
			}
			seen[u] = true
		}
	})
}

// urlset returns a sitemap listing locs.
func urlset(locs ...string) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	for _, l := range locs {
		b.WriteString("  <url><loc>" + l + "</loc></url>\n")
	}
	b.WriteString("</urlset>\n")
	return []byte(b.String())
}

// sitemapIndex returns a sitemap index listing locs.
func sitemapIndex(locs ...string) []byte {
	s := strings.ReplaceAll(string(urlset(locs...)), "urlset", "sitemapindex")
	return []byte(strings.ReplaceAll(s, "url>", "sitemap>"))
}

// serveBytes answers with body and contentType.
func serveBytes(contentType string, body func() []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Write(body())
	}
}
