package index

import (
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bolt "go.etcd.io/bbolt"
)

// ErrDamaged: a file of the index is missing, truncated or corrupt.
var ErrDamaged = errors.New("damaged")

// CheckOptions are Check's.
type CheckOptions struct {
	// Full streams every segment file, ignoring the record of those
	// verified before, and writes the record afresh.
	Full bool
}

// CheckReport is what Check read.
type CheckReport struct {
	Docs uint64 // documents in the index
	// Streamed segment files were read whole to verify their CRC (and
	// StreamedBytes is their size); Unchanged ones were verified by an
	// earlier check and are as they were then, so were not read again.
	Streamed, Unchanged int
	StreamedBytes       int64
	// RecordErr, when set, is why a partition's record of verified
	// segments could not be written (a read-only directory): the check
	// passed, and the next one reads those segments again.
	RecordErr error
}

// Check verifies the index at path before it is opened for serving: it
// opens it read-only, which loads every live segment that root.bolt
// lists, and compares each segment file's CRC-32 with the one zap wrote
// in its footer, so that a truncated or altered segment is found at start
// instead of as 500s or silently changed results later. It returns the
// number of documents, an error wrapping ErrDamaged that names the
// damaged file, one wrapping ErrLocked when another process holds the
// index, or one wrapping fs.ErrNotExist when there is no index.
//
// Streaming a segment takes seconds a gigabyte, so each partition records
// the segments it verified (check_record.go), and a later Check streams
// only the segments written since, or changed on disk since; o.Full
// streams every one.
//
// It checks every partition, and an index of the single-index layout of
// releases before partitions (which Open then migrates) whole, with no
// record.
func Check(path string) (docs uint64, err error) {
	r, err := CheckWith(path, CheckOptions{})
	return r.Docs, err
}

// CheckWith is Check with options, saying what it read.
func CheckWith(path string, o CheckOptions) (r CheckReport, err error) {
	if _, err := os.Stat(path); err != nil {
		return r, err
	}
	if _, err := os.Stat(filepath.Join(path, singleIndexMeta)); err == nil {
		v := newVerifier(path, true)
		r.Docs, err = checkOne(path, v)
		r.add(v)
		return r, err
	}
	layout, err := bolt.Open(filepath.Join(path, layoutFile), 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if errors.Is(err, bolt.ErrTimeout) {
		return r, fmt.Errorf("index: check %s: %w", path, ErrLocked)
	}
	if err != nil {
		return r, fmt.Errorf("index: %w: %s: %v", ErrDamaged, filepath.Join(path, layoutFile), err)
	}
	defer layout.Close()
	entries, err := os.ReadDir(path)
	if err != nil {
		return r, err
	}
	var recordErrs []error
	for _, e := range entries {
		if _, _, ok := monthSpan(e.Name()); !ok || !e.IsDir() {
			continue
		}
		dir := filepath.Join(path, e.Name())
		v := newVerifier(dir, o.Full)
		n, err := checkOne(dir, v)
		r.add(v)
		if err != nil {
			return r, err
		}
		r.Docs += n
		if err := v.save(); err != nil {
			recordErrs = append(recordErrs, err)
		}
	}
	r.RecordErr = errors.Join(recordErrs...)
	return r, nil
}

// add counts what v read.
func (r *CheckReport) add(v *verifier) {
	r.Streamed += v.streamed
	r.StreamedBytes += v.streamedBytes
	r.Unchanged += v.trusted
}

// checkOne checks one bleve index (a partition), its segments through v.
func checkOne(path string, v *verifier) (docs uint64, err error) {
	// A damaged file read through mmap can fault outside the mapped
	// pages; turn that into a panic this function recovers.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		// A truncated segment can make zap index past its end.
		if r := recover(); r != nil {
			err = fmt.Errorf("index: %w: %s: opening it failed: %v", ErrDamaged, damagedSegment(path), r)
		}
	}()
	bi, err := bleve.OpenUsing(path, openConfig(true))
	if err != nil {
		if strings.Contains(err.Error(), "timeout") {
			return 0, fmt.Errorf("index: check %s: %w", path, ErrLocked)
		}
		return 0, fmt.Errorf("index: %w: %s: %v", ErrDamaged, damagedSegment(path), err)
	}
	defer bi.Close()
	if v, err := bi.GetInternal([]byte("techintel_mapping")); err != nil || len(v) == 0 {
		return 0, fmt.Errorf("index: %w: %s: no mapping version (%v)", ErrDamaged, damagedSegment(path), err)
	}
	adv, err := bi.Advanced()
	if err != nil {
		return 0, fmt.Errorf("index: check %s: %w", path, err)
	}
	sc, ok := adv.(*scorch.Scorch)
	if !ok {
		return 0, fmt.Errorf("index: check %s: not a scorch index", path)
	}
	// scorch opens the newest snapshot whose segments load and falls
	// back to older ones without a word (so a damaged segment silently
	// turns back time): load the newest one, or say why it cannot be.
	epochs, err := sc.RootBoltSnapshotEpochs()
	if err != nil {
		return 0, fmt.Errorf("index: %w: %s: %v", ErrDamaged, filepath.Join(path, "store", "root.bolt"), err)
	}
	if len(epochs) == 0 {
		return 0, nil // created, nothing written yet
	}
	snap, err := sc.LoadSnapshot(epochs[0]) // newest first
	if err != nil {
		return 0, fmt.Errorf("index: %w: %s: the newest snapshot does not load: %v", ErrDamaged, damagedSegment(path), err)
	}
	defer snap.DecRef()
	for _, s := range snap.Segments() {
		p, ok := s.Segment().(interface{ Path() string })
		if !ok {
			continue
		}
		if err := v.check(p.Path()); err != nil {
			return 0, fmt.Errorf("index: %w: %s: %v", ErrDamaged, p.Path(), err)
		}
	}
	if docs, err = snap.DocCount(); err != nil {
		return 0, fmt.Errorf("index: %w: %s: %v", ErrDamaged, damagedSegment(path), err)
	}
	return docs, nil
}

// damagedSegment names the file to blame when the index at path does not
// open: the first segment whose checksum fails (where a flipped byte
// makes zap fail or panic while loading it, which one depends on how the
// segments were merged), or the index directory when every segment is
// intact.
func damagedSegment(path string) string {
	segs, _ := filepath.Glob(filepath.Join(path, "store", "*.zap"))
	for _, s := range segs {
		if err := checkSegmentCRC(s); err != nil {
			return s
		}
	}
	return path
}

// checkSegmentCRC compares the CRC-32 (IEEE) of a zap file's bytes with
// the one in its last four bytes, which covers everything before it. It
// streams the file: reading a segment whole made serve's peak memory the
// size of the largest segment (520 MB at 100,000 documents).
func checkSegmentCRC(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() < 4 {
		return fmt.Errorf("%d bytes is too short for a segment", fi.Size())
	}
	n := fi.Size() - 4
	var foot [4]byte
	if _, err := f.ReadAt(foot[:], n); err != nil {
		return err
	}
	h := crc32.NewIEEE()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, n)); err != nil {
		return err
	}
	want := uint32(foot[0])<<24 | uint32(foot[1])<<16 | uint32(foot[2])<<8 | uint32(foot[3])
	if got := h.Sum32(); got != want {
		return fmt.Errorf("checksum %08x does not match the %08x its footer records", got, want)
	}
	return nil
}

// MoveAside renames a damaged file or directory to name.damaged-N (the
// first free N), so that a repair starts afresh without destroying what
// might still be rescued. It returns the new name.
func MoveAside(path string) (string, error) {
	for n := 1; ; n++ {
		to := fmt.Sprintf("%s.damaged-%d", filepath.Clean(path), n)
		if _, err := os.Lstat(to); err == nil {
			continue
		}
		if err := os.Rename(path, to); err != nil {
			return "", err
		}
		return to, nil
	}
}
