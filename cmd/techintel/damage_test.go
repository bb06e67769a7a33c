package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/store"
)

// filledDataDir writes a data directory with documents in the index and
// a subscription with alerts in the state store.
func filledDataDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	d, err := datadir.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var docs []index.Document
	for i := range 12 {
		u := fmt.Sprintf("https://news.example/%d", i)
		docs = append(docs, index.Document{ID: index.DocID(u), URL: u, Title: fmt.Sprintf("Nokia radio %d", i), Body: "radio", Source: "news"})
	}
	for _, part := range [][]index.Document{docs[:6], docs[6:]} {
		if _, err := d.Index.Upsert(context.Background(), part); err != nil {
			t.Fatal(err)
		}
	}
	sub, err := d.Store.AddSubscription(store.Subscription{Name: "n", Query: "radio"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Store.AddAlerts([]store.Match{{Subscription: sub.ID, Document: docs[0].ID}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := d.Store.UpdateSource("news", func(s *store.SourceState) { s.ETag = `"v1"` }); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestDamagedDataDirStopsServe: with state.db deleted serve started with
// no subscriptions; with the index deleted it answered 500s; a truncated
// state.db panicked; a damaged segment changed results silently. Each is
// found at start, named, with the way back; -repair moves it aside and
// starts.
func TestDamagedDataDirStopsServe(t *testing.T) {
	for _, tt := range []struct {
		name   string
		damage func(t *testing.T, dir string)
		names  string // the file the message names
	}{
		{"state.db deleted", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "state.db")) }, "state.db is missing while the index holds 12 documents"},
		{"index deleted", func(t *testing.T, dir string) { os.RemoveAll(filepath.Join(dir, "index.bleve")) }, "index.bleve is missing"},
		{"state.db truncated", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "state.db")
			info, _ := os.Stat(p)
			os.Truncate(p, info.Size()/3)
		}, "state.db"},
		{"segment corrupted", func(t *testing.T, dir string) {
			// Every segment file: the first by name may be one a merge
			// made obsolete that no snapshot reads any more.
			segs, _ := filepath.Glob(filepath.Join(dir, "index.bleve", "*", "store", "*.zap"))
			if len(segs) == 0 {
				t.Fatal("no segment files")
			}
			for _, seg := range segs {
				b, _ := os.ReadFile(seg)
				b[len(b)/2] ^= 1
				os.WriteFile(seg, b, 0o600)
			}
		}, ".zap"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := filledDataDir(t)
			if err := datadir.Check(dir, datadir.CheckOptions{}, newLogger(io.Discard)); err != nil {
				t.Fatalf("an intact directory: %v", err)
			}
			tt.damage(t, dir)
			err := datadir.Check(dir, datadir.CheckOptions{}, newLogger(io.Discard))
			if err == nil || !strings.Contains(err.Error(), tt.names) || !strings.Contains(err.Error(), "techintel backup") || !strings.Contains(err.Error(), "-repair") {
				t.Fatalf("check: %v", err)
			}
			var log bytes.Buffer
			if err := datadir.Check(dir, datadir.CheckOptions{Repair: true}, newLogger(&log)); err != nil {
				t.Fatalf("repair: %v", err)
			}
			if !strings.Contains(log.String(), "repair: starting with an empty") {
				t.Errorf("repair does not say what it rebuilds: %s", log.String())
			}
			if err := datadir.Check(dir, datadir.CheckOptions{}, newLogger(io.Discard)); err != nil {
				t.Fatalf("after repair: %v", err)
			}
			d, err := datadir.Open(dir)
			if err != nil {
				t.Fatalf("open after repair: %v", err)
			}
			defer d.Close()
			if strings.Contains(tt.name, "segment") || strings.Contains(tt.name, "index") {
				// The index starts empty and sources fetch everything again.
				if st, _ := d.Store.Source("news"); st.ETag != "" {
					t.Errorf("the source state survived an index repair: %+v", st)
				}
				if subs, _ := d.Store.Subscriptions(); len(subs) != 1 {
					t.Errorf("subscriptions after an index repair: %d", len(subs))
				}
			}
		})
	}
}

// TestServeRefusesDamagedDataDir: the check runs where serve starts.
func TestServeRefusesDamagedDataDir(t *testing.T) {
	dir := filledDataDir(t)
	os.Remove(filepath.Join(dir, "state.db"))
	configPath := filepath.Join(t.TempDir(), "techintel.toml")
	cfg := fmt.Sprintf("data_dir = %q\n[api]\nlisten = %q\n", dir, freePort(t))
	if err := os.WriteFile(configPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"serve", "-config", configPath}, &stdout, &stderr); code == exitOK ||
		!strings.Contains(stderr.String(), "state.db is missing") {
		t.Errorf("serve on a damaged directory: exit %d\n%s", code, stderr.String())
	}
}

// backdateSegments dates the index's segment files an hour back, as a
// start finds the files an earlier run wrote (the check does not record
// a segment modified within a second of it).
func backdateSegments(t *testing.T, dir string) int {
	t.Helper()
	segs, _ := filepath.Glob(filepath.Join(dir, "index.bleve", "*", "store", "*.zap"))
	if len(segs) == 0 {
		t.Fatal("no segment files")
	}
	then := time.Now().Add(-time.Hour)
	for _, s := range segs {
		if err := os.Chtimes(s, then, then); err != nil {
			t.Fatal(err)
		}
	}
	return len(segs)
}

// TestCheckReadsOnlyNewSegments: serve's check read the whole index at
// every start (about 10 s a million documents); it reads what was not
// verified before, says so, and -full-check reads everything.
func TestCheckReadsOnlyNewSegments(t *testing.T) {
	dir := filledDataDir(t)
	backdateSegments(t, dir)
	check := func(o datadir.CheckOptions) string {
		t.Helper()
		var log bytes.Buffer
		if err := datadir.Check(dir, o, newLogger(&log)); err != nil {
			t.Fatalf("check %+v: %v", o, err)
		}
		return log.String()
	}
	if first := check(datadir.CheckOptions{}); !strings.Contains(first, "index checked") || !strings.Contains(first, "segments_unchanged=0") ||
		strings.Contains(first, "segments_read=0") {
		t.Errorf("first check: %s", first)
	}
	second := check(datadir.CheckOptions{})
	if !strings.Contains(second, "segments_read=0") || !strings.Contains(second, "bytes_read=0") || strings.Contains(second, "segments_unchanged=0") {
		t.Errorf("second check: %s", second)
	}
	if full := check(datadir.CheckOptions{Full: true}); !strings.Contains(full, "segments_unchanged=0") || !strings.Contains(full, "full=true") {
		t.Errorf("full check: %s", full)
	}
}

// TestServeFullCheck: serve -full-check reads every segment at start.
func TestServeFullCheck(t *testing.T) {
	dir := filledDataDir(t)
	backdateSegments(t, dir)
	if err := datadir.Check(dir, datadir.CheckOptions{}, newLogger(io.Discard)); err != nil {
		t.Fatal(err)
	}
	// serve stops after its check: a missing state.db is damage.
	os.Remove(filepath.Join(dir, "state.db"))
	configPath := filepath.Join(t.TempDir(), "techintel.toml")
	cfg := fmt.Sprintf("data_dir = %q\n[api]\nlisten = %q\n", dir, freePort(t))
	if err := os.WriteFile(configPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "-config", configPath}, "segments_read=0"},
		{[]string{"serve", "-full-check", "-config", configPath}, "segments_unchanged=0"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), tt.args, &stdout, &stderr); code == exitOK ||
			!strings.Contains(stderr.String(), tt.want) || !strings.Contains(stderr.String(), "state.db is missing") {
			t.Errorf("%v: exit %d, want the check's log with %s\n%s", tt.args, code, tt.want, stderr.String())
		}
	}
}
