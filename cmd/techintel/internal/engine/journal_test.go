package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
)

func TestIndexWriteError(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("write segment: %w", syscall.ENOSPC), "index write failed: no space left on device"},
		{fmt.Errorf("write: %w", syscall.EFBIG), "index write failed: file too large"},
		{fmt.Errorf("open: %w", syscall.EROFS), "index write failed: the data directory is on a read-only file system"},
		{errors.New("boom"), "index write failed: boom"},
	}
	for _, tt := range tests {
		if got := indexWriteError(tt.err).Error(); !strings.HasPrefix(got, tt.want) {
			t.Errorf("indexWriteError(%v) = %q, want prefix %q", tt.err, got, tt.want)
		}
	}
	if !errors.Is(indexWriteError(fmt.Errorf("x: %w", context.Canceled)), context.Canceled) {
		t.Error("cancellation is not an index write failure")
	}
}
