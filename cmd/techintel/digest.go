package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/digest"
	"github.com/techintel/techintel/index/store"
)

// digester builds digests for the configured watch list.
type digester struct {
	cfg   *Config
	watch *liveWatch
	index *index.Index
	now   func() time.Time
	// reviews, when set, holds the alliance review dates: the digest then
	// has the alliance review and radar sections.
	reviews *store.Store
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
	dg, err := digest.Build(ctx, d.index, week, watch, sites)
	if err != nil || d.reviews == nil {
		return dg, err
	}
	reviewed, err := d.reviews.Reviewed()
	if err != nil {
		return nil, err
	}
	if err := digest.AddReviews(ctx, d.index, dg, reviewEntities(ws), technologyNames(ws), reviewed); err != nil {
		return nil, err
	}
	return dg, nil
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
	send := fs.Bool("send", false, "mail the digest through [digest.smtp] now instead of printing it")
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
	var mailer *digestMailer
	if *send {
		if cfg.Digest.SMTP == nil {
			return &usageError{msg: "-send: the config has no [digest.smtp] table"}
		}
		if mailer, err = newDigestMailer(cfg.Digest.SMTP); err != nil {
			return err
		}
	}
	dd, err := datadir.Open(cfg.DataDir)
	if datadir.IsInUse(err) {
		// serve holds the index: ask its API.
		if mailer != nil {
			text, terr := apiGet(ctx, cfg, "/api/v1/digest", url.Values{"week": {*week}, "format": {"markdown"}}, err)
			if terr != nil {
				return terr
			}
			html, herr := apiGet(ctx, cfg, "/api/v1/digest", url.Values{"week": {*week}, "format": {"html"}}, err)
			if herr != nil {
				return herr
			}
			return mailNow(ctx, mailer, *week, text, html, stdout)
		}
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
	d, err := digester{cfg: cfg, watch: lw, index: dd.Index, now: time.Now, reviews: dd.Store}.Digest(ctx, *week)
	if err != nil {
		return err
	}
	if mailer != nil {
		text, html, err := renderForMail(d)
		if err != nil {
			return err
		}
		return mailNow(ctx, mailer, *week, text, html, stdout)
	}
	return renderDigest(stdout, d, *format)
}

// mailNow sends one digest (digest -send) and says to whom.
func mailNow(ctx context.Context, m *digestMailer, week string, text, html []byte, stdout io.Writer) error {
	if err := m.send(ctx, week, text, html); err != nil {
		return err
	}
	to := make([]string, len(m.to))
	for i, a := range m.to {
		to[i] = a.Address
	}
	_, err := fmt.Fprintf(stdout, "digest %s mailed to %s\n", week, strings.Join(to, ", "))
	return err
}

// weeklyDigestJob is the [digest] schedule's job: it writes the last
// complete week's digest to the data directory and, with [digest.smtp],
// mails it (retrying a few times). A mail failure does not undo the files,
// and a file failure does not stop the mail.
func weeklyDigestJob(ctx context.Context, cfg *Config, lw *liveWatch, ix *index.Index, mailer *digestMailer, now time.Time, log *slog.Logger) {
	d, err := writeWeeklyDigest(ctx, cfg, lw, ix, now, log)
	if err != nil {
		log.Error("weekly digest failed", slog.Any("error", err))
	}
	if d == nil || mailer == nil {
		return
	}
	if err := mailer.sendWithRetries(ctx, d, log); err != nil {
		log.Error("weekly digest mail failed", slog.Any("error", err))
	}
}

// writeWeeklyDigest writes the last complete week's digest into
// data_dir/digests/ in every format, and returns it (with an error, too,
// when it could not be written).
func writeWeeklyDigest(ctx context.Context, cfg *Config, lw *liveWatch, ix *index.Index, now time.Time, log *slog.Logger) (*digest.Digest, error) {
	dg := digester{cfg: cfg, watch: lw, index: ix, now: func() time.Time { return now }}
	week := dg.LastCompleteWeek()
	d, err := dg.Digest(ctx, week)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(cfg.DataDir, "digests")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return d, fmt.Errorf("digest: %w", err)
	}
	for ext, format := range map[string]string{"json": "json", "md": "markdown", "html": "html"} {
		var buf bytes.Buffer
		if err := renderDigest(&buf, d, format); err != nil {
			return d, err
		}
		path := filepath.Join(dir, week+"."+ext)
		// Write then rename, so a reader never sees half a digest.
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, buf.Bytes(), 0o640); err != nil {
			return d, fmt.Errorf("digest: %w", err)
		}
		if err := os.Rename(tmp, path); err != nil {
			return d, errors.Join(fmt.Errorf("digest: %w", err), os.Remove(tmp))
		}
	}
	log.Info("weekly digest written", slog.String("week", week), slog.String("dir", dir))
	return d, nil
}
