package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path/filepath"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/store"
)

// backupTimeout bounds a backup made through serve's API.
const backupTimeout = 30 * time.Minute

// cmdBackup writes a consistent copy of the data directory into DIR. When
// serve holds the directory, serve makes the copy (through its admin API),
// pausing only index writes while it copies; otherwise the command opens
// the directory itself. The copy is a data directory: point data_dir at it.
func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("backup", stderr)
	configPath := fs.String("config", "", "config file (TOML)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &usageError{msg: "backup: give one destination directory (new or empty)"}
	}
	cfg, err := loadConfigFlag(*configPath)
	if err != nil {
		return err
	}
	dir, err := filepath.Abs(fs.Arg(0))
	if err != nil {
		return &usageError{msg: "backup: " + err.Error()}
	}
	var res api.BackupResult
	d, err := openDataDir(cfg.DataDir)
	switch {
	case isInUse(err):
		body, _ := json.Marshal(map[string]string{"dir": dir})
		ctx, cancel := context.WithTimeout(ctx, backupTimeout)
		defer cancel()
		out, err := apiDo(ctx, cfg, http.MethodPost, "/api/v1/admin/backup", body, err)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(out, &res); err != nil {
			return fmt.Errorf("backup via %s: %w", cfg.API.Listen, err)
		}
		fmt.Fprintf(stdout, "serve wrote the backup: ")
	case err != nil:
		return err
	default:
		res, err = backupData(d.index, d.store, dir)
		if cerr := d.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "%d documents, %.1f MB in %s (%d ms)\n", res.Documents, float64(res.Bytes)/1e6, res.Dir, res.TookMS)
	return nil
}

// backupData copies the index and the state store into dir as a data
// directory. The caller makes sure nothing writes in between (serve holds
// Gatherer.gate; a command holds the directory's lock).
func backupData(ix *index.Index, st *store.Store, dir string) (api.BackupResult, error) {
	start := time.Now()
	res := api.BackupResult{Dir: dir}
	if err := index.EmptyDir(dir); err != nil {
		if errors.Is(err, index.ErrBackupTarget) {
			return res, fmt.Errorf("%w: backup: %s exists and is not empty; give a new or empty directory", api.ErrInvalid, dir)
		}
		return res, fmt.Errorf("backup: %w", err)
	}
	if err := ix.Backup(filepath.Join(dir, "index.bleve")); err != nil {
		return res, fmt.Errorf("backup: %w", err)
	}
	if err := st.Backup(filepath.Join(dir, "state.db")); err != nil {
		return res, fmt.Errorf("backup: %w", err)
	}
	if err := index.SyncTree(dir); err != nil {
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

// Backup implements api.Backups: it pauses index writes (searches go on)
// while it copies the index and the store.
func (g *Gatherer) Backup(ctx context.Context, dir string) (api.BackupResult, error) {
	g.gate.Lock()
	defer g.gate.Unlock()
	if err := ctx.Err(); err != nil {
		return api.BackupResult{}, err
	}
	return backupData(g.index, g.store, dir)
}
