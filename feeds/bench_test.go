package feeds

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/rss"
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

// benchItems is n RSS feeds of perFeed items each, shaped as techbench
// serves them: a title, link, guid, date and an escaped description of
// about 2.5 KB per item.
func benchItems(n, perFeed int) [][]byte {
	words := strings.Fields("the package provides a library for parsing and writing documents with support for " +
		"plugins, command line tools, bindings & <examples> of use in \"several\" languages; it is maintained upstream")
	out := make([][]byte, n)
	for k := range n {
		var b bytes.Buffer
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Packages %d</title><link>http://bench.example/</link><description>generated</description>`, k)
		for i := range perFeed {
			fmt.Fprintf(&b, "<item><title>package-%d-%d ", k, i)
			xml.EscapeText(&b, []byte(words[i%len(words)]))
			fmt.Fprintf(&b, "</title><link>http://bench.example/p/%d/%d</link><guid>http://bench.example/p/%d/%d</guid><pubDate>Tue, 05 Mar 2024 09:30:00 +0000</pubDate><description>", k, i, k, i)
			var body strings.Builder
			for j := 0; body.Len() < 2500; j++ {
				body.WriteString(words[(i*7+j*3)%len(words)])
				body.WriteByte(' ')
			}
			xml.EscapeText(&b, []byte(body.String()))
			b.WriteString("</description></item>")
		}
		b.WriteString("</channel></rss>")
		out[k] = b.Bytes()
	}
	return out
}

// BenchmarkParse20000 parses 20,000 items (40 feeds of 500) with the
// quick pre-scan (gofeed's parse is the only XML parse) and with the full
// encoding/xml scan before gofeed (the path before quickScan), feed by
// feed, alternating which goes first; it reports each side's seconds per
// 20,000 items and their ratio, and the same for the scans alone
// (quickScan against scanXML on the same bytes). Parsing runs on one
// goroutine, so its time is its CPU time when the machine is not
// oversubscribed.
func BenchmarkParse20000(b *testing.B) {
	feeds := benchItems(40, 500)
	lims := [2]limits{defaultLimits(), defaultLimits()}
	lims[1].fullScan = true
	var took, scans [2]time.Duration
	items, round := 0, 0
	b.ReportAllocs()
	for b.Loop() {
		round++
		for _, body := range feeds {
			for k := range 2 {
				side := (k + round) % 2
				start := time.Now()
				f, err := parse(body, "http://bench.example/feed.xml", "application/rss+xml", lims[side])
				took[side] += time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				if side == 0 {
					items += len(f.Items)
				}
			}
			for k := range 2 {
				side := (k + round) % 2
				start := time.Now()
				if side == 0 {
					if quickScan(body, lims[0]) == nil {
						b.Fatal("quickScan gave up on the benchmark's feed")
					}
				} else if _, err := scanXML(body, nil, lims[1]); err != nil {
					b.Fatal(err)
				}
				scans[side] += time.Since(start)
			}
		}
	}
	if items == 0 {
		b.Fatal("no items")
	}
	per := func(d time.Duration) float64 { return d.Seconds() / float64(items) * 20000 }
	b.ReportMetric(per(took[0]), "quick-s/20k")
	b.ReportMetric(per(took[1]), "full-s/20k")
	b.ReportMetric(took[0].Seconds()/took[1].Seconds(), "quick/full")
	b.ReportMetric(per(scans[0]), "quickScan-s/20k")
	b.ReportMetric(per(scans[1]), "scanXML-s/20k")
}

// BenchmarkRSSTranslate translates the same parsed RSS feeds (techbench's
// shape, 20,000 items) with gofeed's default translator and with ours,
// which skips the search of each item's HTML for an image, alternating
// which goes first; it reports each side's seconds per 20,000 items and
// their ratio.
func BenchmarkRSSTranslate(b *testing.B) {
	var parsed []*rss.Feed
	for _, body := range benchItems(40, 500) {
		f, err := (&rss.Parser{}).Parse(bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		parsed = append(parsed, f)
	}
	translators := [2]*gofeed.DefaultRSSTranslator{rssTranslator(), {}}
	var took [2]time.Duration
	items, round := 0, 0
	b.ReportAllocs()
	for b.Loop() {
		round++
		for _, f := range parsed {
			for k := range 2 {
				side := (k + round) % 2
				start := time.Now()
				gf, err := translators[side].Translate(f)
				took[side] += time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				if side == 0 {
					items += len(gf.Items)
				}
			}
		}
	}
	per := func(d time.Duration) float64 { return d.Seconds() / float64(items) * 20000 }
	b.ReportMetric(per(took[0]), "ours-s/20k")
	b.ReportMetric(per(took[1]), "default-s/20k")
	b.ReportMetric(took[0].Seconds()/took[1].Seconds(), "ours/default")
}
