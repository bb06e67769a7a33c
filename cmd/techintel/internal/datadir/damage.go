package datadir

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/store"
)

// ErrDamaged: the data directory failed its check at start.
var ErrDamaged = errors.New("data directory damaged")

// CheckOptions are Check's.
type CheckOptions struct {
	// Repair moves a damaged index or state store aside and creates it
	// afresh instead of refusing the directory.
	Repair bool
	// Full reads every segment of the index, not only those not
	// verified by an earlier check (index.CheckOptions).
	Full bool
}

// Check checks the index and the state store before serve opens
// them, and each against the other (documents without a state store, a
// state store without its index: one of them was deleted). Damage stops
// serve with the damaged file and the way back; with o.Repair, it moves
// the damaged part aside, says what will be rebuilt and lets serve start
// afresh. A directory held by another process is left for Open
// to report.
func Check(path string, o CheckOptions, log *slog.Logger) error {
	ixPath, stPath := filepath.Join(path, "index.bleve"), filepath.Join(path, "state.db")
	began := time.Now()
	ixReport, ixErr := index.CheckWith(ixPath, index.CheckOptions{Full: o.Full})
	docs := ixReport.Docs
	if ixErr == nil {
		log.Info("index checked", slog.Uint64("documents", docs), slog.Int("segments_read", ixReport.Streamed),
			slog.Int64("bytes_read", ixReport.StreamedBytes), slog.Int("segments_unchanged", ixReport.Unchanged),
			slog.Bool("full", o.Full), slog.Duration("took", time.Since(began)))
	}
	if ixReport.RecordErr != nil {
		// The check passed; the next one reads these segments again.
		log.Warn("index check: the verified segments could not be recorded", slog.Any("error", ixReport.RecordErr))
	}
	holds, stErr := store.Check(stPath)
	if errors.Is(ixErr, index.ErrLocked) || errors.Is(stErr, store.ErrLocked) {
		return nil
	}
	ixMissing, stMissing := errors.Is(ixErr, fs.ErrNotExist), errors.Is(stErr, fs.ErrNotExist)
	var badIndex, badStore error
	switch {
	case ixErr != nil && !ixMissing:
		badIndex = ixErr
	case ixMissing && holds:
		badIndex = fmt.Errorf("%s is missing while the state store holds subscriptions, alerts or source states", ixPath)
	}
	switch {
	case stErr != nil && !stMissing:
		badStore = stErr
	case stMissing && docs > 0:
		badStore = fmt.Errorf("%s is missing while the index holds %d documents (subscriptions and alerts would be gone)", stPath, docs)
	}
	if badIndex == nil && badStore == nil {
		return nil
	}
	if !o.Repair {
		return fmt.Errorf("%w: %v\nrestore the last backup: stop techintel, move %s aside and copy a directory written by `techintel backup` in its place; "+
			"or start with `techintel serve -repair`, which moves the damaged part aside and rebuilds what it can",
			ErrDamaged, errors.Join(badIndex, badStore), path)
	}
	if badStore != nil {
		if !stMissing {
			to, err := index.MoveAside(stPath)
			if err != nil {
				return fmt.Errorf("repair: %w", err)
			}
			log.Warn("repair: damaged state store moved aside", slog.String("to", to))
		}
		// Created now, so that the directory is consistent from here.
		s, err := store.Open(stPath)
		if err != nil {
			return fmt.Errorf("repair: %w", err)
		}
		if err := s.Close(); err != nil {
			return fmt.Errorf("repair: %w", err)
		}
		log.Warn("repair: starting with an empty state store: subscriptions, alerts and webhook deliveries are gone (restore them from a backup); "+
			"sources are fetched again, and documents already in the index are recognised, not alerted twice", slog.Any("damage", badStore))
	}
	if badIndex != nil {
		if !ixMissing {
			to, err := index.MoveAside(ixPath)
			if err != nil {
				return fmt.Errorf("repair: %w", err)
			}
			log.Warn("repair: damaged index moved aside", slog.String("to", to))
		}
		ix, err := index.Open(ixPath)
		if err != nil {
			return fmt.Errorf("repair: %w", err)
		}
		if err := ix.Close(); err != nil {
			return fmt.Errorf("repair: %w", err)
		}
		if badStore == nil && !stMissing {
			s, err := store.Open(stPath)
			if err != nil {
				return fmt.Errorf("repair: %w", err)
			}
			err = s.ForgetFetchState()
			if cerr := s.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("repair: %w", err)
			}
		}
		log.Warn("repair: starting with an empty index: every source is fetched again from scratch; subscriptions stay, and documents they alerted on before do not alert again",
			slog.Any("damage", badIndex))
	}
	return nil
}
