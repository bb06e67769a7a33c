package datadir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/store"
)

// CheckOutside refuses a backup target inside the data directory (the
// copy would be copied into itself, and a restore would hold both) or
// one that holds it.
func CheckOutside(dataDir, dir string) error {
	data, err := filepath.Abs(dataDir)
	if err != nil {
		return err
	}
	if real, err := filepath.EvalSymlinks(data); err == nil {
		data = real
	}
	target := realPrefix(dir)
	if within(data, target) || within(target, data) {
		return fmt.Errorf("%s: a backup must not be inside the data directory %s or hold it", dir, dataDir)
	}
	return nil
}

// realPrefix resolves the symbolic links of the longest existing prefix
// of an absolute path, so that a link into the data directory is caught.
func realPrefix(p string) string {
	p = filepath.Clean(p)
	var rest []string
	for q := p; ; q = filepath.Dir(q) {
		if real, err := filepath.EvalSymlinks(q); err == nil {
			return filepath.Join(append([]string{real}, rest...)...)
		}
		if filepath.Dir(q) == q {
			return p
		}
		rest = append([]string{filepath.Base(q)}, rest...)
	}
}

// within reports whether p is root or under it.
func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// Backup copies the index and the state store into dir as a data
// directory. The caller makes sure nothing writes in between (serve holds
// Gatherer.gate; a command holds the directory's lock). The copy is
// written under a hidden temporary name beside dir and renamed to dir
// only when complete and synced, so that a backup killed midway never
// looks like a data directory with documents and no state.
func Backup(ix *index.Index, st *store.Store, dir string) (res api.BackupResult, err error) {
	start := time.Now()
	res = api.BackupResult{Dir: dir}
	switch info, serr := os.Stat(dir); {
	case serr == nil && !info.IsDir():
		return res, fmt.Errorf("%w: backup: %s is a file, not a directory", api.ErrInvalid, dir)
	case serr == nil:
		if err := index.EmptyDir(dir); errors.Is(err, index.ErrBackupTarget) {
			return res, fmt.Errorf("%w: backup: %s exists and is not empty; give a new or empty directory", api.ErrInvalid, dir)
		} else if err != nil {
			return res, fmt.Errorf("backup: %w", err)
		}
	case !errors.Is(serr, fs.ErrNotExist):
		return res, fmt.Errorf("%w: backup: %v", api.ErrInvalid, serr)
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o750); err != nil {
		return res, fmt.Errorf("%w: backup: %v", api.ErrInvalid, err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".partial-")
	if err != nil {
		return res, fmt.Errorf("backup: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := ix.Backup(filepath.Join(tmp, "index.bleve")); err != nil {
		return res, fmt.Errorf("backup: %w", err)
	}
	if err := st.Backup(filepath.Join(tmp, "state.db")); err != nil {
		return res, fmt.Errorf("backup: %w", err)
	}
	if err := index.SyncTree(tmp); err != nil {
		return res, fmt.Errorf("backup: %w", err)
	}
	// rename(2) replaces an empty directory, so a target created empty
	// beforehand is fine.
	if err := os.Rename(tmp, dir); err != nil {
		return res, fmt.Errorf("backup: complete the copy: %w", err)
	}
	if err := syncDir(parent); err != nil {
		return res, fmt.Errorf("backup: %w", err)
	}
	n, err := ix.Count()
	if err != nil {
		return res, fmt.Errorf("backup: %w", err)
	}
	res.Documents = n
	_ = filepath.WalkDir(dir, func(_ string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			if info, err := e.Info(); err == nil {
				res.Bytes += info.Size()
			}
		}
		return nil
	})
	res.TookMS = time.Since(start).Milliseconds()
	return res, nil
}

// syncDir fsyncs a directory, so that a rename in it is on disk.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	serr := f.Sync()
	if cerr := f.Close(); serr == nil {
		serr = cerr
	}
	return serr
}
