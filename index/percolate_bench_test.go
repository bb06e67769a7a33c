package index_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/store"
)

// crawlCorpus synthesises a crawl of n documents: titles and bodies drawn
// from a Zipf-like vocabulary (a few words in most documents, most words
// in few), each with a source, a component and an entity or two, as the
// tagger gives them.
type crawlCorpus struct {
	vocab, ents, sources []string
	docs                 []index.Document
}

func newCrawlCorpus(n int) *crawlCorpus {
	r := rand.New(rand.NewPCG(19, 4))
	c := &crawlCorpus{vocab: make([]string, 20000)}
	for i := range c.vocab {
		c.vocab[i] = fmt.Sprintf("w%dx", i)
	}
	c.ents = []string{"Nokia", "Ericsson", "Vodafone", "Huawei", "Samsung", "Intel", "Qualcomm", "ZTE",
		"Deutsche Telekom", "Orange", "Telefonica", "Cisco", "Juniper", "Arista", "Mavenir", "Rakuten"}
	for i := range 40 {
		c.sources = append(c.sources, fmt.Sprintf("source-%d", i))
	}
	zipf := rand.NewZipf(r, 1.1, 2, uint64(len(c.vocab)-1))
	text := func(words int) string {
		w := make([]string, words)
		for i := range w {
			w[i] = c.vocab[zipf.Uint64()]
		}
		return strings.Join(w, " ")
	}
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		u := fmt.Sprintf("https://bench.example/%d/item-%d", i%len(c.sources), i)
		ents := []string{c.ents[r.IntN(len(c.ents))]}
		if r.IntN(3) == 0 {
			ents = append(ents, c.ents[r.IntN(len(c.ents))])
		}
		c.docs = append(c.docs, index.Document{ID: index.DocID(u), URL: u, Title: text(9), Body: text(150),
			Source: c.sources[i%len(c.sources)], Published: start.Add(time.Duration(i) * time.Minute),
			Fetched:    start.Add(time.Duration(i) * time.Minute),
			Components: []string{index.Components[r.IntN(len(index.Components))]}, Entities: ents, Technologies: []string{}})
	}
	return c
}

// subscriptions returns n saved searches of the shapes people save: a
// word or two, a phrase, a word within an entity, component or source,
// an entity alone. Their words are drawn from the middle of the
// vocabulary, where a saved search matches some documents but not most.
func (c *crawlCorpus) subscriptions(n int) []index.Standing {
	r := rand.New(rand.NewPCG(uint64(n), 8))
	w := func() string { return c.vocab[20+r.IntN(3000)] }
	out := make([]index.Standing, n)
	for i := range out {
		s := index.Standing{ID: fmt.Sprintf("%016x", i)}
		switch i % 8 {
		case 0:
			s.Q = w()
		case 1:
			s.Q = w() + " " + w()
		case 2:
			s.Q = fmt.Sprintf("%q", c.vocab[2+r.IntN(40)]+" "+c.vocab[2+r.IntN(40)])
		case 3:
			s.Q = w()
			s.Entities = []string{c.ents[r.IntN(len(c.ents))]}
		case 4:
			s.Entities = []string{c.ents[r.IntN(len(c.ents))] + " Labs"} // a watched entity rarely in the news
		case 5:
			s.Q = w() + " OR " + w()
			s.Components = []string{index.Components[r.IntN(len(index.Components))]}
		case 6:
			s.Q = w()
			s.Sources = []string{c.sources[r.IntN(len(c.sources))]}
		case 7:
			s.Q = "title:" + w() + " -" + w()
		}
		out[i] = s
	}
	return out
}

// BenchmarkPercolateCrawl is a 20,000-item crawl (40 batches of 500, each
// indexed into an on-disk index, then percolated, its alerts written to a
// state store) with 0, 100 and 1,000 subscriptions. Each iteration runs
// the three crawls one after the other, so that on a shared machine the
// baseline (subs=0) sees the same load as the others; it reports each
// crawl's wall and CPU seconds, their ratios to subs=0, the alerts raised
// and the state store's growth per alert. Run it with -benchtime=1x or
// 2x: one iteration is three whole crawls.
func BenchmarkPercolateCrawl(b *testing.B) {
	const docs, batch = 20000, 500
	c := newCrawlCorpus(docs)
	counts := []int{0, 100, 1000}
	subs := map[int][]index.Standing{}
	for _, n := range counts {
		subs[n] = c.subscriptions(n)
	}
	wall, cpu, upsert, perc := map[int]time.Duration{}, map[int]time.Duration{}, map[int]time.Duration{}, map[int]time.Duration{}
	alerts, grown := map[int]int{}, map[int]int64{}
	for b.Loop() {
		for _, n := range counts {
			w, u, up, p, a, g := crawlOnce(b, c, subs[n], docs, batch)
			wall[n] += w
			cpu[n] += u
			upsert[n] += up
			perc[n] += p
			alerts[n], grown[n] = a, g
		}
	}
	for _, n := range counts {
		b.ReportMetric(wall[n].Seconds()/float64(b.N), fmt.Sprintf("s(subs=%d)", n))
		b.ReportMetric(cpu[n].Seconds()/float64(b.N), fmt.Sprintf("cpu-s(subs=%d)", n))
		if n == 0 {
			continue
		}
		b.ReportMetric(float64(wall[n])/float64(wall[0]), fmt.Sprintf("x-wall(subs=%d)", n))
		b.ReportMetric(float64(cpu[n])/float64(cpu[0]), fmt.Sprintf("x-cpu(subs=%d)", n))
		// Within the same crawl, so the same load: percolation and
		// alert writing beside the indexing.
		b.ReportMetric(float64(perc[n])/float64(upsert[n]), fmt.Sprintf("percolate/upsert(subs=%d)", n))
		b.ReportMetric(float64(alerts[n]), fmt.Sprintf("alerts(subs=%d)", n))
		if alerts[n] > 0 {
			b.ReportMetric(float64(grown[n])/float64(alerts[n]), fmt.Sprintf("store-B/alert(subs=%d)", n))
		}
	}
}

// crawlOnce runs one crawl with subs; it returns its wall and CPU time,
// the wall time of the upserts and of percolation with alert writing, the
// alerts raised and how much the state file grew.
func crawlOnce(b *testing.B, c *crawlCorpus, subs []index.Standing, docs, batch int) (wall, cpu, upsert, perc time.Duration, alerts int, grown int64) {
	b.StopTimer()
	defer b.StartTimer()
	ctx := context.Background()
	dir := b.TempDir()
	ix, err := index.Open(filepath.Join(dir, "index"))
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	st, err := store.Open(filepath.Join(dir, "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range subs {
		if _, err := st.AddSubscription(store.Subscription{Name: s.ID, Query: s.Q}); err != nil {
			b.Fatal(err)
		}
	}
	// The store's own IDs replace the synthetic ones.
	stored, err := st.Subscriptions()
	if err != nil {
		b.Fatal(err)
	}
	subs = slices.Clone(subs)
	for i := range stored {
		subs[i].ID = stored[i].ID
	}
	before := fileSize(b, filepath.Join(dir, "state.db"))
	start, startCPU := time.Now(), cpuTime(b)
	b.StartTimer()
	for from := 0; from < docs; from += batch {
		part := c.docs[from : from+batch]
		t0 := time.Now()
		if _, err := ix.Upsert(ctx, slices.Clone(part)); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		upsert += t1.Sub(t0)
		if len(subs) == 0 {
			continue
		}
		matched, failed, err := index.Percolate(ctx, part, subs)
		if err != nil || len(failed) > 0 {
			b.Fatal(err, failed)
		}
		var ms []store.Match
		for sub, ids := range matched {
			for _, id := range ids {
				ms = append(ms, store.Match{Subscription: sub, Document: id, Story: id})
			}
		}
		added, err := st.AddAlerts(ms, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		alerts += len(added)
		perc += time.Since(t1)
	}
	b.StopTimer()
	wall, cpu = time.Since(start), cpuTime(b)-startCPU
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}
	return wall, cpu, upsert, perc, alerts, fileSize(b, filepath.Join(dir, "state.db")) - before
}

func fileSize(b *testing.B, path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}
