package cluster

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/techintel/techintel/cmd/techintel/internal/cluster/natstest"
	"github.com/techintel/techintel/cmd/techintel/internal/gather"
	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/tag"
)

// BenchmarkQueueOverhead is the cost of the queue on a CPU-bound ingest:
// 20,000 items of about 2 KB in 200 feeds on loopback (no delay), each
// parsed, tagged and upserted into a bleve index on disk, in process (8
// runs at once, each committing its batch) beside the same through NATS
// (one worker of 8 runs publishing to the documents stream, an indexer
// committing each batch as it arrives). It reports both wall times and
// their ratio: queue-x is the queue's time over the in-process one.
//
//	go test -run='^$' -bench=QueueOverhead -benchtime=1x ./cmd/techintel/internal/cluster/
//
// (TECHINTEL_BENCH_ITEMS sets the number of items; 20,000 by default.)
//
// The commit here is tag and upsert, lighter than serve's (which also
// keeps the identity, the journal and the state store in bbolt), so the
// ratio overstates the overhead a serve sees.
func BenchmarkQueueOverhead(b *testing.B) {
	const items = 100
	feeds := 200
	if v, err := strconv.Atoi(os.Getenv("TECHINTEL_BENCH_ITEMS")); err == nil && v >= items {
		feeds = v / items
	}
	srv := httptest.NewServer(corpusHandler(items))
	b.Cleanup(srv.Close)
	tg, err := tag.New([]tag.Entity{{Name: "Nokia", Role: "own"}, {Name: "Ericsson", Role: "competitor"}, {Name: "Intel", Role: "partner"}},
		[]tag.Technology{{Name: "Open RAN", Aliases: []string{"O-RAN"}}, {Name: "6G"}})
	if err != nil {
		b.Fatal(err)
	}
	commitDocs := func(ctx context.Context, ix *index.Index, docs []index.Document) error {
		if len(docs) == 0 {
			return nil
		}
		for i := range docs {
			tg.Tag(&docs[i], nil)
		}
		_, err := ix.Upsert(ctx, docs)
		return err
	}
	job := func(i int) gather.Job {
		return gather.Job{Source: fmt.Sprintf("feed-%d", i), Kind: gather.KindFeed, URL: fmt.Sprintf("%s/feed/%d", srv.URL, i)}
	}
	openIndex := func() *index.Index {
		ix, err := index.Open(filepath.Join(b.TempDir(), "index"))
		if err != nil {
			b.Fatal(err)
		}
		return ix
	}
	countIs := func(ix *index.Index, want int) {
		if n, err := ix.Count(); err != nil || int(n) != want {
			b.Fatalf("%d documents indexed (%v), want %d", n, err, want)
		}
	}

	ns := natstest.Start(b)
	conn, err := Connect(context.Background(), Options{URL: ns.URL(), Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = conn.Close() })

	var inProc, queued time.Duration
	round := 0
	for b.Loop() {
		round++
		// In process: 8 runs at once, each committing its batches.
		ix := openIndex()
		start := time.Now()
		next := make(chan int)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				f := newFetcher()
				for i := range next {
					err := f.Fetch(context.Background(), job(i), func(bt gather.Batch) error {
						return commitDocs(context.Background(), ix, bt.Documents)
					})
					if err != nil {
						b.Error(err)
					}
				}
			})
		}
		for i := range feeds {
			next <- i
		}
		close(next)
		wg.Wait()
		inProc += time.Since(start)
		b.Logf("round %d: in process %v", round, time.Since(start))
		countIs(ix, feeds*items)
		_ = ix.Close()

		// Through the queue: the same fetches and commits, with the
		// documents stream between them.
		ix = openIndex()
		seq, err := conn.DocsSeq(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		var finals atomic.Int32
		var bg sync.WaitGroup
		bg.Go(func() {
			err := conn.RunWorker(ctx, WorkerOptions{Fetcher: newFetcher(), Name: "bench", Runs: 8, MaxRunsPerHost: 8})
			if err != nil {
				b.Error(err)
			}
		})
		bg.Go(func() {
			err := conn.RunIndexer(ctx, IndexerOptions{Durable: fmt.Sprintf("bench-%d", round), StartSeq: seq + 1,
				Commit: func(ctx context.Context, ds []Delivery) error {
					for _, d := range ds {
						if err := commitDocs(ctx, ix, d.Batch.Documents); err != nil {
							return err
						}
						if d.Batch.Final {
							finals.Add(1)
						}
					}
					return nil
				}})
			if err != nil {
				b.Error(err)
			}
		})
		start = time.Now()
		slot := time.Date(2030, 1, 1, 0, round, 0, 0, time.UTC)
		for i := range feeds {
			if err := conn.PublishJob(context.Background(), Job{Job: job(i), Slot: slot}); err != nil {
				b.Fatal(err)
			}
		}
		deadline := time.Now().Add(10 * time.Minute)
		for int(finals.Load()) < feeds {
			if time.Now().After(deadline) {
				b.Fatalf("%d of %d runs committed after 10 minutes", finals.Load(), feeds)
			}
			time.Sleep(5 * time.Millisecond) // polling for the last commit
		}
		queued += time.Since(start)
		b.Logf("round %d: through the queue %v", round, time.Since(start))
		cancel()
		bg.Wait()
		countIs(ix, feeds*items)
		_ = ix.Close()
	}
	b.ReportMetric(float64(inProc.Milliseconds())/float64(b.N), "in-process-ms")
	b.ReportMetric(float64(queued.Milliseconds())/float64(b.N), "queue-ms")
	b.ReportMetric(float64(queued)/float64(inProc), "queue-x")
}

// corpusHandler serves /feed/N: RSS feeds of items news-like items of
// about 2 KB each, drawn from a fixed seed per feed.
func corpusHandler(items int) http.Handler {
	syll := []string{"ra", "to", "mi", "ne", "ko", "sa", "ve", "lu", "pri", "stan", "dar", "net", "wor", "con", "tel", "dis"}
	names := []string{"Nokia", "Ericsson", "Intel's", "Open RAN", "6G", "O-RAN"}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		feed := strings.TrimPrefix(r.URL.Path, "/feed/")
		var seed uint64
		for _, c := range feed {
			seed = seed*131 + uint64(c)
		}
		rng := rand.New(rand.NewPCG(seed, 11))
		words := func(k int) string {
			var sb strings.Builder
			for i := range k {
				if i > 0 {
					sb.WriteByte(' ')
				}
				if rng.IntN(40) == 0 {
					sb.WriteString(names[rng.IntN(len(names))])
					continue
				}
				for range 2 + rng.IntN(3) {
					sb.WriteString(syll[rng.IntN(len(syll))])
				}
			}
			return sb.String()
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		var sb strings.Builder
		sb.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>corpus</title>`)
		for i := range items {
			fmt.Fprintf(&sb, "<item><title>%s</title><link>https://corpus.example/%s/%d</link><guid>%s-%d</guid><description><![CDATA[<p>%s</p><p>%s</p>]]></description></item>",
				words(8), feed, i, feed, i, words(150), words(150))
		}
		sb.WriteString("</channel></rss>")
		_, _ = w.Write([]byte(sb.String()))
	})
}
