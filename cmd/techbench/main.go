// Command techbench measures techintel at scale against bare bleve on the
// same documents, in one run: it generates documents from real text
// (Debian's package descriptions, plus sentences of real articles when
// -texts names a folder of expected.html files), serves them as RSS feeds
// on loopback, ingests them with `techintel crawl` (the whole process)
// and into a bare bleve index with the same mapping, starts `techintel
// serve` on the result, and runs a mix of searches through the API and
// the same request against the bare index, alternating.
//
// It reports ingest documents a second (and the ratio to bare bleve),
// search p50/p99 (and the ratio), serve's start-up time to the first
// answered search, serve's peak resident memory, and disk per document.
//
// Usage:
//
//	go build -o techintel ./cmd/techintel
//	go run ./cmd/techbench -bin ./techintel -size 100000 [-searches 200] [-subs 0] [-texts DIR] [-dir DIR] [-keep]
//	go run ./cmd/techbench -bin ./techintel -reuse DIR -size 100000   # searches only, on a kept run
//	go run ./cmd/techbench -bin ./techintel -ingest direct -sizes 1000000,3000000 -texts DIR -dir DIR   # measured at each size
//
// It is a benchmark, not a test: it loads the machine for minutes and
// needs about 9 KB of disk per document (both indexes).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "techbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("techbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	fs.StringVar(&cfg.bin, "bin", "./techintel", "the techintel binary to measure")
	fs.IntVar(&cfg.size, "size", 20000, "documents to generate and ingest")
	fs.IntVar(&cfg.searches, "searches", 200, "searches of the mix, each through the API and against bare bleve")
	fs.IntVar(&cfg.subs, "subs", 0, "subscriptions saved before the crawl (percolation cost)")
	fs.IntVar(&cfg.perFeed, "per-feed", 500, "items per feed (one source each)")
	fs.StringVar(&cfg.packages, "packages", "", "a Debian Packages file (default: the output of apt-cache dumpavail)")
	fs.StringVar(&cfg.texts, "texts", "", "a folder of expected.html articles whose sentences fill the bodies (optional)")
	fs.StringVar(&cfg.dir, "dir", "", "working folder (default: a new temporary one); both indexes go there")
	fs.StringVar(&cfg.reuse, "reuse", "", "a folder kept by -keep: skip ingest, only start serve and search")
	fs.BoolVar(&cfg.keep, "keep", false, "keep the working folder (it is deleted otherwise)")
	fs.BoolVar(&cfg.skipBare, "skip-bare-ingest", false, "reuse the bare index of -reuse as is")
	fs.StringVar(&cfg.ingest, "ingest", "crawl", "how the product's index is built: crawl (the whole techintel crawl process, from feeds on loopback) or direct (index.Upsert of -batch documents at a time: no fetching, parsing or tagging; for 1M and more)")
	fs.IntVar(&cfg.batch, "batch", 5000, "with -ingest direct: documents per Upsert and per bare bleve batch")
	fs.IntVar(&cfg.bareBatch, "bare-batch", 0, "with -ingest crawl: documents per bare bleve batch (default: -per-feed, one feed's documents, as the crawl gets them; the crawl itself commits up to 2,000 at a time)")
	fs.StringVar(&cfg.profile, "profile", "", "a folder for serve's CPU profile of the search mix and its heap profile at the stop (serve.cpu.pprof, serve.heap.pprof)")
	fs.StringVar(&cfg.crawlProfile, "crawl-profile", "", "write a CPU profile of the techintel crawl to this file")
	sizes := fs.String("sizes", "", "with -ingest direct: checkpoints, ascending and comma-separated (1000000,3000000): both indexes grow to each in turn and are measured there; the last is the size")
	fs.IntVar(&cfg.serveMemMB, "serve-memory-limit", 0, "run the measured serve in a cgroup v1 memory group of this many MB (needs root; page cache included, which the kernel reclaims first): does it search within that much memory, and how fast")
	fs.BoolVar(&cfg.newestFirst, "newest-first", false, "write the documents newest first (a feed's order, as a first crawl of an archive) instead of in time order")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.size < 1 || cfg.searches < 1 || cfg.perFeed < 1 || cfg.subs < 0 || cfg.batch < 1 || cfg.bareBatch < 0 || cfg.serveMemMB < 0 {
		return errors.New("-size, -searches, -per-feed and -batch must be at least 1, -subs, -bare-batch and -serve-memory-limit not negative")
	}
	if cfg.ingest != "crawl" && cfg.ingest != "direct" {
		return fmt.Errorf("-ingest %q: must be crawl or direct", cfg.ingest)
	}
	if cfg.ingest == "direct" && cfg.subs > 0 {
		return errors.New("-subs needs -ingest crawl: a direct ingest percolates nothing")
	}
	if *sizes != "" {
		if cfg.ingest != "direct" {
			return errors.New("-sizes needs -ingest direct")
		}
		for f := range strings.SplitSeq(*sizes, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 || len(cfg.sizes) > 0 && n <= cfg.sizes[len(cfg.sizes)-1] {
				return fmt.Errorf("-sizes %q: want ascending positive numbers, as 1000000,3000000", *sizes)
			}
			cfg.sizes = append(cfg.sizes, n)
		}
		cfg.size = cfg.sizes[len(cfg.sizes)-1]
	} else {
		cfg.sizes = []int{cfg.size}
	}
	if cfg.reuse != "" && len(cfg.sizes) > 1 {
		return errors.New("-sizes and -reuse: a kept run is measured at its one size")
	}
	return bench(ctx, cfg, stdout, stderr)
}
