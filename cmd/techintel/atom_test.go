package main

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
)

// atomDoc is an Atom document read generically, to check it against the
// MUST rules of RFC 4287.
type atomDoc struct {
	XMLName xml.Name
	IDs     []string     `xml:"id"`
	Titles  []string     `xml:"title"`
	Updated []string     `xml:"updated"`
	Authors []atomPerson `xml:"author"`
	Links   []atomRef    `xml:"link"`
	Entries []struct {
		IDs      []string     `xml:"id"`
		Titles   []string     `xml:"title"`
		Updated  []string     `xml:"updated"`
		Authors  []atomPerson `xml:"author"`
		Links    []atomRef    `xml:"link"`
		Contents []string     `xml:"content"`
		Summary  []string     `xml:"summary"`
	} `xml:"entry"`
}

type atomPerson struct {
	Name []string `xml:"name"`
}

type atomRef struct {
	Rel  string `xml:"rel,attr"`
	Href string `xml:"href,attr"`
}

// checkRFC4287 returns every violation of RFC 4287's rules for a feed
// document that the document shows (sections 4.1.1, 4.1.2, 4.2.7, 3.3,
// 4.2.6).
func checkRFC4287(b []byte) []string {
	var d atomDoc
	if err := xml.Unmarshal(b, &d); err != nil {
		return []string{"not XML: " + err.Error()}
	}
	var errs []string
	bad := func(format string, ok bool) {
		if !ok {
			errs = append(errs, format)
		}
	}
	bad("root is not atom:feed", d.XMLName.Space == "http://www.w3.org/2005/Atom" && d.XMLName.Local == "feed")
	one := func(what string, vs []string) {
		bad("feed: exactly one "+what, len(vs) == 1)
	}
	one("atom:id", d.IDs)
	one("atom:title", d.Titles)
	one("atom:updated", d.Updated)
	absIRI := func(s string) bool {
		u, err := url.Parse(strings.TrimSpace(s))
		return err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "")
	}
	date := func(s string) bool { _, err := time.Parse(time.RFC3339, strings.TrimSpace(s)); return err == nil }
	for _, id := range d.IDs {
		bad("feed: atom:id is not an absolute IRI: "+id, absIRI(id))
	}
	for _, u := range d.Updated {
		bad("feed: atom:updated is not an RFC 3339 date: "+u, date(u))
	}
	for _, a := range d.Authors {
		bad("feed: atom:author without one atom:name", len(a.Name) == 1 && strings.TrimSpace(a.Name[0]) != "")
	}
	self := 0
	for _, l := range d.Links {
		if l.Rel == "self" {
			self++
			bad("feed: the self link is not absolute: "+l.Href, absIRI(l.Href))
		}
	}
	bad("feed: no rel=self link (RFC 4287 4.2.7.2 SHOULD, feed validators require it)", self == 1)
	for i, e := range d.Entries {
		ctx := fmt.Sprintf("entry %d: ", i)
		bad(ctx+"exactly one atom:id", len(e.IDs) == 1)
		bad(ctx+"exactly one atom:title", len(e.Titles) == 1)
		bad(ctx+"exactly one atom:updated", len(e.Updated) == 1)
		for _, id := range e.IDs {
			bad(ctx+"atom:id is not an absolute IRI: "+id, absIRI(id))
		}
		for _, u := range e.Updated {
			bad(ctx+"atom:updated is not an RFC 3339 date: "+u, date(u))
		}
		bad(ctx+"no atom:author on the entry or the feed (4.1.1)", len(d.Authors) > 0 || len(e.Authors) > 0)
		alternate := false
		for _, l := range e.Links {
			if l.Rel == "" || l.Rel == "alternate" {
				alternate = true
				bad(ctx+"alternate link is not absolute: "+l.Href, absIRI(l.Href))
			}
		}
		bad(ctx+"neither atom:content nor an alternate link (4.1.2)", len(e.Contents) > 0 || alternate)
		bad(ctx+"at most one atom:summary", len(e.Summary) <= 1)
	}
	return errs
}

// TestSubscriptionAtomFeedIsValid: the Atom feed of a subscription over
// the gathered demo world passes RFC 4287's rules, and a feed reader
// (gofeed) reads it with its author and absolute self link.
func TestSubscriptionAtomFeedIsValid(t *testing.T) {
	configPath, _ := demoWorld(t, "127.0.0.1:0")
	_, srv, _ := gathered(t, configPath)
	status, body := doJSON(t, "POST", srv.URL+"/api/v1/subscriptions", `{"name": "open ran watch", "query": "\"open ran\"", "backfill": true}`)
	if status != http.StatusCreated {
		t.Fatalf("create: %d %v", status, body)
	}
	feedURL := srv.URL + "/api/v1/subscriptions/" + body["id"].(string) + "/feed.atom"
	resp, err := http.Get(feedURL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if errs := checkRFC4287(b); len(errs) > 0 {
		t.Errorf("the feed breaks RFC 4287:\n  %s\n%s", strings.Join(errs, "\n  "), b)
	}
	feed, err := gofeed.NewParser().ParseString(string(b))
	if err != nil {
		t.Fatal(err)
	}
	if feed.FeedType != "atom" || len(feed.Items) == 0 || feed.FeedLink != feedURL ||
		len(feed.Authors) != 1 || feed.Authors[0].Name != "techintel" {
		t.Errorf("gofeed reads: type %s, %d items, self %q, authors %v", feed.FeedType, len(feed.Items), feed.FeedLink, feed.Authors)
	}
}

// TestCheckRFC4287Catches: the checker is not blind: the feed as it was
// (relative self link, no author) fails it.
func TestCheckRFC4287Catches(t *testing.T) {
	old := `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:techintel:subscription:s1</id><title>t</title><updated>2026-11-11T12:00:00Z</updated>
<link rel="self" href="/api/v1/subscriptions/s1/feed.atom"></link>
<entry><id>urn:techintel:alert:a1</id><title>x</title><updated>2026-11-11T12:00:00Z</updated><link href="https://e.com/a"></link><summary type="text">s</summary></entry></feed>`
	errs := strings.Join(checkRFC4287([]byte(old)), "\n")
	for _, want := range []string{"self link is not absolute", "no atom:author"} {
		if !strings.Contains(errs, want) {
			t.Errorf("checker misses %q; found:\n%s", want, errs)
		}
	}
}
