package index

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// verifiedIndex writes an index of three partitions from two batches,
// closes it and dates its segment files an hour back, as a
// start finds the files an earlier run wrote (segments modified within
// racyMargin of a check are verified but not recorded).
func verifiedIndex(t *testing.T) string {
	t.Helper()
	ix, path := openDisk(t, monthly())
	docs := monthDocs(jan, 3, 6)
	for _, part := range [][]Document{docs[:9], docs[9:]} {
		if _, err := ix.Upsert(context.Background(), part); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	backdate(t, path)
	return path
}

// backdate dates every segment file of the index at path that was
// modified in the last half hour an hour back.
func backdate(t *testing.T, path string) {
	t.Helper()
	segs, _ := filepath.Glob(filepath.Join(path, "*", "store", "*.zap"))
	then := time.Now().Add(-time.Hour)
	for _, s := range segs {
		fi, err := os.Stat(s)
		if err != nil {
			t.Fatal(err)
		}
		if fi.ModTime().Before(time.Now().Add(-30 * time.Minute)) {
			continue
		}
		if err := os.Chtimes(s, then, then); err != nil {
			t.Fatal(err)
		}
	}
}

// partitionDirs are the partitions of the index at path.
func partitionDirs(t *testing.T, path string) []string {
	t.Helper()
	entries, err := os.ReadDir(path)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if _, _, ok := monthSpan(e.Name()); ok && e.IsDir() {
			dirs = append(dirs, filepath.Join(path, e.Name()))
		}
	}
	if len(dirs) < 2 {
		t.Fatalf("%d partitions, want several", len(dirs))
	}
	return dirs
}

// mustCheck runs a check that must pass.
func mustCheck(t *testing.T, path string, o CheckOptions) CheckReport {
	t.Helper()
	r, err := CheckWith(path, o)
	if err != nil {
		t.Fatalf("check %+v: %v", o, err)
	}
	return r
}

// recordedSegment is a segment file of partition 2026-02 that its record
// holds.
func recordedSegment(t *testing.T, path string) string {
	t.Helper()
	dir := filepath.Join(path, "2026-02")
	names := slices.Sorted(maps.Keys(loadVerified(dir).Segments))
	if len(names) == 0 {
		t.Fatal("the record of 2026-02 holds no segment")
	}
	return filepath.Join(dir, "store", names[len(names)-1])
}

// TestCheckReadsOnlyWhatIsNew: serve's start read every segment of the
// index (about 10 s a million documents). A check after a clean one reads
// none; after more writes, only the new segments; the record names only
// live segments.
func TestCheckReadsOnlyWhatIsNew(t *testing.T) {
	path := verifiedIndex(t)
	first := mustCheck(t, path, CheckOptions{})
	if first.Docs != 18 || first.Streamed < 3 || first.Unchanged != 0 || first.StreamedBytes == 0 || first.RecordErr != nil {
		t.Fatalf("first check: %+v", first)
	}
	for _, dir := range partitionDirs(t, path) {
		if _, err := os.Stat(filepath.Join(dir, verifiedFile)); err != nil {
			t.Errorf("no record in %s: %v", dir, err)
		}
	}
	second := mustCheck(t, path, CheckOptions{})
	if second.Docs != 18 || second.Streamed != 0 || second.StreamedBytes != 0 || second.Unchanged != first.Streamed {
		t.Fatalf("second check read again: %+v (first %+v)", second, first)
	}

	// More documents in every partition: new segments, and maybe merges
	// that replace old ones.
	ix, err := OpenWith(path, monthly())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Upsert(context.Background(), monthDocs(jan, 3, 9)); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	backdate(t, path)
	third := mustCheck(t, path, CheckOptions{})
	if third.Docs != 27 || third.Streamed == 0 {
		t.Fatalf("the new segments were not read: %+v", third)
	}
	live := 0
	for _, dir := range partitionDirs(t, path) {
		for name := range loadVerified(dir).Segments {
			live++
			if _, err := os.Stat(filepath.Join(dir, "store", name)); err != nil {
				t.Errorf("the record of %s names %s: %v", dir, name, err)
			}
		}
	}
	if live != third.Streamed+third.Unchanged {
		t.Errorf("the records hold %d segments, the check found %d live", live, third.Streamed+third.Unchanged)
	}
	if fourth := mustCheck(t, path, CheckOptions{}); fourth.Streamed != 0 || fourth.Unchanged != live {
		t.Errorf("fourth check: %+v", fourth)
	}
	if full := mustCheck(t, path, CheckOptions{Full: true}); full.Streamed != live || full.Unchanged != 0 {
		t.Errorf("full check: %+v, want %d read", full, live)
	}
}

// TestCheckRereadsSegmentsJustWritten: a segment modified less than
// racyMargin before the check could be written again within the file
// system's clock tick without a change of times, so it is not recorded.
func TestCheckRereadsSegmentsJustWritten(t *testing.T) {
	ix, path := openDisk(t, monthly())
	if _, err := ix.Upsert(context.Background(), monthDocs(jan, 2, 4)); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	// Dated a minute ahead: modified "now" on any clock tick.
	soon := time.Now().Add(time.Minute)
	segs, _ := filepath.Glob(filepath.Join(path, "*", "store", "*.zap"))
	for _, s := range segs {
		if err := os.Chtimes(s, soon, soon); err != nil {
			t.Fatal(err)
		}
	}
	first := mustCheck(t, path, CheckOptions{})
	second := mustCheck(t, path, CheckOptions{})
	if first.Streamed == 0 || second.Streamed != first.Streamed || second.Unchanged != 0 {
		t.Errorf("segments just written: first %+v, second %+v", first, second)
	}
}

// TestCheckFindsDamageToVerifiedSegments: whatever changes a verified
// segment through the file system changes what the record holds of it,
// so it is read again and the damage named.
func TestCheckFindsDamageToVerifiedSegments(t *testing.T) {
	for _, tt := range []struct {
		name   string
		damage func(t *testing.T, seg string)
		// missing: the error names the partition (no checksum to fail).
		missing bool
	}{
		{"a flipped byte", func(t *testing.T, seg string) { flipByte(t, seg, 0.4) }, false},
		{"truncated", func(t *testing.T, seg string) {
			fi, _ := os.Stat(seg)
			if err := os.Truncate(seg, fi.Size()/2); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"a flipped byte, size and modification time restored", func(t *testing.T, seg string) {
			if runtime.GOOS != "linux" {
				t.Skip("only Linux's inode change time shows a write whose modification time was set back")
			}
			fi, _ := os.Stat(seg)
			flipByte(t, seg, 0.4)
			if err := os.Chtimes(seg, fi.ModTime(), fi.ModTime()); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"replaced by a damaged copy with its times", func(t *testing.T, seg string) {
			fi, _ := os.Stat(seg)
			b, _ := os.ReadFile(seg)
			b[len(b)/2] ^= 0x10
			tmp := seg + ".new"
			if err := os.WriteFile(tmp, b, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(tmp, fi.ModTime(), fi.ModTime()); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(tmp, seg); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"missing", func(t *testing.T, seg string) {
			if err := os.Remove(seg); err != nil {
				t.Fatal(err)
			}
		}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := verifiedIndex(t)
			mustCheck(t, path, CheckOptions{})
			seg := recordedSegment(t, path)
			tt.damage(t, seg)
			name := seg
			if tt.missing {
				name = filepath.Dir(filepath.Dir(seg))
			}
			_, err := CheckWith(path, CheckOptions{})
			if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), name) {
				t.Errorf("check: %v, want ErrDamaged naming %s", err, name)
			}
			if _, err := CheckWith(path, CheckOptions{Full: true}); !errors.Is(err, ErrDamaged) {
				t.Errorf("full check: %v, want ErrDamaged", err)
			}
		})
	}
}

// flipByte flips a byte at the fraction at of seg, writing through the
// file system.
func flipByte(t *testing.T, seg string, at float64) {
	t.Helper()
	b, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	b[int(float64(len(b))*at)] ^= 0x20
	if err := os.WriteFile(seg, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestFullCheckFindsWhatTheQuickCheckCannot documents the quick check's
// limit: a byte that changes while the file system describes the file as
// before (the medium's corruption, simulated here by recording the
// damaged file's description) is not found until `serve -full-check`.
func TestFullCheckFindsWhatTheQuickCheckCannot(t *testing.T) {
	path := verifiedIndex(t)
	mustCheck(t, path, CheckOptions{})
	seg := recordedSegment(t, path)
	b, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	// A stored title: the segment still loads with it changed.
	at := bytes.Index(b, []byte("Radio report"))
	if at < 0 {
		t.Fatal("no stored title in the segment")
	}
	b[at] = 'X'
	if err := os.WriteFile(seg, b, 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(filepath.Dir(seg))
	rec := loadVerified(dir)
	st, crc, err := segmentFooter(seg)
	if err != nil {
		t.Fatal(err)
	}
	rec.Segments[filepath.Base(seg)] = verifiedSegment{stamp: st, CRC: crc}
	if err := writeVerified(dir, rec.Segments); err != nil {
		t.Fatal(err)
	}
	if r, err := CheckWith(path, CheckOptions{}); err != nil || r.Streamed != 0 {
		t.Errorf("the quick check read the segment the file system describes as before: %+v, %v", r, err)
	}
	_, err = CheckWith(path, CheckOptions{Full: true})
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), filepath.Base(seg)) {
		t.Errorf("full check: %v, want ErrDamaged naming %s", err, filepath.Base(seg))
	}
}

// TestCheckDistrustsABadRecord: a record that does not parse, or is not
// one this release writes, means reading every segment, and is rewritten.
func TestCheckDistrustsABadRecord(t *testing.T) {
	good := func(t *testing.T, dir string) verifiedRecord { return loadVerified(dir) }
	for _, tt := range []struct {
		name   string
		record func(t *testing.T, dir string) []byte
	}{
		{"garbage", func(*testing.T, string) []byte { return []byte("\x00\xffnot json") }},
		{"empty", func(*testing.T, string) []byte { return nil }},
		{"cut short", func(t *testing.T, dir string) []byte {
			b, _ := json.Marshal(good(t, dir))
			return b[:len(b)/2]
		}},
		{"another version", func(t *testing.T, dir string) []byte {
			r := good(t, dir)
			r.Version = 2
			b, _ := json.Marshal(r)
			return b
		}},
		{"an unknown field", func(t *testing.T, dir string) []byte {
			b, _ := json.Marshal(good(t, dir))
			return append([]byte(`{"trust":"all",`), b[1:]...)
		}},
		{"a name outside store", func(t *testing.T, dir string) []byte {
			r := good(t, dir)
			for name, s := range r.Segments {
				r.Segments["../"+name] = s
			}
			b, _ := json.Marshal(r)
			return b
		}},
		{"two records", func(t *testing.T, dir string) []byte {
			b, _ := json.Marshal(good(t, dir))
			return append(b, b...)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := verifiedIndex(t)
			first := mustCheck(t, path, CheckOptions{})
			for _, dir := range partitionDirs(t, path) {
				if err := os.WriteFile(filepath.Join(dir, verifiedFile), tt.record(t, dir), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if r := mustCheck(t, path, CheckOptions{}); r.Streamed != first.Streamed || r.Unchanged != 0 {
				t.Errorf("with a bad record: %+v, want every segment read (%d)", r, first.Streamed)
			}
			if r := mustCheck(t, path, CheckOptions{}); r.Streamed != 0 {
				t.Errorf("the record was not rewritten: %+v", r)
			}
		})
	}
}

// TestCheckPrunesTheRecord: a record naming a segment that no longer
// exists (merged away, or deleted) loses it at the next write.
func TestCheckPrunesTheRecord(t *testing.T) {
	path := verifiedIndex(t)
	mustCheck(t, path, CheckOptions{})
	dir := filepath.Join(path, "2026-01")
	rec := loadVerified(dir)
	rec.Segments["00000000ffff.zap"] = verifiedSegment{stamp: stamp{Size: 100, MtimeNS: 1}, CRC: 7}
	if err := writeVerified(dir, rec.Segments); err != nil {
		t.Fatal(err)
	}
	if r := mustCheck(t, path, CheckOptions{}); r.Streamed != 0 {
		t.Errorf("check: %+v", r)
	}
	if _, ok := loadVerified(dir).Segments["00000000ffff.zap"]; ok {
		t.Error("the record still names a segment that does not exist")
	}
}

// TestCheckWithoutARecordPasses: a record that cannot be written does not
// fail the check: the next one reads the segments again.
func TestCheckWithoutARecordPasses(t *testing.T) {
	for _, tt := range []struct {
		name    string
		prevent func(t *testing.T, dir string)
	}{
		{"a read-only partition directory", func(t *testing.T, dir string) {
			if err := os.Chmod(dir, 0o500); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod(dir, 0o700) })
			if f, err := os.Create(filepath.Join(dir, "probe")); err == nil {
				f.Close()
				os.Remove(f.Name())
				t.Skip("this user writes to a read-only directory (root): the directory case below covers it")
			}
		}},
		{"a directory where the record goes", func(t *testing.T, dir string) {
			if err := os.MkdirAll(filepath.Join(dir, verifiedFile, "x"), 0o700); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := verifiedIndex(t)
			for _, dir := range partitionDirs(t, path) {
				tt.prevent(t, dir)
			}
			first := mustCheck(t, path, CheckOptions{})
			if first.RecordErr == nil || first.Docs != 18 || first.Streamed == 0 {
				t.Errorf("first check: %+v", first)
			}
			if r := mustCheck(t, path, CheckOptions{}); r.Streamed != first.Streamed || r.Unchanged != 0 {
				t.Errorf("second check: %+v, want every segment read again", r)
			}
		})
	}
}

// TestCheckLegacyLayoutWhole: an index of the layout before partitions
// (which Open migrates) is checked whole every time, and gets no record.
func TestCheckLegacyLayoutWhole(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.bleve")
	buildSingleIndex(t, path, monthDocs(jan, 2, 5))
	segs, _ := filepath.Glob(filepath.Join(path, "store", "*.zap"))
	then := time.Now().Add(-time.Hour)
	for _, s := range segs {
		if err := os.Chtimes(s, then, then); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if r := mustCheck(t, path, CheckOptions{}); r.Docs != 10 || r.Streamed == 0 || r.Unchanged != 0 {
			t.Errorf("check of the single-index layout: %+v", r)
		}
	}
	if _, err := os.Stat(filepath.Join(path, verifiedFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a record in the single-index layout: %v", err)
	}
}

// FuzzParseVerified: a record read from disk never panics the check, and
// one that parses means what it says when written again.
func FuzzParseVerified(f *testing.F) {
	ok, _ := json.Marshal(verifiedRecord{Version: verifiedVersion, Segments: map[string]verifiedSegment{
		"00000000000a.zap": {stamp: stamp{Size: 4096, MtimeNS: 1765000000000000000, CtimeNS: 1765000000000000001, Inode: 42}, CRC: 0xdeadbeef}}})
	f.Add(ok)
	f.Add([]byte(`{"version":1,"segments":{}}`))
	f.Add([]byte(`{"version":1,"segments":{"../x.zap":{"size":9,"mtime_ns":1,"crc":1}}}`))
	f.Add([]byte(`{"version":1}{}`))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseVerified(b)
		if err != nil {
			return
		}
		again, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := parseVerified(again)
		if err != nil || !maps.Equal(r.Segments, r2.Segments) {
			t.Errorf("%q parsed, written as %q, reads back as %+v, %v", b, again, r2, err)
		}
	})
}
