package index

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/blevesearch/bleve/v2"
	bolt "go.etcd.io/bbolt"
)

// migratePage is how many documents the migration reads and writes at a
// time.
const migratePage = 1000

// migrateOrder is the order the migration reads the old index in.
func migrateOrder() []string { return []string{fieldPublished, "_id"} }

// errMigrateKilled stands for a kill in the migration's tests.
var errMigrateKilled = errors.New("index: migration stopped (test)")

// singleIndexMeta is the file of a bleve index at the index's own path:
// the layout of releases before partitions.
const singleIndexMeta = "index_meta.json"

// migrateSingle splits an index of the single-index layout (a bleve index
// at ix.path itself, from a release before partitions) into partitions
// beside it, without re-fetching anything. It reads the old index in
// publication order (then ID), a page at a time, writes each page to the
// partitions its documents' dates assign them to (so that the partitions
// fill in time order, each up to PartitionDocs documents), and records
// the last sort key written in the layout file, so that a migration
// killed half-way resumes there (the page written again lands on the same
// documents: each goes back to the partition that holds it).
// Once every document is in a partition, the old index's files are
// removed: its store first, its index_meta.json last, so that a kill in
// between leaves an empty old index that the next open migrates in no
// time.
func (ix *Index) migrateSingle(o Options) error {
	meta := filepath.Join(ix.path, singleIndexMeta)
	if _, err := os.Stat(meta); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	old, err := bleve.OpenUsing(ix.path, openConfig(true))
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return fmt.Errorf("index: open %s: %w", ix.path, ErrLocked)
		}
		return fmt.Errorf("index: open %s to split it into partitions: %w", ix.path, err)
	}
	defer func() {
		if old != nil {
			old.Close()
		}
	}()
	if err := checkMapping(old, ix.path); err != nil {
		return err
	}
	total, err := old.DocCount()
	if err != nil {
		return fmt.Errorf("index: split %s: %w", ix.path, err)
	}
	var after []string
	if v := ix.layoutGet(migrateCursorKey); v != nil {
		if err := json.Unmarshal(v, &after); err != nil {
			return fmt.Errorf("index: split %s: the saved progress is unreadable: %w", ix.path, err)
		}
		if len(after) != len(migrateOrder()) {
			// Saved by the release that read in ID order: start again
			// (what was moved goes back where it is).
			after = nil
		}
	}
	start := time.Now()
	ix.log.Info("index: splitting the single index into partitions", "path", ix.path, "docs", total,
		"resumed_after", len(after) > 0)
	page := migratePage
	if o.migratePage > 0 {
		page = o.migratePage
	}
	moved, pages, lastLog := 0, 0, time.Now()
	for {
		if o.migrateFailAfter > 0 && pages == o.migrateFailAfter {
			return errMigrateKilled
		}
		pages++
		req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), page, 0, false)
		req.SortBy(migrateOrder())
		req.Fields = []string{"*"}
		if after != nil {
			req.SetSearchAfter(after)
		}
		sr, err := old.Search(req)
		if err != nil {
			return fmt.Errorf("index: split %s: read: %w", ix.path, err)
		}
		if len(sr.Hits) == 0 {
			break
		}
		if err := ix.migratePage(sr); err != nil {
			return err
		}
		after = sr.Hits[len(sr.Hits)-1].Sort
		cursor, _ := json.Marshal(after)
		if err := ix.layoutPut(migrateCursorKey, cursor); err != nil {
			return fmt.Errorf("index: split %s: save progress: %w", ix.path, err)
		}
		moved += len(sr.Hits)
		if time.Since(lastLog) > 5*time.Second {
			ix.log.Info("index: splitting", "moved", moved, "docs", total)
			lastLog = time.Now()
		}
		if len(sr.Hits) < page {
			break
		}
	}
	if err := old.Close(); err != nil {
		return fmt.Errorf("index: split %s: close the old index: %w", ix.path, err)
	}
	old = nil
	if err := os.RemoveAll(filepath.Join(ix.path, "store")); err != nil {
		return fmt.Errorf("index: split %s: remove the old index: %w", ix.path, err)
	}
	if err := os.Remove(meta); err != nil {
		return fmt.Errorf("index: split %s: remove the old index: %w", ix.path, err)
	}
	if err := ix.layoutPut(migrateCursorKey, nil); err != nil {
		return fmt.Errorf("index: split %s: %w", ix.path, err)
	}
	parts, _ := ix.Partitions()
	ix.log.Info("index: split into partitions", "path", ix.path, "moved", moved, "partitions", len(parts),
		"took", time.Since(start).Round(time.Millisecond).String())
	return nil
}

// migratePage writes one page of the old index's documents, each to the
// partition that holds it already (a resumed page) or else to the one its
// publication date assigns it to.
func (ix *Index) migratePage(sr *bleve.SearchResult) error {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	ids := make([]string, len(sr.Hits))
	for i, h := range sr.Hits {
		ids[i] = h.ID
	}
	existing, err := ix.storedMeta(ids)
	if err != nil {
		return err
	}
	var w partWrites
	now := time.Now()
	for _, h := range sr.Hits {
		d, hash, err := documentFromHit(h.ID, h.Fields)
		if err != nil {
			return fmt.Errorf("index: split %s: %w", ix.path, err)
		}
		if d.Published.IsZero() {
			d.Published = d.Fetched
		}
		pw, err := w.place(ix, existing[d.ID].Part, d.Published, now)
		if err != nil {
			return err
		}
		if err := pw.add(d, hash); err != nil {
			return err
		}
	}
	if err := w.write(ix, nil); err != nil {
		return fmt.Errorf("index: split %s: %w", ix.path, err)
	}
	return nil
}
