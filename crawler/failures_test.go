package crawler

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// gzipped returns n bytes of HTML-looking text, gzip-compressed: a small
// response that decompresses to far more than max_body_bytes.
func gzipped(tb testing.TB, n int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte("<html><body>"))
	chunk := bytes.Repeat([]byte("<p>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</p>\n"), 1024)
	for w := 0; w < n; w += len(chunk) {
		zw.Write(chunk)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00")

// TestCrawlBadPages checks that a page that fails or is not HTML is
// counted and logged, and that the crawl goes on to the next one.
func TestCrawlBadPages(t *testing.T) {
	const limit = 1 << 20
	bomb := gzipped(t, 20<<20)
	if len(bomb) > limit/4 {
		t.Fatalf("bomb is %d bytes compressed, want it well under the cap", len(bomb))
	}
	serve := func(contentType, contentEncoding string, body []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if contentType == "" {
				w.Header()["Content-Type"] = nil // no sniffing by net/http
			} else {
				w.Header().Set("Content-Type", contentType)
			}
			if contentEncoding != "" {
				w.Header().Set("Content-Encoding", contentEncoding)
			}
			w.Write(body)
		}
	}
	tests := []struct {
		name        string
		path        string // of the bad page; default /bad
		handler     http.HandlerFunc
		transport   http.RoundTripper
		timeout     time.Duration // default 5s
		wantFailed  int
		wantSkipped int
		wantErr     string // in Stats.Errors and the log
		wantDoc     bool   // the bad page gives a document after all
	}{
		{name: "slow page times out", handler: func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}, timeout: 300 * time.Millisecond, wantFailed: 1, wantErr: "crawler: timeout (300ms)"},
		{name: "server error", handler: status(http.StatusInternalServerError), wantFailed: 1, wantErr: "HTTP 500"},
		{name: "not found", handler: status(http.StatusNotFound), wantFailed: 1, wantErr: "HTTP 404"},
		{name: "redirect without Location", handler: status(http.StatusFound), wantFailed: 1, wantErr: "HTTP 302"},
		{name: "body over the cap", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			for range 2 * limit / 4096 {
				w.Write(bytes.Repeat([]byte("a"), 4096))
			}
		}, wantFailed: 1, wantErr: "body exceeds max_body_bytes (1048576 bytes)"},
		{name: "Content-Length over the cap", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Length", strconv.Itoa(2*limit))
			w.Write(make([]byte, 2*limit))
		}, wantFailed: 1, wantErr: "body exceeds max_body_bytes"},
		{name: "gzip bomb, transparently decompressed", handler: func(w http.ResponseWriter, r *http.Request) {
			if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
				http.Error(w, "the test wants Go's transparent gzip", http.StatusTeapot)
				return
			}
			serve("text/html", "gzip", bomb)(w, r)
		}, wantFailed: 1, wantErr: "body exceeds max_body_bytes"},
		{name: "gzip bomb sent unasked", handler: serve("text/html", "gzip", bomb),
			transport: &http.Transport{DisableCompression: true}, wantFailed: 1, wantErr: "body exceeds max_body_bytes"},
		{name: "broken gzip", handler: serve("text/html", "gzip", []byte("not gzip at all")),
			transport: &http.Transport{DisableCompression: true}, wantFailed: 1, wantErr: "gzip body"},
		{name: "unsupported content-encoding", handler: serve("text/html", "br", []byte("\x0b\x02\x80hi\x03")),
			wantFailed: 1, wantErr: `unsupported content-encoding "br"`},
		{name: "PDF", handler: serve("application/pdf", "", []byte("%PDF-1.4")), wantSkipped: 1},
		{name: "image", handler: serve("image/png", "", pngBytes), wantSkipped: 1},
		{name: "gzip file", handler: serve("application/gzip", "", bomb), wantSkipped: 1},
		{name: "unlabelled image, sniffed", handler: serve("", "", pngBytes), wantSkipped: 1},
		{name: "unlabelled HTML, sniffed", handler: serve("", "", []byte("<!DOCTYPE html><title>Bad</title><p>ok")),
			wantDoc: true},
		// A page in another charset is decoded, not failed; bytes that are
		// not valid in the declared one become U+FFFD, then spaces.
		{name: "windows-1252 page", handler: serve("text/html; charset=windows-1252", "",
			[]byte("<title>Caf\xe9</title><p>Men\xfc \x80 5")), wantDoc: true},
		{name: "invalid UTF-8", handler: serve("text/html; charset=utf-8", "",
			[]byte("<title>Bad \xff\xfe bytes</title><p>text")), wantDoc: true},
		// colly itself gunzips a body under a .xml.gz path, after any cap:
		// the transport stops it, so the page is read as the bytes it is.
		{name: "gzip under an .xml.gz path is not expanded", path: "/bad.xml.gz",
			handler: serve("text/html", "", bomb), wantDoc: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := tt.path
			if bad == "" {
				bad = "/bad"
			}
			site := newTestSite(t, "", "", map[string]http.HandlerFunc{
				"/":     htmlPage(`<title>Home</title><a href="` + bad + `">bad</a> <a href="/good">good</a>`),
				bad:     tt.handler,
				"/good": htmlPage("<title>Good</title><p>fine"),
			})
			cfg := testConfig(site.URL() + "/")
			if tt.timeout != 0 {
				cfg.Timeout = tt.timeout
			}
			cfg.MaxBodyBytes = limit
			cfg.Transport = tt.transport
			res := runCrawl(t, t.Context(), cfg)
			if res.err != nil {
				t.Fatalf("Crawl: %v", res.err)
			}
			wantDocs := []string{"/", "/good"}
			if tt.wantDoc {
				wantDocs = append(wantDocs, bad)
				slices.Sort(wantDocs)
			}
			if got := res.paths(site.URL()); !slices.Equal(got, wantDocs) {
				t.Errorf("documents = %q, want %q\n%s", got, wantDocs, res.log)
			}
			if res.stats.Failed != tt.wantFailed || res.stats.Skipped != tt.wantSkipped {
				t.Errorf("stats = %+v, want %d failed, %d skipped", res.stats, tt.wantFailed, tt.wantSkipped)
			}
			if tt.wantErr != "" {
				if len(res.stats.Errors) != 1 || !strings.HasPrefix(res.stats.Errors[0], site.URL()+bad+": ") ||
					!strings.Contains(res.stats.Errors[0], tt.wantErr) {
					t.Errorf("errors = %q, want one \"URL: reason\" with %q", res.stats.Errors, tt.wantErr)
				}
				if !strings.Contains(res.log, `msg="page failed"`) || !strings.Contains(res.log, bad) {
					t.Errorf("failure not logged:\n%s", res.log)
				}
			}
			if tt.wantSkipped > 0 && !strings.Contains(res.log, "reason=\"not HTML") {
				t.Errorf("skip not logged with its reason:\n%s", res.log)
			}
			for u, d := range res.docs {
				if !utf8.ValidString(d.Title) || !utf8.ValidString(d.Body) {
					t.Errorf("%s: invalid UTF-8 in %q / %q", u, d.Title, d.Body)
				}
				if len(d.Body) > limit {
					t.Errorf("%s: body of %d bytes is over the cap", u, len(d.Body))
				}
			}
		})
	}
}

func TestCrawlStatsErrorsCapped(t *testing.T) {
	var links strings.Builder
	handlers := map[string]http.HandlerFunc{}
	for i := range maxStatsErrors + 10 {
		p := "/missing/" + strconv.Itoa(i)
		links.WriteString(`<a href="` + p + `">x</a>`)
	}
	handlers["/"] = htmlPage("<title>Home</title>" + links.String())
	site := newTestSite(t, "", "", handlers)
	res := runCrawl(t, t.Context(), testConfig(site.URL()+"/"))
	if res.err != nil {
		t.Fatal(res.err)
	}
	if res.stats.Failed != maxStatsErrors+10 || len(res.stats.Errors) != maxStatsErrors {
		t.Errorf("failed %d with %d errors, want %d with %d", res.stats.Failed, len(res.stats.Errors),
			maxStatsErrors+10, maxStatsErrors)
	}
}
