// Package datadir opens, locks, checks and repairs a techintel data directory:
// the search index and the state store beside it.
package datadir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/store"
)

// ErrInUse: another techintel process holds the data directory.
var ErrInUse = errors.New("data directory in use")

// Dir is an open, locked data directory: the search index and the
// state store.
type Dir struct {
	Path  string
	lock  *os.File
	Index *index.Index
	Store *store.Store
}

// Open creates the directory if needed, locks it, and opens the
// index and the state store. If another process has it, it fails at once
// with an error that names that process, wrapping ErrInUse.
func Open(path string) (*Dir, error) {
	if err := os.MkdirAll(path, 0o750); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	lock, err := lockDir(path)
	if err != nil {
		return nil, err
	}
	d := &Dir{Path: path, lock: lock}
	d.Index, err = index.Open(filepath.Join(path, "index.bleve"))
	if err != nil {
		d.Close()
		if errors.Is(err, index.ErrLocked) {
			return nil, fmt.Errorf("data directory %s: %w (the index is held by another process)", path, ErrInUse)
		}
		return nil, err
	}
	d.Store, err = store.Open(filepath.Join(path, "state.db"))
	if err != nil {
		d.Close()
		if errors.Is(err, store.ErrLocked) {
			return nil, fmt.Errorf("data directory %s: %w (the state store is held by another process)", path, ErrInUse)
		}
		return nil, err
	}
	// The story clusterer's signatures live in the state store, so that
	// the first write after a start restores it in one pass.
	d.Index.SetSignatureStore(d.Store)
	// An alert refers to its document: what it shows of one that
	// retention drops is saved as the document leaves.
	d.Index.SetLeavingHook(func(ls []index.Leaving) error {
		docs := make([]store.GoneDoc, len(ls))
		for i, l := range ls {
			docs[i] = store.GoneDoc(l)
		}
		return d.Store.KeepGone(docs)
	})
	return d, nil
}

// IsInUse reports whether err says the data directory is held elsewhere.
func IsInUse(err error) bool { return errors.Is(err, ErrInUse) }

// OpenFor opens the data directory for a command that cannot work
// beside serve; when serve holds it, the error ends with hint, which says
// what to do instead.
func OpenFor(path, hint string) (*Dir, error) {
	d, err := Open(path)
	if IsInUse(err) {
		return nil, fmt.Errorf("%w; %s", err, hint)
	}
	return d, err
}

// Close closes the index and the store (flushing both) and releases the lock.
func (d *Dir) Close() error {
	var errs []error
	if d.Store != nil {
		errs = append(errs, d.Store.Close())
	}
	if d.Index != nil {
		errs = append(errs, d.Index.Close())
	}
	if d.lock != nil {
		errs = append(errs, d.lock.Close()) // closing the file releases the flock
	}
	return errors.Join(errs...)
}

// lockDir takes an exclusive, non-blocking flock on path/LOCK and writes
// our PID into it, so that a second process fails at once and can say who
// holds the directory. The kernel releases the lock when the process dies,
// so a crash leaves no stale lock behind.
func lockDir(path string) (*os.File, error) {
	name := filepath.Join(path, "LOCK")
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b, _ := os.ReadFile(name)
		f.Close()
		holder := "another process"
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
			holder = fmt.Sprintf("another techintel process (PID %d)", pid)
		}
		return nil, fmt.Errorf("data directory %s is locked by %s: %w", path, holder, ErrInUse)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}
