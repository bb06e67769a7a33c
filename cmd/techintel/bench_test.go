package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/feeds"
	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/tag"
)

// benchWatch is the watch list of the generated corpus.
var benchWatch = []tag.Entity{
	{Name: "Nokia", Role: "own", Aliases: []string{"Nokia Bell Labs"}},
	{Name: "Vodafone", Role: "partner"}, {Name: "Intel", Role: "partner"},
	{Name: "Ericsson", Role: "competitor"}, {Name: "Huawei", Role: "competitor"},
	{Name: "Samsung Networks", Role: "competitor", Aliases: []string{"Samsung"}},
	{Name: "Deutsche Telekom", Role: "customer"}, {Name: "Telefónica", Role: "customer"},
	{Name: "3GPP", Role: "standards"}, {Name: "ETSI", Role: "standards"}, {Name: "Qualcomm", Role: "other"},
}

var benchTechs = []tag.Technology{
	{Name: "Open RAN", Aliases: []string{"O-RAN"}}, {Name: "6G"}, {Name: "Network slicing"},
	{Name: "Private 5G"}, {Name: "AI-RAN"},
}

// benchCorpus generates feeds of news-like items: n items of about 2 KB
// in RSS 2.0 feeds of 100 items each.
func benchCorpus(n int) [][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	syll := []string{"ra", "to", "mi", "ne", "ko", "sa", "ve", "lu", "pri", "stan", "dar", "net", "wor", "con", "tel", "dis", "ver", "ope", "ra", "tor"}
	vocab := make([]string, 3000)
	for i := range vocab {
		var b strings.Builder
		for range 2 + r.IntN(3) {
			b.WriteString(syll[r.IntN(len(syll))])
		}
		vocab[i] = b.String()
	}
	names := []string{"Nokia", "Vodafone", "Intel's", "Ericsson", "Huawei", "Samsung", "Deutsche Telekom",
		"Telefónica", "3GPP", "ETSI", "Qualcomm-backed", "Open RAN", "6G", "network slicing", "private 5G", "AI-RAN"}
	words := func(k int) string {
		var b strings.Builder
		for i := range k {
			if i > 0 {
				b.WriteByte(' ')
			}
			if r.IntN(40) == 0 {
				b.WriteString(names[r.IntN(len(names))])
			} else {
				b.WriteString(vocab[int(r.ExpFloat64()*300)%len(vocab)])
			}
		}
		return b.String()
	}
	var out [][]byte
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for f := 0; f*100 < n; f++ {
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>bench</title><link>https://bench.example/</link>`)
		for i := f * 100; i < min(n, (f+1)*100); i++ {
			fmt.Fprintf(&b, "<item><title>%s</title><link>https://bench.example/news/%d</link><guid>bench-%d</guid><pubDate>%s</pubDate><description><![CDATA[<p>%s</p><p>%s</p>]]></description></item>",
				words(8), i, i, base.Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z), words(150), words(150))
		}
		b.WriteString("</channel></rss>")
		out = append(out, []byte(b.String()))
	}
	return out
}

func benchDocs(tb testing.TB) int {
	if s := os.Getenv("TECHINTEL_BENCH_DOCS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			tb.Fatal(err)
		}
		return n
	}
	return 50000
}

// BenchmarkIngestAndSearch measures the whole ingest path (parse → tag →
// upsert) beside raw bleve batch indexing of the same documents with the
// same mapping and batches of 1,000, then search latency through the HTTP
// API beside the same requests sent to bleve directly. Run it with
//
//	go test -run='^$' -bench=IngestAndSearch -benchtime=1x ./cmd/techintel/
//
// (TECHINTEL_BENCH_DOCS sets the corpus size; 50,000 by default.)
func BenchmarkIngestAndSearch(b *testing.B) {
	n := benchDocs(b)
	corpus := benchCorpus(n)
	tg, err := tag.New(benchWatch, benchTechs)
	if err != nil {
		b.Fatal(err)
	}
	// The baseline indexes the documents as the pipeline produces them.
	docs := benchDocuments(b, corpus, tg)
	var bytes int
	for _, d := range docs {
		bytes += len(d.Title) + len(d.Body)
	}
	b.Logf("corpus: %d documents, %.1f KB of text each on average", len(docs), float64(bytes)/float64(len(docs))/1024)

	for b.Loop() {
		// Raw bleve: same mapping, batches of 1,000, on disk.
		rawDir := filepath.Join(b.TempDir(), "raw")
		bi, err := bleve.NewUsing(rawDir, index.NewMapping(), scorch.Name, scorch.Name, nil)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		batch := bi.NewBatch()
		for i, d := range docs {
			if err := batch.Index(d.ID, rawDoc(d)); err != nil {
				b.Fatal(err)
			}
			if batch.Size() == 1000 || i == len(docs)-1 {
				if err := bi.Batch(batch); err != nil {
					b.Fatal(err)
				}
				batch.Reset()
			}
		}
		rawTook := time.Since(start)
		bi.Close()

		// techintel: parse → tag → upsert, 10 feeds (1,000 items) per
		// upsert. Parsing and tagging the next batch overlaps the upsert of
		// the current one, as it does in serve, where sources run
		// concurrently.
		ix, err := index.Open(filepath.Join(b.TempDir(), "ti"))
		if err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		// Two producers, as when two sources run at once in serve; batches
		// of 10 feeds (1,000 items) go to the single writer.
		batches := make(chan []index.Document, 2)
		var wg sync.WaitGroup
		for p := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for g := p; g*10 < len(corpus); g += 2 {
					var pending []index.Document
					for _, f := range corpus[g*10 : min((g+1)*10, len(corpus))] {
						feed, err := feeds.Parse(f, "https://bench.example/feed", "application/rss+xml")
						if err != nil {
							panic(err)
						}
						ds, _ := feed.Documents("bench", time.Now())
						for j := range ds {
							tg.Tag(&ds[j], nil)
						}
						pending = append(pending, ds...)
					}
					batches <- pending
				}
			}()
		}
		go func() { wg.Wait(); close(batches) }()
		for batch := range batches {
			if _, err := ix.Upsert(context.Background(), batch); err != nil {
				b.Fatal(err)
			}
		}
		tiTook := time.Since(start)
		rawRate := float64(len(docs)) / rawTook.Seconds()
		tiRate := float64(len(docs)) / tiTook.Seconds()
		b.ReportMetric(rawRate, "raw-docs/s")
		b.ReportMetric(tiRate, "ingest-docs/s")
		b.ReportMetric(tiRate/rawRate, "ingest/raw")

		benchSearch(b, ix)
		ix.Close()
	}
}

// rawDoc is what index.Upsert stores, for the raw baseline.
func rawDoc(d index.Document) map[string]any {
	return map[string]any{
		"url": d.URL, "title": d.Title, "body": d.Body, "author": d.Author, "source": d.Source,
		"published": d.Published, "fetched": d.Fetched, "updated": d.Fetched,
		"components": d.Components, "entities": d.Entities, "technologies": d.Technologies,
		"evidence": "[]", "hash": "0123456789abcdef",
	}
}

// benchQueries returns 200 mixed searches with filters; every one asks
// for facets and, when it has a query, highlights.
func benchQueries() []url.Values {
	r := rand.New(rand.NewPCG(3, 4))
	terms := []string{"nokia", "ericsson", "slicing", "\"open ran\"", "6g", "vodafone", "ratomi", "+huawei -samsung", "title:nokia", "qualcomm"}
	comps := index.Components
	ents := []string{"Nokia", "Ericsson", "Vodafone", "Huawei"}
	var out []url.Values
	for i := range 200 {
		v := url.Values{}
		if i%5 != 0 {
			v.Set("q", terms[r.IntN(len(terms))])
		}
		switch i % 4 {
		case 1:
			v.Add("component", comps[r.IntN(len(comps))])
		case 2:
			v.Add("entity", ents[r.IntN(len(ents))])
			v.Set("since", "2026-01-10")
		case 3:
			v.Set("sort", "date")
		}
		out = append(out, v)
	}
	return out
}

func benchSearch(b *testing.B, ix *index.Index) {
	srv := httptest.NewServer(api.New(api.Options{Searcher: ix, Sources: nil}))
	defer srv.Close()
	client := srv.Client()
	queries := benchQueries()
	var viaAPI, raw []time.Duration
	for round := range 2 { // the first round warms caches
		viaAPI, raw = viaAPI[:0], raw[:0]
		for _, v := range queries {
			q, err := api.ParseSearchQuery(v)
			if err != nil {
				b.Fatal(err)
			}
			req, err := index.BuildRequest(q)
			if err != nil {
				b.Fatal(err)
			}
			rawSearch := func() {
				start := time.Now()
				if _, err := ix.Bleve().Search(req); err != nil {
					b.Fatal(err)
				}
				raw = append(raw, time.Since(start))
			}
			apiSearch := func() {
				start := time.Now()
				resp, err := client.Get(srv.URL + "/api/v1/search?" + v.Encode())
				if err != nil {
					b.Fatal(err)
				}
				_, _ = drain(resp)
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("%s: status %d", v.Encode(), resp.StatusCode)
				}
				viaAPI = append(viaAPI, time.Since(start))
			}
			// Alternate which goes first, so neither profits from the
			// other warming the caches.
			if len(raw)%2 == 0 {
				rawSearch()
				apiSearch()
			} else {
				apiSearch()
				rawSearch()
			}
		}
		_ = round
	}
	p := func(ds []time.Duration, q float64) float64 {
		s := slices.Clone(ds)
		slices.Sort(s)
		return float64(s[int(q*float64(len(s)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(p(raw, 0.5), "raw-p50-ms")
	b.ReportMetric(p(raw, 0.99), "raw-p99-ms")
	b.ReportMetric(p(viaAPI, 0.5), "api-p50-ms")
	b.ReportMetric(p(viaAPI, 0.99), "api-p99-ms")
	b.ReportMetric(p(viaAPI, 0.5)/p(raw, 0.5), "api/raw-p50")
	b.ReportMetric(p(viaAPI, 0.99)/p(raw, 0.99), "api/raw-p99")
}

func drain(resp *http.Response) (int64, error) {
	defer resp.Body.Close()
	return io.Copy(io.Discard, resp.Body)
}
