package api

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// dirBackups records the directories it is asked to back up into; one
// named "full" fails like a full disk, one named "used" is not empty.
type dirBackups struct{ dirs []string }

func (b *dirBackups) Backup(_ context.Context, dir string) (BackupResult, error) {
	switch {
	case dir == "used":
		return BackupResult{}, fmt.Errorf("%w: %s exists and is not empty", ErrInvalid, dir)
	case dir == "full":
		return BackupResult{}, errors.New("index write failed: no space left on device")
	}
	b.dirs = append(b.dirs, dir)
	return BackupResult{Dir: dir, Documents: 3}, nil
}

func TestBackupEndpoint(t *testing.T) {
	b := &dirBackups{}
	tokens := []Token{
		{Name: "reader", SHA256: sha256.Sum256([]byte("reader-token-0123456789"))},
		{Name: "admin", SHA256: sha256.Sum256([]byte("admin-token-01234567890")), Admin: true},
	}
	s := New(Options{Backups: b, Tokens: tokens})
	tests := []struct {
		name, token, body string
		status            int
		want              string
	}{
		{"admin", "admin-token-01234567890", `{"dir": "b1"}`, 200, `"documents":3`},
		{"nested name", "admin-token-01234567890", `{"dir": "weekly/2026-W47"}`, 200, `"documents":3`},
		{"read token", "reader-token-0123456789", `{"dir": "b2"}`, 403, "admin token"},
		{"no token", "", `{"dir": "b3"}`, 401, "bearer"},
		{"absolute dir", "admin-token-01234567890", `{"dir": "/etc/techintel-owned"}`, 400, "not an absolute path"},
		{"dev null", "admin-token-01234567890", `{"dir": "/dev/null"}`, 400, "not an absolute path"},
		{"parent", "admin-token-01234567890", `{"dir": "../data"}`, 400, "plain relative name"},
		{"parent inside", "admin-token-01234567890", `{"dir": "a/../../data/index.bleve"}`, 400, "plain relative name"},
		{"hidden", "admin-token-01234567890", `{"dir": ".partial"}`, 400, "plain relative name"},
		{"NUL", "admin-token-01234567890", `{"dir": "a\u0000b"}`, 400, "control characters"},
		{"4,000 characters", "admin-token-01234567890", `{"dir": "` + strings.Repeat("x", 4000) + `"}`, 400, "too long"},
		{"no dir", "admin-token-01234567890", `{}`, 400, "required"},
		{"unknown field", "admin-token-01234567890", `{"dir": "b5", "force": true}`, 400, "unknown field"},
		{"not empty", "admin-token-01234567890", `{"dir": "used"}`, 400, "not empty"},
		{"disk full", "admin-token-01234567890", `{"dir": "full"}`, 500, "backup failed: index write failed: no space left on device"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/api/v1/admin/backup", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			w := httptest.NewRecorder()
			s.ServeHTTP(w, req)
			if w.Code != tt.status || !strings.Contains(w.Body.String(), tt.want) {
				t.Errorf("%d %s, want %d with %q", w.Code, w.Body, tt.status, tt.want)
			}
		})
	}
	if len(b.dirs) != 2 || b.dirs[0] != "b1" || b.dirs[1] != "weekly/2026-W47" {
		t.Errorf("backups made: %v", b.dirs)
	}
	// Without Backups the route does not exist.
	w := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/api/v1/admin/backup", strings.NewReader(`{"dir": "x"}`))
	req.Header.Set("Content-Type", "application/json")
	New(Options{}).ServeHTTP(w, req)
	if w.Code != http.StatusNotFound {
		t.Errorf("without Backups: %d", w.Code)
	}
}
