package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
	"github.com/techintel/techintel/cmd/techintel/internal/engine"
)

// cmdCrawl runs every source, or one, once and prints a summary. It exits
// non-zero if any source failed, saying which and why.
func cmdCrawl(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("crawl", stderr)
	configPath := fs.String("config", "", "config file (TOML)")
	source := fs.String("source", "", "run only this source")
	verbose := fs.Bool("v", false, "log every page and item")
	demoWorld := fs.Bool("demo-world", false, "read every source from the bundled offline demo world instead of its URL, into a temporary data directory (to try a config)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
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
// summary; it is shared by crawl and demo.
func crawlAndReport(ctx context.Context, g *engine.Gatherer, names []string, stdout io.Writer) error {
	start := time.Now()
	if len(names) == 0 {
		for _, s := range g.Settings().Sources {
			names = append(names, s.Name)
		}
	}
	var total struct{ fetched, new, updated, failed int }
	var failed []string
	for _, name := range names {
		if ctx.Err() != nil {
			return fmt.Errorf("crawl interrupted: %w", ctx.Err())
		}
		src, _ := g.Settings().Source(name)
		fmt.Fprintf(stdout, "%s (%s) %s\n", name, src.Type, src.URL)
		t0 := time.Now()
		res, err := g.RunSource(ctx, name)
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
			res.Fetched, res.New, res.Updated, time.Since(t0).Round(time.Millisecond), status)
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
