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
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bolt "go.etcd.io/bbolt"
)

// The index is a few bleve indexes (partitions), each holding the
// documents published in a contiguous span of months, so that a search
// with a date filter reads only the partitions it overlaps, date order
// reads the newest first and stops when it has the page, retention drops
// whole partitions as directories, and a write touches only the
// partitions of its documents. The directory given to Open holds:
//
//	techintel-layout.bolt   the layout version, the lock, a migration's progress
//	2026-01/                one bleve (scorch) index per partition, named
//	2026-07/                after the first month it took documents for
//
// Partitions are sized by documents, as Elasticsearch rolls an index over
// by size: a partition takes the documents of the months it covers
// (partition_assign.go), and widens its span to a month next to it while
// it holds fewer than Options.PartitionDocs documents; past that, a new
// partition starts at the present end of time. So 20,000 documents over a
// year are one bleve index, a million a handful, and a feed of dates
// spread over decades cannot multiply partitions (an older date widens the
// oldest partition, a future one counts as the time of indexing). The
// months of different partitions never overlap, and an index written by
// the release that kept one partition per month (each a span of one
// month) opens as it is.
//
// A document stays where it was first indexed: Upsert looks every
// document up by ID in all partitions first and writes a known document
// back into the partition that holds it, even when its publication date
// changed since, so that a document is never in two partitions. A
// partition records the range of publication dates it holds (spanKey,
// written in the same batch as the documents), and date pruning and the
// newest-first walk go by those ranges, not by the months it covers.

const (
	// layoutFile is the bolt file beside the partitions. Its lock is the
	// index's: a second process fails to open it with ErrLocked.
	layoutFile = "techintel-layout.bolt"
	// layoutVersion names this layout; a different one in the file is a
	// layout of another release, refused rather than misread.
	// monthlyVersion is the layout of the release before spans, whose
	// partitions each covered one month: this release reads it as it is
	// and marks the file with layoutVersion before a partition first
	// covers more than one month, which that release would misread (it
	// would start a partition for a month another one covers).
	layoutVersion  = "spans-1"
	monthlyVersion = "monthly-1"
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

// partition is one bleve index of the documents of a span of months.
type partition struct {
	key string // its directory: the first month it covered, "2006-01"
	// mu: a bleve write (and the reopen after a failed one) holds it
	// alone, searches of bi share it (writeguard.go). bi is replaced only
	// under mu, or under Index.mu held alone.
	mu sync.RWMutex
	bi bleve.Index
	// spanMu guards lo, hi, first and last, which only the writer (under
	// writeMu) changes, for the other readers; held for no longer than a
	// copy, so that a write never waits for searches to end.
	spanMu sync.RWMutex
	// lo and hi bound the publication dates of its documents: lo <= p < hi.
	// They only widen; they may be wider than its documents, never
	// narrower.
	lo, hi time.Time
	// first and last are the first days of the first and last months it
	// takes new documents for.
	first, last time.Time
	// saved is what its spanKey holds. Guarded by writeMu.
	saved span
}

// monthSpan is the span of the month key names; ok is false for a name
// that is not a month key.
func monthSpan(key string) (lo, hi time.Time, ok bool) {
	t, err := time.Parse(monthFormat, key)
	if err != nil || t.Format(monthFormat) != key {
		return time.Time{}, time.Time{}, false
	}
	return t, t.AddDate(0, 1, 0), true
}

// span is the stored form of a partition's date range and months (a
// partition of the monthly layout has no months: it covers its key's).
type span struct {
	Lo    time.Time `json:"lo"`
	Hi    time.Time `json:"hi"`
	First string    `json:"first,omitempty"`
	Last  string    `json:"last,omitempty"`
}

// dates returns lo and hi, for a reader that is not the writer.
func (p *partition) dates() (lo, hi time.Time) {
	p.spanMu.RLock()
	defer p.spanMu.RUnlock()
	return p.lo, p.hi
}

// current is the span p records now. The caller holds writeMu.
func (p *partition) current() span {
	return span{Lo: p.lo, Hi: p.hi, First: p.first.Format(monthFormat), Last: p.last.Format(monthFormat)}
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
	if s.First != "" || s.Last != "" {
		first, _, ok1 := monthSpan(s.First)
		last, _, ok2 := monthSpan(s.Last)
		if !ok1 || !ok2 || last.Before(first) {
			return fmt.Errorf("read the date span of %s: months %q to %q are not a span of months", p.key, s.First, s.Last)
		}
		p.first, p.last = first, last
	}
	p.saved = s
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
// checks its version, which it returns. fresh says whether the file had
// no version yet.
func openLayout(path string) (db *bolt.DB, version string, fresh bool, err error) {
	db, err = bolt.Open(filepath.Join(path, layoutFile), 0o600, &bolt.Options{Timeout: time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, "", false, fmt.Errorf("index: open %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, "", false, fmt.Errorf("index: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(layoutBucket))
		if err != nil {
			return err
		}
		switch v := b.Get([]byte(layoutVersionKey)); {
		case v == nil:
			fresh, version = true, layoutVersion
			return b.Put([]byte(layoutVersionKey), []byte(layoutVersion))
		case string(v) != layoutVersion && string(v) != monthlyVersion:
			return fmt.Errorf("the index layout is %q, this techintel reads %q or %q: it was written by another release", v, layoutVersion, monthlyVersion)
		default:
			version = string(v)
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, "", false, fmt.Errorf("index: open %s: %w", path, err)
	}
	return db, version, fresh, nil
}

// markSpans records in the layout file that a partition may cover more
// than one month, before one does. The caller holds writeMu.
func (ix *Index) markSpans() error {
	if ix.layout == nil || ix.layoutVersion == layoutVersion {
		return nil
	}
	if err := ix.layoutPut(layoutVersionKey, []byte(layoutVersion)); err != nil {
		return fmt.Errorf("index: mark the layout %q: %w", layoutVersion, err)
	}
	ix.layoutVersion = layoutVersion
	return nil
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
		p := &partition{key: e.Name(), bi: bi, lo: lo, hi: hi, first: lo, last: lo}
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
	slices.SortFunc(ix.parts, byFirst)
	return nil
}

// byFirst orders partitions by their months: their spans never overlap.
func byFirst(a, b *partition) int {
	if c := a.first.Compare(b.first); c != 0 {
		return c
	}
	return cmp.Compare(a.key, b.key)
}

// newPartition creates the partition covering the months first to
// last, named after first. The caller holds writeMu (not mu).
func (ix *Index) newPartition(first, last time.Time) (*partition, error) {
	key := first.Format(monthFormat)
	if ix.partitionByKey(key) != nil {
		return nil, fmt.Errorf("index: create partition %s: it exists", key)
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
	// Its dates start empty at first and widen with its documents: a
	// partition started for old documents is as old as they are, for
	// retention.
	p := &partition{key: key, bi: bi, lo: first, hi: first, first: first, last: last}
	ix.mu.Lock()
	ix.parts = append(ix.parts, p)
	slices.SortFunc(ix.parts, byFirst)
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
	Key  string // its name: the first month it covered, "2006-01"
	Docs uint64
	// FirstMonth and LastMonth are the months whose new documents it
	// takes ("2006-01").
	FirstMonth, LastMonth string
	// From and Until bound its documents' publication dates:
	// From <= published < Until.
	From, Until time.Time
}

// docCount is p's number of documents, once a write in progress is done.
// The caller holds Index.mu for reading.
func (p *partition) docCount() (uint64, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.bi.DocCount()
}

// Partitions lists the partitions, oldest first, with their document
// counts and date spans.
func (ix *Index) Partitions() ([]PartitionInfo, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	out := make([]PartitionInfo, 0, len(ix.parts))
	for _, p := range ix.parts {
		n, err := p.docCount()
		if err != nil {
			return nil, fmt.Errorf("index: count %s: %w", p.key, err)
		}
		p.spanMu.RLock()
		out = append(out, PartitionInfo{Key: p.key, Docs: n, From: p.lo, Until: p.hi,
			FirstMonth: p.first.Format(monthFormat), LastMonth: p.last.Format(monthFormat)})
		p.spanMu.RUnlock()
	}
	return out, nil
}

// partWrite is the part of a write that goes to one partition.
type partWrite struct {
	p     *partition
	b     *bleve.Batch
	dates []time.Time // the publication dates of its documents
	// docs is how many documents p held when the write began; added, how
	// many new ones the write assigned to it.
	docs, added uint64
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

// errPartitionGone: a write named a partition that retention dropped.
var errPartitionGone = errors.New("index: the partition was dropped")

// batch returns the batch of the open partition key. The caller holds
// writeMu.
func (w *partWrites) batch(ix *Index, key string) (*partWrite, error) {
	for _, pw := range *w {
		if pw.p.key == key {
			return pw, nil
		}
	}
	p := ix.partitionByKey(key)
	if p == nil {
		return nil, fmt.Errorf("%w: %s", errPartitionGone, key)
	}
	return w.of(p)
}

// of returns the batch of p. The caller holds writeMu.
func (w *partWrites) of(p *partition) (*partWrite, error) {
	for _, pw := range *w {
		if pw.p == p {
			return pw, nil
		}
	}
	n, err := p.bi.DocCount() // no batch runs: the caller is the writer
	if err != nil {
		return nil, fmt.Errorf("index: count %s: %w", p.key, err)
	}
	pw := &partWrite{p: p, b: p.bi.NewBatch(), docs: n}
	*w = append(*w, pw)
	return pw, nil
}

// place returns the batch of a document: that of partition key if it has
// one (a document already indexed), else that of the partition its
// publication date assigns it to (partition_assign.go).
func (w *partWrites) place(ix *Index, key string, published, now time.Time) (*partWrite, error) {
	if key != "" {
		return w.batch(ix, key)
	}
	return w.assign(ix, published, now)
}

// write writes the batches, oldest partition first, each durable before
// the next; done, if set, hears each one written. The caller holds
// writeMu.
func (w partWrites) write(ix *Index, done func(*partWrite)) error {
	slices.SortFunc(w, func(a, b *partWrite) int { return byFirst(a.p, b.p) })
	for _, pw := range w {
		if pw.b.Size() == 0 {
			continue
		}
		if err := ix.writeBatch(pw); err != nil {
			return fmt.Errorf("index: write batch of %d to %s: %w", pw.b.Size(), pw.p.key, err)
		}
		if done != nil {
			done(pw)
		}
	}
	return nil
}
