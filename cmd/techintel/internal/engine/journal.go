package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"syscall"

	"github.com/techintel/techintel/index"
)

// ReplayJournal raises the alerts of batches that were written to the
// index but whose alerts may not have been stored because the process
// died in between (store.JournalAdd). Documents of a batch that never
// reached the index are skipped. It runs before anything is gathered.
func (g *Gatherer) ReplayJournal(ctx context.Context) (int, error) {
	pending, err := g.store.Pending()
	if err != nil || len(pending) == 0 {
		return 0, err
	}
	var docs, alerts int
	for _, b := range pending {
		var batch []index.Document
		for _, id := range b.IDs {
			d, err := g.index.Get(ctx, id)
			if errors.Is(err, index.ErrNotFound) {
				continue // the batch did not reach the index
			}
			if err != nil {
				return alerts, fmt.Errorf("journal replay: %w", err)
			}
			batch = append(batch, *d)
		}
		n, err := g.alerts.percolate(ctx, batch)
		if err != nil {
			return alerts, fmt.Errorf("journal replay: alerts: %w", err)
		}
		if err := g.store.JournalDone(b.Seq); err != nil {
			return alerts, fmt.Errorf("journal replay: %w", err)
		}
		docs += len(batch)
		alerts += n
	}
	g.log.Info("replayed the ingest journal after an unclean stop",
		slog.Int("batches", len(pending)), slog.Int("documents", docs), slog.Int("alerts", alerts))
	return alerts, nil
}

// indexWriteError says that writing the index or its journal failed, and
// why in plain words for the usual causes (a full disk, a file size
// limit, a read-only or unwritable data directory).
func indexWriteError(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	for _, c := range []struct {
		errno syscall.Errno
		why   string
	}{
		{syscall.ENOSPC, "no space left on device"},
		{syscall.EDQUOT, "disk quota exceeded"},
		{syscall.EFBIG, "file too large (a file size limit was reached)"},
		{syscall.EROFS, "the data directory is on a read-only file system"},
		{syscall.EACCES, "permission denied on the data directory"},
		{syscall.EPERM, "operation not permitted on the data directory"},
	} {
		if errors.Is(err, c.errno) {
			return fmt.Errorf("index write failed: %s: %w", c.why, err)
		}
	}
	return fmt.Errorf("index write failed: %w", err)
}
