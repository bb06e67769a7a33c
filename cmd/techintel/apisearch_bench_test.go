package main

import (
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/cmd/techintel/internal/engine"
	"github.com/techintel/techintel/cmd/techintel/internal/metrics"
	"github.com/techintel/techintel/feeds"
	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/tag"
)

// BenchmarkAPISearch measures what a search costs between the HTTP request
// and index.Search: serve's whole server (apiServer: the Host guard, CORS,
// the rate limiter, the search timeout, the metrics, the per-address
// connection cap, serve's timeouts) on a loopback listener over a real
// index, called by a client that reuses its connection and reads every
// answer to the end, beside index.Search on the same index with the same
// query in the same loop (which goes first alternates). The configuration
// is the default one but for the rate limit, raised so that the benchmark
// is not refused while the limiter still runs. Reported: the mean and the
// median of each side, api/index (means) and api-index-us, the mean time a
// search spends outside index.Search; handler-us, the time inside serve's
// handler; floor-us, a bare net/http server sending the same answers; and
// chain-p50-us, the median of api - index - floor per search: what serve's
// handler chain and encoding add to a Go HTTP exchange. Run it with
//
//	go test -run='^$' -bench=APISearch -benchtime=2000x ./cmd/techintel/
//
// (TECHINTEL_BENCH_DOCS sets the number of documents; 3,000 here.)
func BenchmarkAPISearch(b *testing.B) {
	n := 3000
	if os.Getenv("TECHINTEL_BENCH_DOCS") != "" {
		n = benchDocs(b)
	}
	cfg, err := ParseConfig("[api]\nrate_limit = 1000000000\nrate_burst = 1000000000\n")
	if err != nil {
		b.Fatal(err)
	}
	g, cfg := benchGatherer(b, cfg)
	tg, err := tag.New(benchWatch, benchTechs)
	if err != nil {
		b.Fatal(err)
	}
	docs := benchDocuments(b, benchCorpus(n), tg)
	if _, err := g.Index().Upsert(context.Background(), docs); err != nil {
		b.Fatal(err)
	}
	searches := benchSearchMix(docs, 200)
	if len(searches) == 0 {
		b.Fatal("no two adjacent title words of the corpus fit the search mix")
	}

	ctx := b.Context()
	ts := httptest.NewUnstartedServer(nil)
	ts.Config = apiServer(ctx, cfg, g, nil, false, metrics.New(), newLogger(io.Discard))
	ts.Listener = api.LimitListener(ts.Listener, cfg.API.MaxConnsPerIP)
	// The time inside serve's handler, apart: the rest of api-us is the
	// HTTP exchange itself (net/http on both sides and the loopback).
	var mu sync.Mutex
	var handlerT []time.Duration
	serveHandler := ts.Config.Handler
	ts.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		serveHandler.ServeHTTP(w, r)
		d := time.Since(start)
		mu.Lock()
		handlerT = append(handlerT, d)
		mu.Unlock()
	})
	ts.Start()
	defer ts.Close()
	// The floor: a bare net/http server that sends the same answers
	// (recorded in the first round), with the same length header, to the
	// same client. api-us - index-us - floor-us is what the handler chain
	// and the JSON encoding cost, beyond the search and the HTTP exchange
	// any Go server pays.
	var answers [][]byte
	floor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k, err := strconv.Atoi(r.URL.Query().Get("k"))
		if err != nil || k < 0 || k >= len(answers) {
			http.Error(w, "no such answer", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(answers[k])))
		w.Write(answers[k])
	}))
	defer floor.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 2}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	get := func(u string) (time.Duration, []byte) {
		start := time.Now()
		resp, err := client.Get(u)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		d := time.Since(start)
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: %d %v\n%s", u, resp.StatusCode, err, body)
		}
		return d, body
	}

	viaAPI := func(v url.Values) (time.Duration, []byte) {
		return get(ts.URL + "/api/v1/search?" + v.Encode())
	}
	inProcess := func(q index.Query) (time.Duration, uint64) {
		start := time.Now()
		res, err := g.Index().Search(ctx, q)
		d := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		return d, res.Total
	}
	// One round unmeasured: both sides warm the same caches, and every
	// query is checked to mean the same search on both.
	var matched uint64
	for _, v := range searches {
		q, err := api.ParseSearchQuery(v)
		if err != nil {
			b.Fatal(err)
		}
		_, body := viaAPI(v)
		answers = append(answers, body)
		_, total := inProcess(q)
		var res struct{ Total uint64 }
		if err := json.Unmarshal(body, &res); err != nil || res.Total != total {
			b.Fatalf("%s: the API found %d (%v), index.Search %d", v.Encode(), res.Total, err, total)
		}
		matched += total
	}
	if matched == 0 {
		b.Fatal("no search matched anything: the benchmark would measure nothing")
	}
	queries := make([]index.Query, len(searches))
	for i, v := range searches {
		queries[i], _ = api.ParseSearchQuery(v)
	}

	mu.Lock()
	handlerT = handlerT[:0]
	mu.Unlock()
	var apiT, ixT, floorT, oursT []time.Duration
	i := 0
	for b.Loop() {
		k := i % len(searches)
		var a, x, f time.Duration
		// Each goes first in turn, so that none profits from the
		// others warming the caches.
		for j := range 3 {
			switch (i + j) % 3 {
			case 0:
				a, _ = viaAPI(searches[k])
			case 1:
				x, _ = inProcess(queries[k])
			default:
				f, _ = get(floor.URL + "/?k=" + strconv.Itoa(k))
			}
		}
		apiT, ixT, floorT, oursT = append(apiT, a), append(ixT, x), append(floorT, f), append(oursT, a-x-f)
		i++
	}
	mean := func(ds []time.Duration) float64 {
		var sum time.Duration
		for _, d := range ds {
			sum += d
		}
		return float64(sum.Nanoseconds()) / float64(len(ds)) / 1e3
	}
	median := func(ds []time.Duration) float64 {
		s := slices.Clone(ds)
		slices.Sort(s)
		return float64(s[len(s)/2].Nanoseconds()) / 1e3
	}
	ts.Close() // every handler has returned
	b.ReportMetric(mean(handlerT), "handler-us")
	b.ReportMetric(median(handlerT), "handler-p50-us")
	b.ReportMetric(mean(apiT), "api-us")
	b.ReportMetric(mean(ixT), "index-us")
	b.ReportMetric(median(apiT), "api-p50-us")
	b.ReportMetric(median(ixT), "index-p50-us")
	b.ReportMetric(mean(apiT)/mean(ixT), "api/index")
	b.ReportMetric(mean(apiT)-mean(ixT), "api-index-us")
	b.ReportMetric(mean(floorT), "floor-us")
	b.ReportMetric(median(floorT), "floor-p50-us")
	b.ReportMetric(median(oursT), "chain-p50-us")
}

// benchGatherer opens a gatherer for cfg over a data directory in a temp
// dir and returns it with the configuration it runs.
func benchGatherer(b *testing.B, cfg *Config) (*engine.Gatherer, *Config) {
	b.Helper()
	cfg.DataDir = b.TempDir()
	g, d := openGatherer(b, cfg)
	b.Cleanup(func() { d.Close() })
	return g, cfg
}

// benchDocuments parses the feeds of corpus (benchCorpus) and tags their
// documents with tg, as a crawl would store them.
func benchDocuments(b *testing.B, corpus [][]byte, tg *tag.Tagger) []index.Document {
	b.Helper()
	var docs []index.Document
	for _, f := range corpus {
		feed, err := feeds.Parse(f, "https://bench.example/feed", "application/rss+xml")
		if err != nil {
			b.Fatal(err)
		}
		ds, _ := feed.Documents("bench", time.Now())
		for i := range ds {
			tg.Tag(&ds[i], nil)
		}
		docs = append(docs, ds...)
	}
	return docs
}

// benchSearchMix returns n searches as techbench sends them: words of the
// documents' titles in turn as `a b`, `"a b"`, `+a +b` and `a`, limit 20,
// the entities facet, a third within one day of the documents' span.
// Words are those found in 0.2-3% of the documents, so that searches
// match from a few documents to a hundred, as techbench's do.
func benchSearchMix(docs []index.Document, n int) []url.Values {
	df := map[string]int{}
	for _, d := range docs {
		seen := map[string]bool{}
		for _, w := range strings.Fields(strings.ToLower(d.Title + " " + d.Body)) {
			if !seen[w] {
				seen[w] = true
				df[w]++
			}
		}
	}
	fits := func(w string) bool {
		return len(w) >= 4 && !strings.ContainsAny(w, `"'+-:.,`) && df[w]*500 >= len(docs) && df[w]*33 <= len(docs)
	}
	type pair struct {
		a, c string
		day  time.Time
	}
	var pairs []pair
	for _, d := range docs {
		ws := strings.Fields(strings.ToLower(d.Title))
		for j := 1; j < len(ws); j++ {
			if fits(ws[j-1]) && fits(ws[j]) {
				pairs = append(pairs, pair{ws[j-1], ws[j], d.Published.UTC().Truncate(24 * time.Hour)})
			}
		}
	}
	if len(pairs) == 0 {
		return nil
	}
	r := rand.New(rand.NewPCG(5, 6))
	out := make([]url.Values, 0, n)
	for len(out) < n {
		p := pairs[r.IntN(len(pairs))]
		a, c := p.a, p.c
		var q string
		switch len(out) % 4 {
		case 0:
			q = a + " " + c
		case 1:
			q = `"` + a + " " + c + `"`
		case 2:
			q = "+" + a + " +" + c
		default:
			q = a
		}
		v := url.Values{"q": {q}, "limit": {"20"}, "facets": {"entities"}}
		if len(out)%3 == 0 {
			v.Set("since", p.day.Format(time.RFC3339))
			v.Set("until", p.day.Add(24*time.Hour).Format(time.RFC3339))
		}
		out = append(out, v)
	}
	return out
}
