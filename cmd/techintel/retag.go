package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
	"github.com/techintel/techintel/cmd/techintel/internal/engine"
)

// cmdRetag re-applies the current watch list and technologies to every
// stored document, without fetching anything.
func cmdRetag(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("retag", stderr)
	configPath := fs.String("config", "", "config file (TOML)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfigFlag(*configPath)
	if err != nil {
		return err
	}
	d, err := datadir.Open(cfg.DataDir)
	if datadir.IsInUse(err) {
		// serve holds the index: it reloads the watch list and retags
		// on SIGHUP.
		pid, serr := signalServe(cfg.DataDir)
		if serr != nil {
			return fmt.Errorf("%w; and could not ask serve to retag: %v", err, serr)
		}
		fmt.Fprintf(stdout, "techintel serve (PID %d) holds the data directory: asked it to reload the watch list and retag (see its log)\n", pid)
		return nil
	}
	if err != nil {
		return err
	}
	e := engine.New(engine.Options{Settings: cfg.settings(), Dir: d})
	if err := e.Open(ctx); err != nil {
		return err
	}
	defer e.Close(context.WithoutCancel(ctx))
	g := e.Gatherer()
	total, err := d.Index.Count()
	if err != nil {
		return err
	}
	start := time.Now()
	seen, changed, err := g.Retag(ctx, func(seen, changed int) {
		fmt.Fprintf(stderr, "\r%s %d/%d documents, %d retagged", progressBar(seen, int(total), 30), seen, total, changed)
	})
	fmt.Fprintln(stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "retagged %d of %d documents in %s\n", changed, seen, time.Since(start).Round(time.Millisecond))
	return nil
}

// progressBar draws [=====>    ].
func progressBar(done, total, width int) string {
	if total <= 0 {
		total = 1
	}
	n := min(done*width/total, width)
	bar := make([]byte, width)
	for i := range bar {
		switch {
		case i < n:
			bar[i] = '='
		case i == n:
			bar[i] = '>'
		default:
			bar[i] = ' '
		}
	}
	return "[" + string(bar) + "]"
}
