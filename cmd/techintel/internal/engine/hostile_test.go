package engine

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/techintel/techintel/index"
)

const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
 <!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>Laughs &lol9; &xxe;</title><link>https://laughs.example/1</link><description>&lol9;&xxe;</description></item>
</channel></rss>`

// gzipBomb is 64 MiB of zeros, about 64 KiB compressed.
func gzipBomb(tb testing.TB) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for range 64 {
		zw.Write(zeros)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// TestHostileServersFailOnlyTheirSource runs a good feed beside a
// slow-loris feed and site (bytes trickled until the per-request timeout),
// a gzip bomb feed and site, and a billion-laughs feed with an external
// entity: each bad one ends as its source's last_error with a clear
// message, or (the entities) is read without expansion, while the good
// source is indexed.
func TestHostileServersFailOnlyTheirSource(t *testing.T) {
	t.Parallel() // mostly waits for servers and child processes
	bomb := gzipBomb(t)
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			http.NotFound(w, r)
		case "/good":
			w.Header().Set("Content-Type", "application/rss+xml")
			io.WriteString(w, rssOneItem)
		case "/slow-feed", "/slow-site/":
			w.Header().Set("Content-Type", "application/rss+xml")
			if r.URL.Path == "/slow-site/" {
				w.Header().Set("Content-Type", "text/html")
			}
			w.WriteHeader(200)
			for {
				if _, err := io.WriteString(w, " "); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
				}
			}
		case "/bomb-feed", "/bomb-site/":
			w.Header().Set("Content-Type", "application/rss+xml")
			if r.URL.Path == "/bomb-site/" {
				w.Header().Set("Content-Type", "text/html")
			}
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(bomb)
		case "/laughs":
			w.Header().Set("Content-Type", "application/rss+xml")
			io.WriteString(w, billionLaughs)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	defer close(stop)
	// The slow servers never finish, so any timeout is reached; 3 s leaves
	// the good source room on a busy machine.
	g := newTestGatherer(t, func(cfg *Settings) {
		cfg.HTTP.AllowPrivateNetworks = true
		cfg.HTTP.Timeout = 3 * time.Second
		cfg.HTTP.MaxBodyBytes = 1 << 20
		cfg.Watch = nokia()
		cfg.Sources = []Source{
			feedSource("good", srv.URL+"/good"),
			feedSource("slow-feed", srv.URL+"/slow-feed"),
			siteSource("slow-site", srv.URL+"/slow-site/", 0),
			feedSource("bomb-feed", srv.URL+"/bomb-feed"),
			siteSource("bomb-site", srv.URL+"/bomb-site/", 0),
			feedSource("laughs", srv.URL+"/laughs"),
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for _, s := range g.Settings().Sources {
		wg.Go(func() { g.RunSource(ctx, s.Name) })
	}
	wg.Wait()

	want := map[string]string{
		"slow-feed": "the answer did not arrive in full within 3s",
		"slow-site": "3s",
		"bomb-feed": "over the limit of 1048576 bytes",
		"bomb-site": "1048576",
	}
	for name, msg := range want {
		st, err := g.Store().Source(name)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(st.LastError, msg) {
			t.Errorf("%s: last_error %q, want it to say %q", name, st.LastError, msg)
		}
	}
	st, _ := g.Store().Source("good")
	if st.LastError != "" || st.LastSuccess.IsZero() {
		t.Errorf("good source: %+v", st)
	}
	// The entities are never expanded: either the feed fails to parse or
	// its text stays small and holds no file contents.
	st, _ = g.Store().Source("laughs")
	counts, err := g.Index().CountBySource(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts["good"] != 1 {
		t.Errorf("good source indexed %d documents", counts["good"])
	}
	t.Logf("billion laughs: last_error %q, %d documents", st.LastError, counts["laughs"])
	if counts["laughs"] > 0 {
		res, err := g.Index().Search(ctx, index.Query{Sources: []string{"laughs"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range res.Hits {
			d, err := g.Index().Get(ctx, h.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Body)+len(d.Title) > 1000 || strings.Contains(d.Body+d.Title, "root:") {
				t.Errorf("entities expanded: title %d bytes, body %d bytes", len(d.Title), len(d.Body))
			}
		}
	} else if st.LastError == "" {
		t.Error("billion laughs: nothing indexed and no error")
	}
}

// TestHostileMarkupNeverReachesPlainTextFields gathers a feed and a site
// full of script, event handlers and javascript: links through the real
// feed reader and crawler, and reads every document back through the
// JSON API: title, body and evidence excerpts hold no markup and none of
// the scripts' text; snippets hold only <mark>.
func TestHostileMarkupNeverReachesPlainTextFields(t *testing.T) {
	const evil = `<script>alert(1)</script><img src=x onerror="alert(2)"><svg onload=alert(3)></svg>` +
		`<iframe src="javascript:alert(4)"></iframe><a href="javascript:alert(5)" onclick="alert(6)">Nokia link</a>` +
		`<style>*{background:url("javascript:alert(7)")}</style><object data="x.swf"></object><!-- <script>alert(8)</script> -->`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			http.NotFound(w, r)
		case "/feed":
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>t</title>
<item><title><![CDATA[Nokia <b onmouseover="alert(9)">radios</b> `+evil+`]]></title><link>https://news.example/a</link>
<description><![CDATA[<p>Nokia ships radios.</p>`+evil+`]]></description>
<content:encoded><![CDATA[<p>Nokia ships radios to many operators.</p>`+evil+`]]></content:encoded></item>
<item><title>Nokia &lt;script&gt;alert(10)&lt;/script&gt; escaped</title><link>https://news.example/b</link><description>x</description></item>
</channel></rss>`)
		case "/site/":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<html><head><title>Nokia radios `+evil+`</title><meta http-equiv="refresh" content="0;url=javascript:alert(12)"></head>
<body onload="alert(13)"><article><h1>Nokia radios <span onclick="alert(14)">now</span></h1>
<p>Nokia ships radios to many operators across Europe this week, the company said.</p>`+evil+`
<p>More text about Nokia radios and the networks that use them, long enough to be an article.</p></article></body></html>`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	g := newTestGatherer(t, func(cfg *Settings) {
		cfg.HTTP.AllowPrivateNetworks = true
		cfg.Watch = nokia()
		cfg.Sources = []Source{feedSource("feed", srv.URL+"/feed"), siteSource("site", srv.URL+"/site/", 0)}
	})
	ctx := context.Background()
	for _, s := range []string{"feed", "site"} {
		if res, err := g.RunSource(ctx, s); err != nil || res.New == 0 {
			t.Fatalf("%s: %+v, %v", s, res, err)
		}
	}
	api := httptest.NewServer(apiHandler(g))
	defer api.Close()

	var sr struct {
		Hits []struct {
			ID, Title, Snippet string
		}
	}
	getJSONOK(t, api.URL+"/api/v1/search?q=nokia+radios&limit=100", &sr)
	if len(sr.Hits) < 2 {
		t.Fatalf("%d hits", len(sr.Hits))
	}
	for _, h := range sr.Hits {
		var d struct {
			Title, Body, Snippet string
			Evidence             []struct{ Excerpt string }
		}
		getJSONOK(t, api.URL+"/api/v1/documents/"+h.ID, &d)
		fields := map[string]string{"title": d.Title, "body": d.Body}
		for i, e := range d.Evidence {
			fields[fmt.Sprint("evidence[", i, "].excerpt")] = e.Excerpt
		}
		for name, v := range fields {
			if markup(v) {
				t.Errorf("document %s: %s carries markup: %q", h.ID, name, v)
			}
			for _, bad := range []string{"alert(", "javascript:", "onerror", "onload"} {
				if strings.Contains(v, bad) {
					t.Errorf("document %s: %s carries %q: %q", h.ID, name, bad, v)
				}
			}
		}
		if strings.Contains(strings.NewReplacer("<mark>", "", "</mark>", "").Replace(h.Snippet), "<") {
			t.Errorf("snippet has markup other than <mark>: %q", h.Snippet)
		}
	}
}

// markup reports whether s parses to anything but text.
func markup(s string) bool {
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return false
		case html.TextToken:
		default:
			return true
		}
	}
}

func getJSONOK(tb testing.TB, url string, v any) {
	tb.Helper()
	if code := getJSON(tb, url, v); code != 200 {
		tb.Fatalf("GET %s: status %d", url, code)
	}
}
