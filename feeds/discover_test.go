package feeds

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestDiscover(t *testing.T) {
	const page = "https://www.example.com/blog/post.html"
	head := func(s string) string {
		return "<!DOCTYPE html><html><head>" + s + "</head><body><p>hi</p></body></html>"
	}
	tests := []struct {
		name, body, contentType string
		want                    []Link
	}{
		{"rss, atom, json feed and rdf in page order", head(`
			<link rel="alternate" type="application/atom+xml" title="Atom" href="/atom.xml">
			<link rel="alternate" type="application/rss+xml" title="RSS" href="feed.rss">
			<link rel="alternate" type="application/feed+json" href="https://feeds.example.com/j.json">
			<link rel="alternate" type="application/rdf+xml" href="index.rdf">`), "", []Link{
			{"https://www.example.com/atom.xml", "Atom", "application/atom+xml"},
			{"https://www.example.com/blog/feed.rss", "RSS", "application/rss+xml"},
			{"https://feeds.example.com/j.json", "", "application/feed+json"},
			{"https://www.example.com/blog/index.rdf", "", "application/rdf+xml"},
		}},
		{"application/json comes last", head(`
			<link rel="alternate" type="application/json" href="/wp-json/wp/v2/pages/2">
			<link rel="alternate" type="application/json+oembed" href="/oembed">
			<link rel="alternate" type="application/rss+xml" href="/feed/">`), "", []Link{
			{"https://www.example.com/feed/", "", "application/rss+xml"},
			{"https://www.example.com/wp-json/wp/v2/pages/2", "", "application/json"},
		}},
		{"base href, itself relative", head(`<base href="/other/dir/"><link rel=alternate type=application/rss+xml href=f.xml>`), "", []Link{
			{"https://www.example.com/other/dir/f.xml", "", "application/rss+xml"},
		}},
		{"the first base wins, even after the links", `<html><head><link rel="alternate" type="application/rss+xml" href="a.xml">
			<base href="https://cdn.example.net/x/"><base href="https://ignored.example/"></head></html>`, "", []Link{
			{"https://cdn.example.net/x/a.xml", "", "application/rss+xml"},
		}},
		{"a javascript: base is ignored", head(`<base href="javascript:alert(1)//"><link rel="alternate" type="application/rss+xml" href="f.xml">`), "", []Link{
			{"https://www.example.com/blog/f.xml", "", "application/rss+xml"},
		}},
		{"rel tokens, case and parameters", head(`
			<LINK REL="Alternate Home" TYPE="Application/RSS+XML; charset=utf-8" HREF="/one">
			<link rel="feed" href="/two">
			<link rel="feed" type="text/html" href="/h-feed-page">
			<link rel="alternate" type="text/html" hreflang="fr" href="/fr/">
			<link rel="stylesheet" type="application/rss+xml" href="/not-alternate">
			<link rel="alternate" type="application/atom+xml">`), "", []Link{
			{"https://www.example.com/one", "", "application/rss+xml"},
			{"https://www.example.com/two", "", ""},
		}},
		{"canonical and deduplicated", head(`
			<link rel="alternate" type="application/rss+xml" title="  Main
				feed " href="HTTPS://WWW.Example.com:443/feed?utm_source=x#top">
			<link rel="alternate" type="application/atom+xml" href="/feed">
			<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
			<link rel="alternate" type="application/rss+xml" href="mailto:a@example.com">
			<link rel="alternate" type="application/rss+xml" href="ftp://example.com/feed">`), "", []Link{
			{"https://www.example.com/feed", "Main feed", "application/rss+xml"},
		}},
		{"links in the body count, in comments and scripts not", `<html><body>
			<!-- <link rel="alternate" type="application/rss+xml" href="/commented"> -->
			<script>document.write('<link rel="alternate" type="application/rss+xml" href="/scripted">')</script>
			<link rel="alternate" type="application/rss+xml" href="/in-body"></body></html>`, "", []Link{
			{"https://www.example.com/in-body", "", "application/rss+xml"},
		}},
		{"entities and a legacy charset in the title", "<html><head><meta charset=\"windows-1252\">" +
			`<link rel="alternate" type="application/rss+xml" title="Caf` + "\xe9" + ` &amp; &#8220;news&#8221;" href="/f?a=1&amp;b=2"></head></html>`, "text/html", []Link{
			{"https://www.example.com/f?a=1&b=2", "Café & “news”", "application/rss+xml"},
		}},
		{"no links", head(`<link rel="stylesheet" href="/s.css">`), "", nil},
		{"not html at all", "\x00\x01binary\xff", "", nil},
		{"empty", "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Discover([]byte(tt.body), page, tt.contentType)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestDiscoverLimitsAndErrors(t *testing.T) {
	var b strings.Builder
	for i := range maxLinks + 10 {
		fmt.Fprintf(&b, `<link rel="alternate" type="application/rss+xml" href="/f%d">`, i)
	}
	links, err := Discover([]byte(b.String()), "https://e.org/", "")
	if err != nil || len(links) != maxLinks {
		t.Errorf("%d links, %v; want %d", len(links), err, maxLinks)
	}
	for _, u := range []string{"", "/relative", "ftp://e.org/", "://bad"} {
		if _, err := Discover([]byte(`<link rel="alternate" type="application/rss+xml" href="/f">`), u, ""); err == nil ||
			!strings.HasPrefix(err.Error(), "feeds: discover ") {
			t.Errorf("page URL %q: error %v", u, err)
		}
	}
}

// TestResolve runs Resolve against a small site: a page with feed links, of
// which some are broken.
func TestResolve(t *testing.T) {
	rss := readTestdata(t, "rss2.xml")
	page := func(links ...string) []byte {
		var b strings.Builder
		b.WriteString("<!DOCTYPE html><html><head><title>Site</title>")
		for _, l := range links {
			fmt.Fprintf(&b, `<link rel="alternate" type="application/rss+xml" href="%s">`, l)
		}
		b.WriteString("</head><body>Hello</body></html>")
		return []byte(b.String())
	}
	var (
		mu   sync.Mutex
		hits []string
	)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits = append(hits, r.URL.Path)
		mu.Unlock()
		switch r.URL.Path {
		case "/feed.xml", "/good.xml":
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Write(rss)
		case "/as-html.xml": // a feed served with the wrong type: the body decides
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(rss)
		case "/home":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(page("/missing.xml", "/home", "/good.xml"))
		case "/broken":
			w.Header().Set("Content-Type", "text/html")
			w.Write(page("/missing.xml", "/page.html", "/truncated.xml", "/good.xml"))
		case "/page.html", "/no-links":
			w.Header().Set("Content-Type", "text/html")
			w.Write(page())
		case "/truncated.xml":
			w.Write(rss[:len(rss)/2])
		case "/redirect":
			http.Redirect(w, r, "/home", http.StatusFound)
		case "/sitemap.xml":
			w.Write([]byte(`<urlset><url><loc>https://e.org/</loc></url></urlset>`))
		default:
			http.NotFound(w, r)
		}
	})
	u := srv.URL
	tests := []struct {
		name      string
		path      string
		wantFeed  string
		wantLinks int
		wantErr   string
		wantHits  []string
	}{
		{"a feed is itself", "/feed.xml", u + "/feed.xml", 0, "", []string{"/feed.xml"}},
		{"a feed served as text/html", "/as-html.xml", u + "/as-html.xml", 0, "", []string{"/as-html.xml"}},
		{"a page: the first working link, skipping the page itself", "/home", u + "/good.xml", 3, "",
			[]string{"/home", "/missing.xml", "/good.xml"}},
		{"a redirect to a page: the URL given is kept", "/redirect", u + "/good.xml", 3, "",
			[]string{"/redirect", "/home", "/missing.xml", "/good.xml"}},
		{"three tried, none works", "/broken", "", 4,
			"feeds: " + u + "/broken is a web page whose feed links do not work (tried 3 of 4): " +
				`fetch "` + u + `/missing.xml": 404 Not Found; ` +
				`parse "` + u + `/page.html": not a feed: the server sent an HTML page (text/html); is this the site's home page? ` +
				"try `techintel sources discover " + u + "/page.html`; " +
				`parse "` + u + `/truncated.xml": malformed feed: XML syntax error on line `,
			[]string{"/broken", "/missing.xml", "/page.html", "/truncated.xml"}},
		{"a page without links", "/no-links", "", 0, "feeds: " + u + "/no-links is a web page with no feed links", []string{"/no-links"}},
		{"neither page nor feed", "/sitemap.xml", "", 0, "not a feed: an XML sitemap", []string{"/sitemap.xml"}},
		{"a fetch error", "/gone", "", 0, `feeds: fetch "` + u + `/gone": 404 Not Found`, []string{"/gone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			hits = nil
			mu.Unlock()
			feed, links, err := NewFetcher(nil, testUA, time.Minute, 1<<20).Resolve(t.Context(), u+tt.path)
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), "feeds: ") || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %v\nwant one containing %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if feed != tt.wantFeed || len(links) != tt.wantLinks {
				t.Errorf("feed %q with %d links, want %q with %d", feed, len(links), tt.wantFeed, tt.wantLinks)
			}
			mu.Lock()
			defer mu.Unlock()
			if strings.Join(hits, " ") != strings.Join(tt.wantHits, " ") {
				t.Errorf("requests %q, want %q", hits, tt.wantHits)
			}
		})
	}

	t.Run("errors keep their chain", func(t *testing.T) {
		f := NewFetcher(nil, testUA, time.Minute, 1<<20)
		_, _, err := f.Resolve(t.Context(), u+"/no-links")
		if !errors.Is(err, ErrNotFeed) {
			t.Errorf("no links: %v does not wrap ErrNotFeed", err)
		}
		_, _, err = f.Resolve(t.Context(), u+"/broken")
		var se *StatusError
		if !errors.As(err, &se) || se.Code != http.StatusNotFound || !errors.Is(err, ErrNotFeed) {
			t.Errorf("broken links: %v does not hold the 404 and the page", err)
		}
	})
}
