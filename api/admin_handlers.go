package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"time"
)

// Backups writes consistent copies of the data directory while serving.
type Backups interface {
	// Backup copies the data directory into name, a relative path that
	// CheckBackupName accepted, under the configured backup directory
	// (never inside the data directory). The copy appears under its name
	// only once complete. User-fixable problems wrap ErrInvalid.
	Backup(ctx context.Context, name string) (BackupResult, error)
}

// BackupResult is the answer of POST /api/v1/admin/backup.
type BackupResult struct {
	Dir       string `json:"dir"`
	Documents uint64 `json:"documents"`
	Bytes     int64  `json:"bytes"`
	TookMS    int64  `json:"took_ms"`
}

type backupRequest struct {
	Dir string `json:"dir"`
}

// MaxBackupName is the longest backup name, in bytes.
const MaxBackupName = 200

// CheckBackupName accepts a relative path of plain names ("weekly/2026-W47"):
// no absolute path, no "..", no control characters, not too long. The
// API lets an admin token choose where under backup_dir a copy goes, not
// where on the machine.
func CheckBackupName(name string) error {
	switch {
	case name == "":
		return errors.New("dir: a name under backup_dir is required")
	case len(name) > MaxBackupName:
		return fmt.Errorf("dir: %d bytes is too long (at most %d)", len(name), MaxBackupName)
	case filepath.IsAbs(name) || strings.HasPrefix(name, "/"):
		return errors.New("dir: give a name relative to backup_dir, not an absolute path")
	case strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' || r == ':' }):
		return errors.New("dir: control characters, backslashes and colons are not allowed")
	}
	for _, part := range strings.Split(name, "/") {
		if part == "" || part == "." || part == ".." || strings.HasPrefix(part, ".") {
			return fmt.Errorf("dir: %q is not a plain relative name (no empty, \".\", \"..\" or hidden parts)", name)
		}
	}
	return nil
}

// handleBackup serves POST /api/v1/admin/backup {"dir": "name"}: the copy
// goes to backup_dir/name on serve's machine. This is what `techintel
// backup` calls when serve holds the data directory.
func (s *Server) handleBackup(w http.ResponseWriter, r *http.Request) {
	var req backupRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := CheckBackupName(req.Dir); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(LongWrite))
	res, err := s.backups.Backup(r.Context(), req.Dir)
	switch {
	case errors.Is(err, ErrInvalid):
		writeError(w, http.StatusBadRequest, err.Error())
	case err != nil:
		// Admin only, and the reason (a full disk, a permission) is what
		// the operator needs.
		s.log.Error("api: backup failed", slog.String("dir", req.Dir), slog.Any("error", err))
		writeError(w, http.StatusInternalServerError, "backup failed: "+err.Error())
	default:
		writeJSON(w, http.StatusOK, res)
	}
}
