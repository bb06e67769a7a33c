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
	case strings.HasSuffix(dir, "/used"):
		return BackupResult{}, fmt.Errorf("%w: %s exists and is not empty", ErrInvalid, dir)
	case strings.HasSuffix(dir, "/full"):
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
		{"admin", "admin-token-01234567890", `{"dir": "/tmp/b1"}`, 200, `"documents":3`},
		{"read token", "reader-token-0123456789", `{"dir": "/tmp/b2"}`, 403, "admin token"},
		{"no token", "", `{"dir": "/tmp/b3"}`, 401, "bearer"},
		{"relative dir", "admin-token-01234567890", `{"dir": "backups/b4"}`, 400, "absolute"},
		{"no dir", "admin-token-01234567890", `{}`, 400, "absolute"},
		{"unknown field", "admin-token-01234567890", `{"dir": "/tmp/b5", "force": true}`, 400, "unknown field"},
		{"not empty", "admin-token-01234567890", `{"dir": "/tmp/used"}`, 400, "not empty"},
		{"disk full", "admin-token-01234567890", `{"dir": "/tmp/full"}`, 500, "backup failed: index write failed: no space left on device"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/api/v1/admin/backup", strings.NewReader(tt.body))
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
	if len(b.dirs) != 1 || b.dirs[0] != "/tmp/b1" {
		t.Errorf("backups made: %v", b.dirs)
	}
	// Without Backups the route does not exist.
	w := httptest.NewRecorder()
	New(Options{}).ServeHTTP(w, httptest.NewRequest("POST", "/api/v1/admin/backup", strings.NewReader(`{"dir": "/tmp/x"}`)))
	if w.Code != http.StatusNotFound {
		t.Errorf("without Backups: %d", w.Code)
	}
}
