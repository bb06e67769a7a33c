package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
	"github.com/techintel/techintel/cmd/techintel/internal/engine"
	"github.com/techintel/techintel/cmd/techintel/internal/schedule"
)

// cmdCrawl runs every source, or one, once and prints a summary. It exits
// non-zero if any source failed, saying which and why.
func cmdCrawl(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	stdout = &syncWriter{w: stdout} // sources run, and print, at once
	fs := newFlags("crawl", stderr)
	configPath := fs.String("config", "", "config file (TOML)")
	source := fs.String("source", "", "run only this source")
	verbose := fs.Bool("v", false, "log every page and item")
	demoWorld := fs.Bool("demo-world", false, "read every source from the bundled offline demo world instead of its URL, into a temporary data directory (to try a config)")
	var prof profiles // only the CPU profile: of the whole crawl, start-up and close included
	fs.StringVar(&prof.cpuPath, "cpuprofile", "", "write a CPU profile of the whole crawl to this file (go tool pprof)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := prof.open(); err != nil {
		return err
	}
	if err := prof.startCPU(); err != nil {
		return err
	}
	defer func() { err = errors.Join(err, prof.stop()) }()
	cfg, err := loadConfigFlag(*configPath)
	if err != nil {
		return err
	}
	var names []string
	if *source != "" {
		if _, ok := cfg.source(*source); !ok {
			return &usageError{msg: fmt.Sprintf("-source: no source named %q in %s", *source, *configPath)}
		}
		names = []string{*source}
	}
	if *demoWorld {
		stop, err := useDemoWorld(cfg, stdout)
		if err != nil {
			return err
		}
		defer stop()
	}
	d, err := datadir.OpenFor(cfg.DataDir, "while techintel serve runs, trigger a source with POST /api/v1/sources/NAME/run")
	if err != nil {
		return err
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	var h slog.Handler = slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})
	if !*verbose {
		h = quietHandler{h}
	}
	log := slog.New(h)
	e := engine.New(engine.Options{Settings: cfg.settings(), Log: log, Dir: d, ReplayJournal: true,
		Progress: progressPrinter(stdout)})
	if err := e.Open(ctx); err != nil {
		return err
	}
	err = crawlAndReport(ctx, e.Gatherer(), names, stdout)
	return errors.Join(err, e.Close(context.WithoutCancel(ctx)))
}

// crawlAndReport runs the sources and prints one line per source and a
// summary; it is shared by crawl and demo. The sources fetch at once, up
// to schedule.MaxConcurrentRuns (and as many per host as the gatherer
// allows), as serve runs them: one source's fetch overlaps another's
// parsing and indexing, a source waiting for the index gives its slot to
// the next, and batches that finish together share one index write
// (group commit). Each source's lines are printed together, in the
// order of names, as soon as it and those before it have finished.
func crawlAndReport(ctx context.Context, g *engine.Gatherer, names []string, stdout io.Writer) error {
	start := time.Now()
	if len(names) == 0 {
		for _, s := range g.Settings().Sources {
			names = append(names, s.Name)
		}
	}
	type outcome struct {
		res  api.RunResult
		err  error
		took time.Duration
		done chan struct{}
	}
	outs := make([]outcome, len(names))
	slots := make(chan struct{}, schedule.MaxConcurrentRuns)
	slot := func(ctx context.Context) (func(), error) {
		select {
		case slots <- struct{}{}:
			return func() { <-slots }, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	for i, name := range names {
		o := &outs[i]
		o.done = make(chan struct{})
		wg.Go(func() {
			defer close(o.done)
			if ctx.Err() != nil {
				o.err = ctx.Err()
				return
			}
			t0 := time.Now()
			o.res, o.err = g.RunSourceSlot(ctx, name, slot)
			o.took = time.Since(t0)
		})
	}
	var total struct{ fetched, new, updated, failed int }
	var failed []string
	for i, name := range names {
		o := &outs[i]
		<-o.done
		if ctx.Err() != nil {
			return fmt.Errorf("crawl interrupted: %w", ctx.Err())
		}
		src, _ := g.Settings().Source(name)
		fmt.Fprintf(stdout, "%s (%s) %s\n", name, src.Type, src.URL)
		res, err := o.res, o.err
		total.fetched += res.Fetched
		total.new += res.New
		total.updated += res.Updated
		status := "ok"
		if err != nil {
			status = "FAILED: " + err.Error()
			total.failed++
			failed = append(failed, fmt.Sprintf("%s (%v)", name, err))
		} else if len(res.Errors) > 0 {
			status = fmt.Sprintf("ok, %d problems:", len(res.Errors))
		}
		fmt.Fprintf(stdout, "  fetched %d, new %d, updated %d in %s: %s\n",
			res.Fetched, res.New, res.Updated, o.took.Round(time.Millisecond), status)
		if err == nil {
			for _, e := range res.Errors {
				fmt.Fprintf(stdout, "    - %s\n", e)
			}
		}
	}
	fmt.Fprintf(stdout, "\n%d sources: fetched %d, new %d, updated %d, failed %d (%s)\n",
		len(names), total.fetched, total.new, total.updated, total.failed, time.Since(start).Round(time.Millisecond))
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d sources failed: %s", len(failed), len(names), strings.Join(failed, "; "))
	}
	return nil
}
