package index

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/blevesearch/bleve/v2"
)

// ErrBackupTarget: the backup destination exists and is not empty.
var ErrBackupTarget = errors.New("backup destination exists and is not empty")

// Backup writes a consistent copy of the index to dir, which must not
// exist or be empty, while the index stays open for searches and writes:
// scorch copies the segments of one snapshot of each partition
// (bleve.IndexCopyable) and the metadata beside them, with writes held
// off meanwhile so that the partitions are copied at one point in time,
// and the layout file is written afresh. The files are synced before it
// returns. The copy opens with Open like the original.
func (ix *Index) Backup(dir string) error {
	if ix.path == "" {
		return errors.New("index: backup: an in-memory index has no files to copy")
	}
	if err := EmptyDir(dir); err != nil {
		return fmt.Errorf("index: backup to %s: %w", dir, err)
	}
	layout, _, _, err := openLayout(dir)
	if err != nil {
		return fmt.Errorf("index: backup to %s: %w", dir, err)
	}
	if err := layout.Close(); err != nil {
		return fmt.Errorf("index: backup to %s: %w", dir, err)
	}
	err = ix.readParts(func(parts []*partition) error {
		for _, p := range parts {
			c, ok := p.bi.(bleve.IndexCopyable)
			if !ok {
				return errors.New("this index cannot be copied online")
			}
			if err := c.CopyTo(bleve.FileSystemDirectory(filepath.Join(dir, p.key))); err != nil {
				return fmt.Errorf("partition %s: %w", p.key, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("index: backup to %s: %w", dir, err)
	}
	if err := SyncTree(dir); err != nil {
		return fmt.Errorf("index: backup to %s: %w", dir, err)
	}
	return nil
}

// EmptyDir creates dir if needed and fails with ErrBackupTarget if it
// holds anything: a copy must never be mixed into older files.
func EmptyDir(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return ErrBackupTarget
	}
	return nil
}

// SyncTree fsyncs every file and directory under root, so that a copy is
// on disk when it is reported done.
func SyncTree(root string) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		serr := f.Sync()
		if cerr := f.Close(); serr == nil {
			serr = cerr
		}
		return serr
	})
}
