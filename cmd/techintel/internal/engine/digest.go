package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/digest"
	"github.com/techintel/techintel/index/store"
)

// digester builds digests for the configured watch list.
type digester struct {
	cfg   *Settings
	watch *liveWatch
	index *index.Index
	now   func() time.Time
	// reviews, when set, holds the alliance review dates: the digest then
	// has the alliance review and radar sections.
	reviews *store.Store
}

var _ api.Digests = digester{}

// digester is the one digest of g: the API's, the web page's and the
// weekly files' (with the alliance review and radar sections), as of now.
func (g *Gatherer) digester(now func() time.Time) digester {
	return digester{cfg: g.cfg, watch: g.watch, index: g.index, now: now, reviews: g.store}
}

func (d digester) Digest(ctx context.Context, week string) (*digest.Digest, error) {
	ws := d.watch.get()
	watch := make([]digest.Entity, len(ws.Watch))
	for i, w := range ws.Watch {
		watch[i] = digest.Entity{Name: w.Name, Role: w.Role}
	}
	var sites []string
	for _, s := range d.cfg.Sources {
		if s.Type == SourceSite {
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

// weeklyDigestJob is the [digest] schedule's job: it writes the last
// complete week's digest to the data directory and, with [digest.smtp],
// mails it (retrying a few times). A mail failure does not undo the files,
// and a file failure does not stop the mail.
func weeklyDigestJob(ctx context.Context, dg digester, mailer *DigestMailer, log *slog.Logger) {
	d, err := writeWeeklyDigest(ctx, dg, log)
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
// when it could not be written). dg is the digester the API answers
// with, and digest.Write its renderer, so that the files hold what
// GET /api/v1/digest shows for that week.
func writeWeeklyDigest(ctx context.Context, dg digester, log *slog.Logger) (*digest.Digest, error) {
	week := dg.LastCompleteWeek()
	d, err := dg.Digest(ctx, week)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(dg.cfg.DataDir, "digests")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return d, fmt.Errorf("digest: %w", err)
	}
	for ext, format := range map[string]string{"json": "json", "md": "markdown", "html": "html"} {
		var buf bytes.Buffer
		if err := digest.Write(&buf, d, format); err != nil {
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

// RenderDigest writes a digest in one of the formats (digest.Write).
func RenderDigest(w io.Writer, d *digest.Digest, format string) error {
	return digest.Write(w, d, format)
}

// DigestOf computes the digest of week over an open data directory with
// s's watch list and sources (the digest command, without serve).
func DigestOf(ctx context.Context, s *Settings, d *datadir.Dir, week string) (*digest.Digest, error) {
	lw, err := newLiveWatch(s)
	if err != nil {
		return nil, err
	}
	return digester{cfg: s, watch: lw, index: d.Index, now: time.Now, reviews: d.Store}.Digest(ctx, week)
}

// WeeklyDigestJob writes the weekly digest of the week before now into
// the data directory and mails it when mailer is set, as the scheduler
// does every week.
func WeeklyDigestJob(ctx context.Context, g *Gatherer, mailer *DigestMailer, now time.Time, log *slog.Logger) {
	weeklyDigestJob(ctx, g.digester(func() time.Time { return now }), mailer, log)
}
