package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/digest"
)

// digester builds digests for the configured watch list.
type digester struct {
	cfg   *Config
	watch *liveWatch
	index *index.Index
	now   func() time.Time
}

var _ api.Digests = digester{}

func (d digester) Digest(ctx context.Context, week string) (*digest.Digest, error) {
	ws := d.watch.get()
	watch := make([]digest.Entity, len(ws.Watch))
	for i, w := range ws.Watch {
		watch[i] = digest.Entity{Name: w.Name, Role: w.Role}
	}
	var sites []string
	for _, s := range d.cfg.Sources {
		if s.Type == sourceSite {
			sites = append(sites, s.Name)
		}
	}
	return digest.Build(ctx, d.index, week, watch, sites)
}

func (d digester) LastCompleteWeek() string { return digest.LastCompleteWeek(d.now()) }

// renderDigest writes a digest in one of the formats.
func renderDigest(w io.Writer, d *digest.Digest, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(d)
	case "markdown":
		return digest.WriteMarkdown(w, d)
	case "html":
		return digest.WriteHTML(w, d)
	}
	return &usageError{msg: fmt.Sprintf("-format: %q is not markdown, html or json", format)}
}

// cmdDigest prints the weekly digest.
func cmdDigest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("digest", stderr)
	configPath := fs.String("config", "", "config file (TOML)")
	week := fs.String("week", "", "ISO week, e.g. 2026-W47 (default: the last complete week)")
	format := fs.String("format", "markdown", "markdown, html or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format != "markdown" && *format != "html" && *format != "json" {
		return &usageError{msg: fmt.Sprintf("-format: %q is not markdown, html or json", *format)}
	}
	cfg, err := loadConfigFlag(*configPath)
	if err != nil {
		return err
	}
	if *week == "" {
		*week = digest.LastCompleteWeek(time.Now())
	}
	if _, err := digest.ParseWeek(*week); err != nil {
		return &usageError{msg: "-week: " + err.Error()}
	}
	dd, err := openDataDir(cfg.DataDir)
	if isInUse(err) {
		// serve holds the index: ask its API.
		body, err := apiGet(ctx, cfg, "/api/v1/digest", url.Values{"week": {*week}, "format": {*format}}, err)
		if err != nil {
			return err
		}
		_, err = stdout.Write(body)
		return err
	}
	if err != nil {
		return err
	}
	defer dd.Close()
	lw, err := newLiveWatch(cfg)
	if err != nil {
		return err
	}
	d, err := digester{cfg: cfg, watch: lw, index: dd.index, now: time.Now}.Digest(ctx, *week)
	if err != nil {
		return err
	}
	return renderDigest(stdout, d, *format)
}

// writeWeeklyDigest writes the last complete week's digest into
// data_dir/digests/ in every format; the [digest] schedule calls it.
func writeWeeklyDigest(ctx context.Context, cfg *Config, lw *liveWatch, ix *index.Index, now time.Time, log *slog.Logger) error {
	dg := digester{cfg: cfg, watch: lw, index: ix, now: func() time.Time { return now }}
	week := dg.LastCompleteWeek()
	d, err := dg.Digest(ctx, week)
	if err != nil {
		return err
	}
	dir := filepath.Join(cfg.DataDir, "digests")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("digest: %w", err)
	}
	for ext, format := range map[string]string{"json": "json", "md": "markdown", "html": "html"} {
		var buf bytes.Buffer
		if err := renderDigest(&buf, d, format); err != nil {
			return err
		}
		path := filepath.Join(dir, week+"."+ext)
		// Write then rename, so a reader never sees half a digest.
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, buf.Bytes(), 0o640); err != nil {
			return fmt.Errorf("digest: %w", err)
		}
		if err := os.Rename(tmp, path); err != nil {
			return errors.Join(fmt.Errorf("digest: %w", err), os.Remove(tmp))
		}
	}
	log.Info("weekly digest written", slog.String("week", week), slog.String("dir", dir))
	return nil
}
