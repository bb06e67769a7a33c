package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/techintel/techintel/cmd/techintel/internal/cluster"
	"github.com/techintel/techintel/cmd/techintel/internal/cluster/natstest"
	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
	"github.com/techintel/techintel/cmd/techintel/internal/engine"
)

// BenchmarkRefreshRound is one refresh round of many feeds on slow
// servers (each answers after 200 ms, as a distant server does), spread
// over many hosts: in one process (serve's run pool), and through NATS
// with 1, 2 and 4 workers (8 runs each) and serve indexing the documents
// stream. TECHINTEL_BENCH_FEEDS (default 2000, over feeds/10 hosts) sizes
// it. Run with -benchtime=1x: a round is seconds to a minute.
func BenchmarkRefreshRound(b *testing.B) {
	feeds := 2000
	if v, err := strconv.Atoi(os.Getenv("TECHINTEL_BENCH_FEEDS")); err == nil && v > 0 {
		feeds = v
	}
	hosts := max(1, feeds/10)
	servers := make([]*httptest.Server, hosts)
	for i := range servers {
		var srv *httptest.Server
		srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(200 * time.Millisecond) // the slow server being simulated, not a wait in the test
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title>`, r.URL.Path)
			for j := range 3 {
				fmt.Fprintf(w, `<item><guid>%[1]s-%[2]d</guid><title>Item %[2]d</title><link>%[3]s%[1]s/%[2]d</link><description>Radio news %[2]d.</description></item>`,
					r.URL.Path, j, srv.URL)
			}
			fmt.Fprint(w, `</channel></rss>`)
		}))
		servers[i] = srv
		b.Cleanup(srv.Close)
	}
	config := func(b *testing.B, natsURL string) *Config {
		var sb strings.Builder
		sb.WriteString("[http]\nallow_private_networks = true\n")
		if natsURL != "" {
			fmt.Fprintf(&sb, "[cluster]\nnats_url = %q\n", natsURL)
		}
		for i := range feeds {
			fmt.Fprintf(&sb, "[[sources]]\nname = \"feed-%d\"\ntype = \"feed\"\nurl = \"%s/feed/%d\"\nschedule = \"@every 24h\"\n",
				i, servers[i%hosts].URL, i)
		}
		cfg, err := ParseConfig(sb.String())
		if err != nil {
			b.Fatal(err)
		}
		cfg.DataDir = filepath.Join(b.TempDir(), "data")
		return cfg
	}
	names := make([]string, feeds)
	for i := range names {
		names[i] = fmt.Sprintf("feed-%d", i)
	}

	b.Run("single-process", func(b *testing.B) {
		cfg := config(b, "")
		d, err := datadir.Open(cfg.DataDir)
		if err != nil {
			b.Fatal(err)
		}
		defer d.Close()
		g, err := engine.NewGatherer(cfg.settings(), d, newLogger(io.Discard))
		if err != nil {
			b.Fatal(err)
		}
		pool := g.RunPool()
		for b.Loop() {
			pool.RunAll(context.Background(), names, nil)
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/round")
	})
	for _, workers := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("workers-%d", workers), func(b *testing.B) {
			ns := natstest.Start(b)
			cfg := config(b, ns.URL())
			e, conn := openClusterEngineB(b, cfg)
			for range workers {
				startWorker(b, cfg)
			}
			round := 0
			for b.Loop() {
				round++
				start, err := e.Gatherer().Store().StreamSeq()
				if err != nil {
					b.Fatal(err)
				}
				slot := time.Date(2030, 1, round, 0, 0, 0, 0, time.UTC)
				publish := engine.PublishRun(conn, nil)
				for _, name := range names {
					if err := publish(context.Background(), e.Gatherer(), name, slot); err != nil {
						b.Fatal(err)
					}
				}
				waitFor(b, "the round committed", func() bool {
					seq, err := e.Gatherer().Store().StreamSeq()
					return err == nil && seq >= start+uint64(feeds)
				})
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/round")
		})
	}
}

// openClusterEngineB is serve's indexer in a cluster without a schedule:
// the benchmark publishes the rounds itself.
func openClusterEngineB(b *testing.B, cfg *Config) (*engine.Engine, *cluster.Conn) {
	b.Helper()
	log := newLogger(io.Discard)
	conn, err := connectCluster(b.Context(), cfg, "serve", log)
	if err != nil {
		b.Fatal(err)
	}
	e := engine.New(engine.Options{Settings: cfg.settings(), Log: log, Consume: engine.ConsumeBatches(conn, "indexer", nil)})
	if err := e.Open(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = e.Close(context.Background()); _ = conn.Close() })
	return e, conn
}
