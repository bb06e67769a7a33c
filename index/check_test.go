package index

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// damagedIndex builds an index with documents in two segments and
// returns its path and one of its segment files.
func damagedIndex(t *testing.T) (path, segment string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "index.bleve")
	ix, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for k := range 2 {
		if _, err := ix.Upsert(context.Background(), diskDocs(10*k, 10)); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	segs, _ := filepath.Glob(filepath.Join(path, "*", "store", "*.zap"))
	if len(segs) == 0 {
		t.Fatal("no segment files")
	}
	return path, segs[len(segs)-1]
}

// TestCheckFindsDamage: a truncated, altered or missing segment was found
// only as 500s or changed results; Check names the file at start.
func TestCheckFindsDamage(t *testing.T) {
	path, _ := damagedIndex(t)
	if n, err := Check(path); err != nil || n != 20 {
		t.Fatalf("an intact index: %d documents, %v", n, err)
	}
	if _, err := Check(filepath.Join(t.TempDir(), "none")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("no index: %v", err)
	}
	for _, tt := range []struct {
		name   string
		damage func(t *testing.T, seg string)
	}{
		{"truncated segment", func(t *testing.T, seg string) {
			info, _ := os.Stat(seg)
			if err := os.Truncate(seg, info.Size()/2); err != nil {
				t.Fatal(err)
			}
		}},
		{"a flipped byte", func(t *testing.T, seg string) {
			b, _ := os.ReadFile(seg)
			b[len(b)/3] ^= 0x20
			if err := os.WriteFile(seg, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"missing segment", func(t *testing.T, seg string) {
			if err := os.Remove(seg); err != nil {
				t.Fatal(err)
			}
		}},
		{"empty segment", func(t *testing.T, seg string) {
			if err := os.Truncate(seg, 0); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path, seg := damagedIndex(t)
			tt.damage(t, seg)
			_, err := Check(path)
			if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), path) {
				t.Errorf("Check: %v, want ErrDamaged naming the file", err)
			}
		})
	}
}

func TestMoveAside(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "state.db")
	for n := 1; n <= 2; n++ {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		to, err := MoveAside(p)
		if err != nil || filepath.Base(to) != "state.db.damaged-"+string(rune('0'+n)) {
			t.Errorf("move %d: %s, %v", n, to, err)
		}
	}
}

// TestCheckNamesTheDamagedSegment: a flipped byte made zap fail (or panic)
// while the index opened, before the checksums were compared, and the
// message named only the index directory, depending on where the byte
// was. Wherever it is, Check names the segment.
func TestCheckNamesTheDamagedSegment(t *testing.T) {
	path, seg := damagedIndex(t)
	orig, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 32; i++ {
		b := append([]byte(nil), orig...)
		at := len(b) * i / 32
		b[at] ^= 0x5a
		if err := os.WriteFile(seg, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Check(path); !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), filepath.Base(seg)) {
			t.Errorf("byte %d of %d flipped: %v, want ErrDamaged naming %s", at, len(b), err, filepath.Base(seg))
		}
	}
}
