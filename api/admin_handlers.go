package api

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
)

// Backups writes consistent copies of the data directory while serving.
type Backups interface {
	// Backup copies the data directory into dir (absolute; it must not
	// exist or be empty). User-fixable problems wrap ErrInvalid.
	Backup(ctx context.Context, dir string) (BackupResult, error)
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

// handleBackup serves POST /api/v1/admin/backup {"dir": "/abs/path"}.
// The directory is on serve's machine: this is what `techintel backup`
// calls when serve holds the data directory.
func (s *Server) handleBackup(w http.ResponseWriter, r *http.Request) {
	var req backupRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	req.Dir = strings.TrimSpace(req.Dir)
	if req.Dir == "" || !filepath.IsAbs(req.Dir) {
		writeError(w, http.StatusBadRequest, "dir: an absolute directory path on the server is required")
		return
	}
	res, err := s.backups.Backup(r.Context(), filepath.Clean(req.Dir))
	switch {
	case errors.Is(err, ErrInvalid):
		writeError(w, http.StatusBadRequest, err.Error())
	case err != nil:
		// Admin only, and the reason (a full disk, a permission) is what
		// the operator needs.
		s.log.Error("api: backup failed", "dir", req.Dir, "error", err)
		writeError(w, http.StatusInternalServerError, "backup failed: "+err.Error())
	default:
		writeJSON(w, http.StatusOK, res)
	}
}
