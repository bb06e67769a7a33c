package crawler

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/net/html/charset"

	"github.com/techintel/techintel/index"
)

// maxSitemapEntries is the most <loc> entries read from one sitemap file:
// the sitemaps.org protocol's own limit for a file.
const maxSitemapEntries = 50_000

// sitemap is what one sitemap file lists.
type sitemap struct {
	Pages    []string // <urlset><url><loc>, or the lines of a text sitemap
	Sitemaps []string // <sitemapindex><sitemap><loc>: more sitemaps to read
	// Truncated says the file listed more than maxSitemapEntries entries:
	// the rest were not read.
	Truncated bool
}

// parseSitemap reads a sitemap file (sitemaps.org protocol 0.9): a
// <urlset> of pages, a <sitemapindex> of more sitemaps, or a plain text
// list of URLs, any of them gzip-compressed. A gzip body is decompressed
// up to maxBytes: more fails the file, so that a small .xml.gz cannot
// expand to gigabytes (the transport's cap has counted only the compressed
// bytes). isUTF8 says the body is already UTF-8 whatever its XML
// declaration says (colly converts a body whose Content-Type names a
// charset); otherwise the declaration is obeyed.
//
// Every URL returned is canonical (index.CanonicalURL), absolute http(s)
// and listed once; entries that are not are dropped, as the protocol wants
// absolute URLs. On malformed XML the entries read before the error are
// returned with it. parseSitemap does no I/O and never panics.
func parseSitemap(body []byte, isUTF8 bool, maxBytes int64) (sitemap, error) {
	if bytes.HasPrefix(body, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return sitemap{}, fmt.Errorf("crawler: sitemap: gzip: %w", err)
		}
		zr.Multistream(false)
		body, err = io.ReadAll(io.LimitReader(zr, maxBytes+1))
		if err != nil {
			return sitemap{}, fmt.Errorf("crawler: sitemap: gzip: %w", err)
		}
		if int64(len(body)) > maxBytes {
			return sitemap{}, fmt.Errorf("crawler: sitemap: decompressed body exceeds max_body_bytes (%d bytes)", maxBytes)
		}
	}
	body = bytes.TrimPrefix(body, []byte("\uFEFF"))
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return sitemap{}, errors.New("crawler: sitemap: empty")
	}
	l := &sitemapList{seen: make(map[string]bool)}
	if trimmed[0] != '<' {
		l.text(trimmed)
		return l.sm, nil
	}
	if err := l.xml(body, isUTF8); err != nil {
		return l.sm, fmt.Errorf("crawler: sitemap: %w", err)
	}
	return l.sm, nil
}

// sitemapList collects a sitemap's entries.
type sitemapList struct {
	sm   sitemap
	seen map[string]bool
}

// add keeps loc if it is an absolute http(s) URL not seen yet; it reports
// false once the file has given all the entries it may.
func (l *sitemapList) add(loc string, isSitemap bool) bool {
	if len(l.sm.Pages)+len(l.sm.Sitemaps) >= maxSitemapEntries {
		l.sm.Truncated = true
		return false
	}
	u, err := index.CanonicalURL(loc)
	if err != nil || len(u) > maxURLLength || l.seen[u] {
		return true
	}
	l.seen[u] = true
	if isSitemap {
		l.sm.Sitemaps = append(l.sm.Sitemaps, u)
	} else {
		l.sm.Pages = append(l.sm.Pages, u)
	}
	return true
}

// text reads a text sitemap: one URL per line.
func (l *sitemapList) text(body []byte) {
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 4096), maxURLLength+2)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !l.add(line, false) {
			return
		}
	}
	// A line too long for the buffer ends the scan: such a line is no URL
	// we would fetch, and what follows it is dropped with it.
}

// xml reads a <urlset> or <sitemapindex>, by local element names so that
// a missing or unusual namespace does not matter.
func (l *sitemapList) xml(body []byte, isUTF8 bool) error {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false // tolerate HTML entities and unclosed tags, as sites write them
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		if isUTF8 {
			return r, nil
		}
		return charset.NewReaderLabel(label, r)
	}
	var (
		stack []string // local names of the open elements
		loc   strings.Builder
		inLoc bool
	)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			stack = append(stack, name)
			if name == "loc" {
				inLoc = true
				loc.Reset()
			}
		case xml.CharData:
			if inLoc && loc.Len() <= maxURLLength {
				loc.Write(t)
			}
		case xml.EndElement:
			if len(stack) == 0 {
				continue
			}
			name := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if name != "loc" || !inLoc {
				continue
			}
			inLoc = false
			parent := ""
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			if (parent == "url" || parent == "sitemap") && !l.add(strings.TrimSpace(loc.String()), parent == "sitemap") {
				return nil
			}
		}
	}
}
