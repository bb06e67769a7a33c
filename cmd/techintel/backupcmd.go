package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
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
	if err := datadir.CheckOutside(cfg.DataDir, dir); err != nil {
		return &usageError{msg: "backup: " + err.Error()}
	}
	var res api.BackupResult
	d, err := datadir.Open(cfg.DataDir)
	switch {
	case datadir.IsInUse(err):
		// serve writes only under backup_dir, by a relative name.
		root := backupRoot(cfg)
		name, rerr := filepath.Rel(root, dir)
		if rerr != nil || api.CheckBackupName(filepath.ToSlash(name)) != nil {
			return &usageError{msg: fmt.Sprintf("backup: serve holds the data directory and writes backups only under backup_dir (%s); give a directory there", root)}
		}
		body, _ := json.Marshal(map[string]string{"dir": filepath.ToSlash(name)})
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
		res, err = datadir.Backup(d.Index, d.Store, dir)
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

// backupRoot is where serve writes the backups its API is asked for:
// backup_dir, or a "backups" folder beside the data directory.
func backupRoot(cfg *Config) string {
	if cfg.BackupDir != "" {
		return filepath.Clean(cfg.BackupDir)
	}
	return filepath.Join(filepath.Dir(filepath.Clean(cfg.DataDir)), "backups")
}
