package api

import (
	"path/filepath"
	"strings"
	"testing"
)

// FuzzCheckBackupName: every name CheckBackupName accepts, joined under a
// backup root, stays strictly inside it and is not hidden.
func FuzzCheckBackupName(f *testing.F) {
	for _, s := range []string{"b1", "weekly/2026-W47", "../data", "/etc/x", "a/../../b", ".partial", "a\x00b", "a//b", "a/./b", `a\..\b`, "C:/x", strings.Repeat("x", 300)} {
		f.Add(s)
	}
	root := filepath.FromSlash("/srv/backups")
	f.Fuzz(func(t *testing.T, name string) {
		if CheckBackupName(name) != nil {
			return
		}
		dir := filepath.Join(root, filepath.FromSlash(name))
		rel, err := filepath.Rel(root, dir)
		if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			t.Fatalf("%q escapes the root: %s", name, dir)
		}
		if len(name) > MaxBackupName {
			t.Fatalf("%q is longer than %d bytes", name, MaxBackupName)
		}
		for _, part := range strings.Split(rel, string(filepath.Separator)) {
			if strings.HasPrefix(part, ".") {
				t.Fatalf("%q has a hidden part %q (the temporary copies' names)", name, part)
			}
		}
	})
}
