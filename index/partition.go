package index

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bolt "go.etcd.io/bbolt"
)

// The index is one bleve index per month (a partition), so that a search
// with a date filter reads only the months it overlaps, date order reads
// the newest months first and stops when it has the page, retention drops
// whole months as directories, and a write touches only the month of its
// documents. The directory given to Open holds:
//
//	techintel-layout.bolt   the layout version, the lock, a migration's progress
//	2026-11/                one bleve (scorch) index per month
//	2026-12/
//
// A partition's key is the month (UTC) of a document's publication date
// (which Upsert sets to the first fetch when the document has none) when
// the document is first indexed. The key is stable: Upsert looks every
// document up by ID in all partitions first and writes a known document
// back into the partition that holds it, even when its publication date
// changed since, so that a document is never in two partitions. The
// partition then records the wider span of dates it holds (spanKey,
// written in the same batch as the document), and date pruning and the
// newest-first walk go by those spans, not by the month's name.

const (
	// layoutFile is the bolt file beside the partitions. Its lock is the
	// index's: a second process fails to open it with ErrLocked.
	layoutFile = "techintel-layout.bolt"
	// layoutVersion names this layout; a different one in the file is a
	// layout of another release, refused rather than misread.
	layoutVersion = "monthly-1"
	// spanKey is a partition's internal key holding the range of
	// publication dates of its documents.
	spanKey = "techintel_span"
	// monthFormat is a partition's key and directory name.
	monthFormat = "2006-01"
)

// Keys of the layout file's bucket, and of a partition's internal data.
const (
	layoutBucket      = "layout"
	layoutVersionKey  = "version"
	migrateCursorKey  = "migrate_after"
	mappingVersionKey = "techintel_mapping"
)

// partition is one month's bleve index.
type partition struct {
	key string // the month, "2006-01"
	bi  bleve.Index
	// lo and hi bound the publication dates of its documents: lo <= p < hi.
	// They start as the month's bounds and only widen.
	lo, hi time.Time
}

// monthKey is the partition key of a publication date.
func monthKey(t time.Time) string { return t.UTC().Format(monthFormat) }

// monthSpan is the span of the month key names; ok is false for a name
// that is not a month key.
func monthSpan(key string) (lo, hi time.Time, ok bool) {
	t, err := time.Parse(monthFormat, key)
	if err != nil || t.Format(monthFormat) != key {
		return time.Time{}, time.Time{}, false
	}
	return t, t.AddDate(0, 1, 0), true
}

// span is the stored form of a partition's date range.
type span struct {
	Lo time.Time `json:"lo"`
	Hi time.Time `json:"hi"`
}

// loadSpan reads p's stored span, keeping the month's bounds if it has
// none yet.
func (p *partition) loadSpan() error {
	v, err := p.bi.GetInternal([]byte(spanKey))
	if err != nil {
		return fmt.Errorf("read the date span of %s: %w", p.key, err)
	}
	if len(v) == 0 {
		return nil
	}
	var s span
	if err := json.Unmarshal(v, &s); err != nil {
		return fmt.Errorf("read the date span of %s: %w", p.key, err)
	}
	p.lo, p.hi = minTime(p.lo, s.Lo), maxTime(p.hi, s.Hi)
	return nil
}

// widen returns the span p must record to hold a document published at
// t, and whether it differs from p's.
func (p *partition) widen(lo, hi, t time.Time) (time.Time, time.Time, bool) {
	if !t.Before(lo) && t.Before(hi) {
		return lo, hi, false
	}
	return minTime(lo, t), maxTime(hi, t.Add(time.Nanosecond)), true
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// openLayout opens (creating) the layout file of the index at path and
// checks its version. fresh says whether the file had no version yet.
func openLayout(path string) (db *bolt.DB, fresh bool, err error) {
	db, err = bolt.Open(filepath.Join(path, layoutFile), 0o600, &bolt.Options{Timeout: time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, false, fmt.Errorf("index: open %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, false, fmt.Errorf("index: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(layoutBucket))
		if err != nil {
			return err
		}
		switch v := b.Get([]byte(layoutVersionKey)); {
		case v == nil:
			fresh = true
			return b.Put([]byte(layoutVersionKey), []byte(layoutVersion))
		case string(v) != layoutVersion:
			return fmt.Errorf("the index layout is %q, this techintel reads %q: it was written by another release", v, layoutVersion)
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, false, fmt.Errorf("index: open %s: %w", path, err)
	}
	return db, fresh, nil
}

// layoutGet reads a key of the layout file (nil in memory or when unset).
func (ix *Index) layoutGet(key string) []byte {
	if ix.layout == nil {
		return nil
	}
	var out []byte
	_ = ix.layout.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket([]byte(layoutBucket)); b != nil {
			out = slices.Clone(b.Get([]byte(key)))
		}
		return nil
	})
	return out
}

// layoutPut writes (or with a nil value deletes) a key of the layout file.
func (ix *Index) layoutPut(key string, val []byte) error {
	if ix.layout == nil {
		return nil
	}
	return ix.layout.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(layoutBucket))
		if val == nil {
			return b.Delete([]byte(key))
		}
		return b.Put([]byte(key), val)
	})
}

// openPartitions opens every month directory under ix.path.
func (ix *Index) openPartitions() error {
	entries, err := os.ReadDir(ix.path)
	if err != nil {
		return fmt.Errorf("index: open %s: %w", ix.path, err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		lo, hi, ok := monthSpan(e.Name())
		if !ok {
			continue
		}
		dir := filepath.Join(ix.path, e.Name())
		if _, err := os.Stat(filepath.Join(dir, singleIndexMeta)); errors.Is(err, fs.ErrNotExist) {
			// A creation killed before bleve wrote its metadata: no
			// document was ever written to it.
			if err := os.RemoveAll(dir); err != nil {
				return fmt.Errorf("index: open %s: remove an unfinished partition: %w", dir, err)
			}
			ix.log.Warn("index: removed an unfinished partition", "partition", e.Name())
			continue
		}
		bi, err := bleve.OpenUsing(dir, openConfig(false))
		if err != nil {
			if errors.Is(err, bolt.ErrTimeout) {
				err = ErrLocked
			}
			return fmt.Errorf("index: open %s: %w", dir, err)
		}
		p := &partition{key: e.Name(), bi: bi, lo: lo, hi: hi}
		bi.SetName(p.key)
		ix.parts = append(ix.parts, p) // before the checks, so that closeAll closes it
		if v, _ := bi.GetInternal([]byte(mappingVersionKey)); len(v) == 0 {
			// A creation killed before the version was stored: the
			// partition is this release's and holds nothing yet.
			if n, err := bi.DocCount(); err == nil && n == 0 {
				if err := bi.SetInternal([]byte(mappingVersionKey), []byte(mappingVersion)); err != nil {
					return fmt.Errorf("index: open %s: %w", dir, err)
				}
			}
		}
		if err := checkMapping(bi, dir); err != nil {
			return err
		}
		if err := p.loadSpan(); err != nil {
			return fmt.Errorf("index: open %s: %w", dir, err)
		}
	}
	slices.SortFunc(ix.parts, func(a, b *partition) int { return cmp.Compare(a.key, b.key) })
	return nil
}

// partitionFor returns the partition of key, creating it if needed. The
// caller holds writeMu (not mu).
func (ix *Index) partitionFor(key string) (*partition, error) {
	ix.mu.RLock()
	for _, p := range ix.parts {
		if p.key == key {
			ix.mu.RUnlock()
			return p, nil
		}
	}
	ix.mu.RUnlock()
	lo, hi, ok := monthSpan(key)
	if !ok {
		return nil, fmt.Errorf("index: %q is not a partition key", key)
	}
	dir := ""
	if ix.path != "" {
		dir = filepath.Join(ix.path, key)
		if err := ix.writable(1 << 20); err != nil {
			return nil, err
		}
	}
	bi, err := bleve.NewUsing(dir, ix.mapping, scorch.Name, scorch.Name, openConfig(false))
	if err != nil {
		return nil, fmt.Errorf("index: create partition %s: %w", key, err)
	}
	if err := bi.SetInternal([]byte(mappingVersionKey), []byte(mappingVersion)); err != nil {
		bi.Close()
		return nil, fmt.Errorf("index: create partition %s: %w", key, err)
	}
	bi.SetName(key)
	p := &partition{key: key, bi: bi, lo: lo, hi: hi}
	ix.mu.Lock()
	ix.parts = append(ix.parts, p)
	slices.SortFunc(ix.parts, func(a, b *partition) int { return cmp.Compare(a.key, b.key) })
	ix.mu.Unlock()
	return p, nil
}

// partitionByKey returns the open partition of key, or nil.
func (ix *Index) partitionByKey(key string) *partition {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	for _, p := range ix.parts {
		if p.key == key {
			return p
		}
	}
	return nil
}

// checkMapping refuses a bleve index built with another mapping version:
// its fields would be read as if they were this version's.
func checkMapping(bi bleve.Index, path string) error {
	v, err := bi.GetInternal([]byte(mappingVersionKey))
	if err != nil {
		return fmt.Errorf("index: open %s: read mapping version: %w", path, err)
	}
	if string(v) != mappingVersion {
		return fmt.Errorf("index: open %s: built by an older techintel (mapping version %q, this one needs %q); move it aside and gather again", path, v, mappingVersion)
	}
	return nil
}

// PartitionInfo describes one partition of the index.
type PartitionInfo struct {
	Key  string // the month, "2006-01"
	Docs uint64
	// From and Until bound its documents' publication dates:
	// From <= published < Until.
	From, Until time.Time
}

// Partitions lists the partitions, oldest first, with their document
// counts and date spans.
func (ix *Index) Partitions() ([]PartitionInfo, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	out := make([]PartitionInfo, 0, len(ix.parts))
	for _, p := range ix.parts {
		n, err := p.bi.DocCount()
		if err != nil {
			return nil, fmt.Errorf("index: count %s: %w", p.key, err)
		}
		out = append(out, PartitionInfo{Key: p.key, Docs: n, From: p.lo, Until: p.hi})
	}
	return out, nil
}

// partWrite is the part of a write that goes to one partition.
type partWrite struct {
	p     *partition
	b     *bleve.Batch
	dates []time.Time // the publication dates of its documents
	// news and updated: what Upsert reports once the batch is written.
	news, updated []string
}

// add indexes d in the batch.
func (pw *partWrite) add(d *Document, hash string) error {
	if err := indexDoc(pw.b, d, hash); err != nil {
		return err
	}
	pw.dates = append(pw.dates, d.Published)
	return nil
}

// partWrites gathers a write's batches, one per partition.
type partWrites []*partWrite

// batch returns the batch of partition key, creating the partition if
// needed. The caller holds writeMu.
func (w *partWrites) batch(ix *Index, key string) (*partWrite, error) {
	for _, pw := range *w {
		if pw.p.key == key {
			return pw, nil
		}
	}
	p, err := ix.partitionFor(key)
	if err != nil {
		return nil, err
	}
	pw := &partWrite{p: p, b: p.bi.NewBatch()}
	*w = append(*w, pw)
	return pw, nil
}

// write writes the batches, oldest partition first, each durable before
// the next; done, if set, hears each one written. The caller holds
// writeMu.
func (w partWrites) write(ix *Index, done func(*partWrite)) error {
	slices.SortFunc(w, func(a, b *partWrite) int { return cmp.Compare(a.p.key, b.p.key) })
	for _, pw := range w {
		if pw.b.Size() == 0 {
			continue
		}
		if err := ix.writeBatch(pw.p, pw.b, pw.dates); err != nil {
			return fmt.Errorf("index: write batch of %d to %s: %w", pw.b.Size(), pw.p.key, err)
		}
		if done != nil {
			done(pw)
		}
	}
	return nil
}
