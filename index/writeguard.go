package index

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blevesearch/bleve/v2"
)

// What happens when a write fails (a full disk, a read-only data
// directory, a file size limit), and why the index guards its writes.
//
// scorch's Batch introduces the new in-memory segment into the index
// first, then waits for the persister to write it. When that write fails,
// Batch returns the error and closes the segment, which is still part of
// the live snapshot; zapx clears a closed segment's caches (its
// invertedIndexCache map becomes nil). The next search or read by ID that
// reaches the segment panics with "assignment to entry in nil map", often
// in one of scorch's own goroutines (DocIDReaderOnly), which no recover
// can catch: the process dies. TestFailedWriteKeepsSearchingAndLosesNothing
// reproduces it with a file size limit.
//
// So the index:
//   - runs each bleve write with no search of its partition in flight
//     (the partition's mu), so that no reader can meet the closed
//     segment; searches of the other partitions go on;
//   - after a failed write, reopens bleve from disk before any reader
//     runs again: the failed batch's segment is gone, everything written
//     before it is there (each batch waits for its own persistence);
//   - refuses further writes, without touching bleve, until a probe file
//     of the batch's size can be written and synced beside the index; and
//     refuses a write when the filesystem has less room than the batch
//     needs with a margin (ErrNoSpace).
//
// The caller keeps what failed (the ingest journal replays it), so
// nothing is lost once space returns.

// ErrNoSpace: the index refused a write because it would probably fail
// (too little free space, or a probe write after an earlier failure
// failed). Nothing was written.
var ErrNoSpace = errors.New("index: not enough space to write")

// minFreeBytes is the room always kept free for scorch's merges and
// bolt's metadata, on top of a few times the batch itself.
const minFreeBytes = 4 << 20

// probeName is the probe file written beside the index after a failure.
const probeName = ".techintel-write-probe"

// readParts runs fn on the current partitions, alongside other readers
// but never during a write to any of them, a reopen or a partition's
// creation or drop.
func (ix *Index) readParts(fn func(parts []*partition) error) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	for _, p := range ix.parts {
		p.mu.RLock()
		defer p.mu.RUnlock()
	}
	return fn(ix.parts)
}

// writeBatch writes pw's batch to its partition, recording the partition's
// wider date range and months in the same batch. Only that partition's
// searches wait for it: the partition's mu is held alone, Index.mu only
// shared. The caller holds writeMu.
func (ix *Index) writeBatch(pw *partWrite) error {
	p, b := pw.p, pw.b
	if err := ix.writable(b.TotalDocsSize()); err != nil {
		return err
	}
	lo, hi := p.lo, p.hi
	for _, t := range pw.dates {
		lo, hi, _ = p.widen(lo, hi, t)
	}
	if !lo.Equal(p.lo) || !hi.Equal(p.hi) {
		// Published before the documents land, so that no search
		// prunes a partition that holds a match; a range wider than
		// the documents (the batch then fails) costs nothing but a
		// search of a partition that has none.
		p.spanMu.Lock()
		p.lo, p.hi = lo, hi
		p.spanMu.Unlock()
	}
	want := p.current()
	if want != p.saved {
		if want.First != want.Last {
			if err := ix.markSpans(); err != nil {
				return err
			}
		}
		v, err := json.Marshal(want)
		if err != nil {
			return err
		}
		b.SetInternal([]byte(spanKey), v)
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	if ix.beforeBatch != nil {
		ix.beforeBatch(p.key)
	}
	ix.gen.Add(1) // before the write lands: cached facets are stale from now
	err := p.bi.Batch(b)
	if err == nil {
		p.saved = want
		return nil
	}
	if ix.path == "" {
		return err
	}
	ix.writeErr = err
	if rerr := ix.reopenLocked(p); rerr != nil {
		return fmt.Errorf("%w (and reopening the index failed: %v)", err, rerr)
	}
	return err
}

// writable refuses a write that would probably fail. The caller holds
// writeMu.
func (ix *Index) writable(size uint64) error {
	if ix.path == "" {
		return nil
	}
	if free, ok := freeBytes(ix.path); ok && free < 3*size+minFreeBytes {
		return fmt.Errorf("%w: %.1f MB free beside %s, a write of %.1f MB needs %.1f MB", ErrNoSpace,
			float64(free)/1e6, ix.path, float64(size)/1e6, float64(3*size+minFreeBytes)/1e6)
	}
	if ix.writeErr == nil && !ix.readOnly {
		return nil
	}
	if err := probeWrite(ix.path, max(size, 64<<10)); err != nil {
		return fmt.Errorf("%w: writes are paused since one failed (%v); a probe write fails too: %v", ErrNoSpace, ix.writeErr, err)
	}
	if ix.readOnly {
		ix.mu.Lock()
		ix.readOnly = false
		var err error
		for _, p := range ix.parts {
			if err = ix.reopenLocked(p); err != nil {
				break
			}
		}
		ix.mu.Unlock()
		if err != nil {
			return err
		}
		if ix.readOnly {
			return fmt.Errorf("%w: the index is open read-only since a write failed (%v)", ErrNoSpace, ix.writeErr)
		}
	}
	ix.writeErr = nil
	return nil
}

// reopenLocked closes p's bleve index and opens it again from disk,
// read-only if it cannot be opened for writing (a read-only directory),
// so that searches go on; then the whole index counts as read-only. The
// caller holds writeMu, and mu for writing or p.mu for writing.
func (ix *Index) reopenLocked(p *partition) error {
	_ = p.bi.Close() // also stops the persister retrying the failed write
	dir := filepath.Join(ix.path, p.key)
	bi, err := bleve.OpenUsing(dir, openConfig(false))
	if err != nil {
		var rerr error
		if bi, rerr = bleve.OpenUsing(dir, openConfig(true)); rerr != nil {
			return fmt.Errorf("index: reopen %s: %w", dir, err)
		}
		ix.readOnly = true
	}
	bi.SetName(p.key)
	p.bi = bi
	return nil
}

// probeWrite writes and syncs size bytes in a file beside the index, then
// removes it: whether a write of that size can succeed now.
func probeWrite(indexPath string, size uint64) error {
	p := filepath.Join(indexPath, probeName)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(p)
	buf := make([]byte, 64<<10)
	for left := size; left > 0; {
		n := min(left, uint64(len(buf)))
		if _, err := f.Write(buf[:n]); err != nil {
			f.Close()
			return err
		}
		left -= n
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
