package demoworld

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// parsedItem is a feed item as a reader sees it.
type parsedItem struct {
	Feed, Title, Link, Body string
	Published               time.Time
}

func decodeXML(t *testing.T, data []byte, v any) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		if !strings.EqualFold(label, "windows-1252") {
			return nil, fmt.Errorf("unexpected charset %q", label)
		}
		b, err := io.ReadAll(r)
		return strings.NewReader(decodeCP1252(b)), err
	}
	if err := d.Decode(v); err != nil {
		t.Fatalf("%T: %v", v, err)
	}
}

// decodeCP1252 converts windows-1252 to UTF-8; undefined bytes become U+FFFD.
func decodeCP1252(src []byte) string {
	var b strings.Builder
	for _, c := range src {
		r := rune(c)
		if c >= 0x80 && c < 0xA0 {
			if r = cp1252High[c-0x80]; r == 0 {
				r = utf8.RuneError
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

type rssDoc struct {
	Channel struct {
		Title string `xml:"title"`
		Items []struct {
			Title       string `xml:"title"`
			Link        string `xml:"link"`
			GUID        string `xml:"guid"`
			PubDate     string `xml:"pubDate"`
			Description string `xml:"description"`
			Encoded     string `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
		} `xml:"item"`
	} `xml:"channel"`
}

type atomDoc struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	Base    string   `xml:"http://www.w3.org/XML/1998/namespace base,attr"`
	Entries []struct {
		Title string `xml:"title"`
		Links []struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Published string `xml:"published"`
		Content   string `xml:"content"`
	} `xml:"entry"`
}

type rdfDoc struct {
	XMLName xml.Name `xml:"http://www.w3.org/1999/02/22-rdf-syntax-ns# RDF"`
	Channel struct {
		Items struct {
			Seq struct {
				Li []struct {
					Resource string `xml:"http://www.w3.org/1999/02/22-rdf-syntax-ns# resource,attr"`
				} `xml:"li"`
			} `xml:"Seq"`
		} `xml:"items"`
	} `xml:"http://purl.org/rss/1.0/ channel"`
	Items []struct {
		About   string `xml:"http://www.w3.org/1999/02/22-rdf-syntax-ns# about,attr"`
		Title   string `xml:"http://purl.org/rss/1.0/ title"`
		Link    string `xml:"http://purl.org/rss/1.0/ link"`
		Date    string `xml:"http://purl.org/dc/elements/1.1/ date"`
		Encoded string `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
	} `xml:"http://purl.org/rss/1.0/ item"`
}

// readFeeds fetches and parses every feed of the world.
func readFeeds(t *testing.T, h http.Handler) []parsedItem {
	var items []parsedItem
	for _, f := range feedDefs {
		data := get(t, h, "GET", f.Path, nil).Body.Bytes()
		n := len(items)
		switch f.Key {
		case "standards", "analyst":
			var d rssDoc
			decodeXML(t, data, &d)
			for _, it := range d.Channel.Items {
				body := it.Encoded
				if body == "" {
					body = it.Description
				}
				if it.GUID != it.Link {
					t.Errorf("%s: guid %q is not the link %q", f.Key, it.GUID, it.Link)
				}
				items = append(items, parsedItem{f.Key, it.Title, it.Link, body, checkDate(t, it.Link, time.RFC1123Z, it.PubDate)})
			}
		case "partners":
			var d atomDoc
			decodeXML(t, data, &d)
			base, err := url.Parse(d.Base)
			if err != nil || d.Base != testBase+"/news/" {
				t.Fatalf("atom xml:base %q", d.Base)
			}
			relative := 0
			for _, e := range d.Entries {
				if len(e.Links) != 1 || e.Links[0].Rel != "alternate" {
					t.Fatalf("atom entry %q: links %v", e.Title, e.Links)
				}
				ref, err := url.Parse(e.Links[0].Href)
				if err != nil {
					t.Fatal(err)
				}
				if !ref.IsAbs() {
					relative++
				}
				link := base.ResolveReference(ref).String()
				items = append(items, parsedItem{f.Key, e.Title, link, e.Content, checkDate(t, link, time.RFC3339, e.Published)})
			}
			if relative == 0 || relative == len(d.Entries) {
				t.Errorf("atom: %d of %d links relative, want some but not all", relative, len(d.Entries))
			}
		case "competitors":
			var d rdfDoc
			decodeXML(t, data, &d)
			seq := d.Channel.Items.Seq.Li
			if len(seq) != len(d.Items) {
				t.Errorf("rdf: %d items in the channel's Seq, %d items", len(seq), len(d.Items))
			}
			for i, it := range d.Items {
				if it.About != it.Link || i < len(seq) && seq[i].Resource != it.Link {
					t.Errorf("rdf item %q: about %q, Seq and link %q disagree", it.Title, it.About, it.Link)
				}
				items = append(items, parsedItem{f.Key, it.Title, it.Link, it.Encoded, checkDate(t, it.Link, time.RFC3339, it.Date)})
			}
		case "newsroom":
			var d struct {
				Version string `json:"version"`
				FeedURL string `json:"feed_url"`
				Items   []struct {
					ID, URL, Title string
					ContentHTML    string `json:"content_html"`
					DatePublished  string `json:"date_published"`
				} `json:"items"`
			}
			if err := json.Unmarshal(data, &d); err != nil {
				t.Fatalf("json feed: %v", err)
			}
			if d.Version != "https://jsonfeed.org/version/1.1" || d.FeedURL != testBase+f.Path {
				t.Errorf("json feed: version %q, feed_url %q", d.Version, d.FeedURL)
			}
			for _, it := range d.Items {
				items = append(items, parsedItem{f.Key, it.Title, it.URL, it.ContentHTML, checkDate(t, it.URL, time.RFC3339, it.DatePublished)})
			}
		default:
			t.Fatalf("no parser for feed %s", f.Key)
		}
		if len(items)-n < 8 {
			t.Errorf("%s: %d items", f.Key, len(items)-n)
		}
	}
	return items
}

func TestFeedsParseAndLinksResolve(t *testing.T) {
	h := Handler(testNow)
	items := readFeeds(t, h)
	if n := len(items); n < 50 {
		t.Errorf("%d feed items, want at least 50", n)
	}
	feedsOf := map[string][]string{}
	for _, it := range items {
		if it.Title == "" || !strings.Contains(it.Body, "<p>") {
			t.Errorf("%s %s: title %q, body %.40q", it.Feed, it.Link, it.Title, it.Body)
		}
		if !strings.HasPrefix(it.Link, testBase+"/") {
			t.Errorf("%s: link %q is not on the demo server", it.Feed, it.Link)
			continue
		}
		feedsOf[it.Link] = append(feedsOf[it.Link], it.Feed)
		if rec := get(t, h, "GET", strings.TrimPrefix(it.Link, testBase), nil); rec.Code != http.StatusOK {
			t.Errorf("%s: link %s answers %d", it.Feed, it.Link, rec.Code)
		} else if !strings.Contains(rec.Body.String(), "<time datetime=") {
			t.Errorf("%s: page %s has no <time datetime>", it.Feed, it.Link)
		}
	}
	var shared, utm bool
	for link, feeds := range feedsOf {
		if len(feeds) > 1 && feeds[0] != feeds[1] {
			shared = true
		}
		if len(feeds) > 1 && feeds[0] == feeds[1] {
			t.Errorf("feed %s lists %s twice", feeds[0], link)
		}
		if base, q, ok := strings.Cut(link, "?"); ok && strings.Contains(q, "utm_source=") && len(feedsOf[base]) > 0 {
			utm = true
		}
	}
	if !shared || !utm {
		t.Errorf("same link in two feeds: %v; utm_source variant: %v", shared, utm)
	}
}

func TestDigestWeekHasFeedContent(t *testing.T) {
	items := readFeeds(t, Handler(testNow))
	week := isoWeekStart(testNow).AddDate(0, 0, -7)
	n := 0
	for _, it := range items {
		if !it.Published.Before(week) && it.Published.Before(week.AddDate(0, 0, 7)) {
			n++
		}
	}
	if n < 12 {
		t.Errorf("%d feed items in the last complete ISO week (from %s)", n, week)
	}
}

func TestCP1252FeedBytes(t *testing.T) {
	data := get(t, Handler(testNow), "GET", "/feeds/analyst-cp1252.xml", nil).Body.Bytes()
	if !bytes.HasPrefix(data, []byte(`<?xml version="1.0" encoding="windows-1252"?>`)) {
		t.Errorf("declaration: %.60q", data)
	}
	if utf8.Valid(data) {
		t.Error("the windows-1252 feed is valid UTF-8: it was not encoded")
	}
	for want, enc := range map[string][]byte{
		"Telefónica’s": {'T', 'e', 'l', 'e', 'f', 0xF3, 'n', 'i', 'c', 'a', 0x92, 's'},
		"€5.6 billion": {0x80, '5', '.', '6', ' ', 'b'},
		"Müller":       {'M', 0xFC, 'l', 'l', 'e', 'r'},
		"Marché":       {'M', 'a', 'r', 'c', 'h', 0xE9},
		"“a clean":     {0x93, 'a', ' ', 'c'},
	} {
		if !bytes.Contains(data, enc) {
			t.Errorf("the feed lacks %q as windows-1252 bytes % x", want, enc)
		}
	}
	if bytes.Contains(data, []byte("&#")) {
		t.Error("the feed fell back to character references")
	}
	var d rssDoc
	decodeXML(t, data, &d)
	titles := ""
	for _, it := range d.Channel.Items {
		titles += it.Title + "\n"
	}
	if !strings.Contains(titles, "Telefónica’s capex guidance") || !strings.Contains(d.Channel.Title, "Marché & Réseaux") {
		t.Errorf("decoded titles:\n%s", titles)
	}
}

func TestEncodeCP1252(t *testing.T) {
	got := encodeCP1252([]byte("a é € — ✓ ž"))
	want := []byte{'a', ' ', 0xE9, ' ', 0x80, ' ', 0x97, ' ', '&', '#', '1', '0', '0', '0', '3', ';', ' ', 0x9E}
	if !bytes.Equal(got, want) {
		t.Errorf("encodeCP1252 = % x, want % x", got, want)
	}
	if s := decodeCP1252(want); s != "a é € — &#10003; ž" {
		t.Errorf("decodeCP1252 = %q", s)
	}
}
