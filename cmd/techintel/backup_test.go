package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
	"github.com/techintel/techintel/index"
)

// snapshotOf answers a fixed set of searches and lists the alerts of an
// open data directory, to compare a backup with its original.
func snapshotOf(t *testing.T, d *datadir.Dir) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	for _, q := range []index.Query{{}, {Q: "nokia"}, {Q: "open ran"}, {Components: []string{"others"}}, {Entities: []string{"Ericsson"}}} {
		q.Limit = index.MaxLimit
		res, err := d.Index.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]string, len(res.Hits))
		for i, h := range res.Hits {
			ids[i] = h.ID
		}
		slices.Sort(ids)
		fmt.Fprintf(&b, "%+v: %d %v\n", q, res.Total, ids)
	}
	alerts, _, err := d.Store.Alerts("", "", 500)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range alerts {
		if _, err := d.Index.Get(ctx, a.Document); err != nil {
			t.Errorf("alert %s names document %s, which is not in the index: %v", a.ID, a.Document, err)
		}
		fmt.Fprintf(&b, "alert %s %s %s\n", a.ID, a.Subscription, a.Document)
	}
	return b.String()
}

func openCopy(t *testing.T, dir string) *datadir.Dir {
	t.Helper()
	d, err := datadir.Open(dir)
	if err != nil {
		t.Fatalf("the backup does not open as a data directory: %v", err)
	}
	return d
}

// TestBackupBesideServeAndAlone: while serve runs and keeps re-running
// its sources, `techintel backup` asks serve for the copy; after serve
// stops, it copies by itself. Both copies open as data directories and
// answer the same searches and alerts as the original.
func TestBackupBesideServeAndAlone(t *testing.T) {
	t.Parallel() // mostly waits for servers and child processes
	listen := freePort(t)
	configPath, _ := demoWorld(t, listen)
	cfg, err := LoadConfig(configPath)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var serveErr bytes.Buffer
	done := make(chan int)
	go func() { done <- run(ctx, []string{"serve", "-config", configPath}, &bytes.Buffer{}, &serveErr) }()

	// Wait for every source's first run.
	deadline := time.Now().Add(60 * time.Second)
	for {
		var res struct {
			Sources []struct {
				LastRun *time.Time `json:"last_run"`
			}
		}
		resp, err := http.Get("http://" + listen + "/api/v1/sources")
		ran := 0
		if err == nil {
			json.NewDecoder(resp.Body).Decode(&res)
			resp.Body.Close()
			for _, s := range res.Sources {
				if s.LastRun != nil {
					ran++
				}
			}
		}
		if ran > 0 && ran == len(res.Sources) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not gather: %s", serveErr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	// A subscription with backfilled alerts, so that the store has some.
	if status, body := doJSON(t, "POST", "http://"+listen+"/api/v1/subscriptions", `{"name": "nokia", "entities": ["Nokia"], "backfill": true, "backfill_days": 365}`); status != 201 {
		t.Fatalf("subscription: %d %v", status, body)
	}

	// Keep ingesting while the backup runs.
	stopRuns := make(chan struct{})
	var wg sync.WaitGroup
	for _, s := range cfg.Sources {
		wg.Go(func() {
			for {
				select {
				case <-stopRuns:
					return
				default:
				}
				doJSON(t, "POST", "http://"+listen+"/api/v1/sources/"+s.Name+"/run", "")
			}
		})
	}
	live := filepath.Join(backupRoot(cfg), "live")
	var stdout, stderr bytes.Buffer
	// serve writes only under backup_dir.
	if code := run(context.Background(), []string{"backup", "-config", configPath, filepath.Join(t.TempDir(), "elsewhere")}, &stdout, &stderr); code != exitUsage ||
		!strings.Contains(stderr.String(), "only under backup_dir") {
		t.Errorf("backup beside serve outside backup_dir: exit %d, %q", code, stderr.String())
	}
	stderr.Reset()
	code := run(context.Background(), []string{"backup", "-config", configPath, live}, &stdout, &stderr)
	close(stopRuns)
	wg.Wait()
	if code != 0 || !strings.Contains(stdout.String(), "serve wrote the backup") {
		t.Fatalf("backup beside serve: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	stderr.Reset()
	if code := run(context.Background(), []string{"backup", "-config", configPath, live}, &stdout, &stderr); code != exitUsage ||
		!strings.Contains(stderr.String(), "exists and is not empty") {
		t.Errorf("backup into a non-empty directory: exit %d, %q", code, stderr.String())
	}

	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited %d: %s", code, serveErr.String())
	}
	alone := filepath.Join(t.TempDir(), "alone")
	stdout.Reset()
	if code := run(context.Background(), []string{"backup", "-config", configPath, alone}, &stdout, &stderr); code != 0 ||
		strings.Contains(stdout.String(), "serve") {
		t.Fatalf("backup alone: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}

	d := openCopy(t, cfg.DataDir)
	want := snapshotOf(t, d)
	d.Close()
	if !strings.Contains(want, "alert ") {
		t.Fatalf("no alerts to compare:\n%s", want)
	}
	for _, dir := range []string{live, alone} {
		d := openCopy(t, dir)
		if got := snapshotOf(t, d); got != want {
			t.Errorf("backup %s answers\n%s\nthe original answers\n%s", filepath.Base(dir), got, want)
		}
		if p, _ := d.Store.Pending(); len(p) != 0 {
			t.Errorf("backup %s holds a half-done batch: %+v", filepath.Base(dir), p)
		}
		d.Close()
	}
}
