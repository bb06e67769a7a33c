package feeds

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// benchFeed is a 50-item RSS feed of ordinary size (~45 KB).
func benchFeed() []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Bench</title><link>https://e.org/</link>`)
	for i := range 50 {
		fmt.Fprintf(&b, `<item><guid>https://e.org/p/%d</guid><title>Item %d</title><link>/p/%d</link>`+
			`<pubDate>Tue, 05 Mar 2024 09:30:00 GMT</pubDate><description>&lt;p&gt;%s&lt;/p&gt;</description></item>`,
			i, i, i, strings.Repeat("Some words of text. ", 40))
	}
	b.WriteString(`</channel></rss>`)
	return b.Bytes()
}

// benchServer answers 304 to a request carrying the feed's ETag and the
// whole feed otherwise, as a well-behaved feed server does.
func benchServer(b *testing.B) (url string, f *Fetcher) {
	body := benchFeed()
	srv := newServer(b, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"bench"`)
		if r.Header.Get("If-None-Match") == `"bench"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(body)
	})
	tr := &http.Transport{MaxIdleConnsPerHost: 4}
	b.Cleanup(tr.CloseIdleConnections)
	return srv.URL + "/feed", NewFetcher(tr, testUA, 5*time.Second, 1<<20)
}

// BenchmarkFetchNotModified is the cost of a scheduled run of an unchanged
// feed: a conditional GET answered 304, nothing to parse. Compare with
// BenchmarkFetchFull for what conditional GET saves per run; both include
// the loopback server's share of the work.
func BenchmarkFetchNotModified(b *testing.B) {
	url, f := benchServer(b)
	v := Validators{ETag: `"bench"`}
	b.ReportAllocs()
	for b.Loop() {
		resp, err := f.Fetch(b.Context(), url, v)
		if err != nil || !resp.NotModified {
			b.Fatalf("%v, %+v", err, resp)
		}
	}
}

// BenchmarkFetchFull is the cost of a run of a changed feed: a 200 with 50
// items, parsed and turned into documents.
func BenchmarkFetchFull(b *testing.B) {
	url, f := benchServer(b)
	b.ReportAllocs()
	for b.Loop() {
		resp, err := f.Fetch(b.Context(), url, Validators{})
		if err != nil || resp.NotModified {
			b.Fatalf("%v, %+v", err, resp)
		}
		feed, err := Parse(resp.Body, resp.URL, resp.ContentType)
		if err != nil {
			b.Fatal(err)
		}
		if docs, _, _ := feed.DocumentsWithKeys("bench", fetchedAt); len(docs) != 50 {
			b.Fatalf("%d documents", len(docs))
		}
	}
}
