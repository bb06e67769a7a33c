package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// limitFileSize makes this process's file size limit (RLIMIT_FSIZE) n
// bytes on SIGUSR2, so that writing past it fails with EFBIG as on a full
// disk, and lifts it again on SIGUSR1: space returns. The hard limit
// stays, so lifting is allowed.
func limitFileSize(n string) {
	size, err := strconv.ParseUint(n, 10, 64)
	if err != nil {
		panic(err)
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		panic(err)
	}
	hard := lim.Max
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGUSR2)
	go func() {
		for sig := range sigs {
			lim.Cur = hard
			if sig == syscall.SIGUSR2 {
				lim.Cur = size
			}
			if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
				panic(err)
			}
			fmt.Fprintf(os.Stderr, "test: file size limit %d\n", lim.Cur)
		}
	}()
}

// TestFullDiskFailsIngestAndRecovers runs serve with a file size limit
// below the size of its files, so that every write of the index and the
// state store fails with EFBIG, as on a full disk: the source records a
// clear error, searches keep being answered, and once the limit is lifted
// the next run indexes what it could not before.
func TestFullDiskFailsIngestAndRecovers(t *testing.T) {
	if testing.Short() {
		t.Skip("runs serve as a child process; skipped with -short")
	}
	t.Parallel() // mostly waits for servers and child processes
	feeds := growingFeeds(t, 3*time.Millisecond)
	dir := t.TempDir()
	listen := freePort(t)
	cfgText := fmt.Sprintf("data_dir = %q\n[api]\nlisten = %q\nrate_limit = 0\n[http]\nallow_private_networks = true\n"+
		"[[watch]]\nname = \"Nokia\"\nrole = \"own\"\n"+
		"[[sources]]\nname = \"feed\"\ntype = \"feed\"\nurl = \"%s/feed/0\"\nschedule = \"@every 1s\"\n",
		filepath.Join(dir, "data"), listen, feeds.URL)
	configPath := filepath.Join(dir, "techintel.toml")
	if err := os.WriteFile(configPath, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	// A first gather, with room, so that there is something to search.
	var out, errOut bytes.Buffer
	if code := run(t.Context(), []string{"crawl", "-config", configPath}, &out, &errOut); code != exitOK {
		t.Fatalf("first crawl: exit %d\n%s%s", code, out.String(), errOut.String())
	}

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "TECHINTEL_TEST_MAIN="+strings.Join([]string{"serve", "-config", configPath}, "\x1f"),
		"TECHINTEL_TEST_FSIZE=4096")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	type source struct {
		LastError   string     `json:"last_error"`
		LastSuccess *time.Time `json:"last_success"`
		LastRun     *time.Time `json:"last_run"`
	}
	status := func() (source, int, bool) {
		var s struct{ Sources []source }
		var r struct{ Total int }
		resp, err := http.Get("http://" + listen + "/api/v1/sources")
		if err != nil {
			return source{}, 0, false
		}
		json.NewDecoder(resp.Body).Decode(&s)
		resp.Body.Close()
		resp, err = http.Get("http://" + listen + "/api/v1/search?q=radio")
		if err != nil || resp.StatusCode != 200 {
			return source{}, 0, false
		}
		json.NewDecoder(resp.Body).Decode(&r)
		resp.Body.Close()
		if len(s.Sources) != 1 {
			return source{}, 0, false
		}
		return s.Sources[0], r.Total, true
	}
	waitFor := func(what string, ok func(source, int) bool) (source, int) {
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			if s, n, up := status(); up && ok(s, n) {
				return s, n
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("waiting for %s: gave up\n%s", what, stderr.String())
		return source{}, 0
	}
	// Serve starts with room, then the disk fills.
	first, _ := waitFor("a first run", func(s source, n int) bool { return s.LastSuccess != nil })
	if err := cmd.Process.Signal(syscall.SIGUSR2); err != nil {
		t.Fatal(err)
	}
	_ = first
	full, before := waitFor("a failed run", func(s source, n int) bool { return s.LastError != "" })
	if !strings.Contains(full.LastError, "file too large") {
		t.Errorf("last_error = %q; want the cause in words (file too large)", full.LastError)
	}
	if before == 0 {
		t.Error("searches stopped answering while writes failed")
	}
	// Searches go on while the disk is full.
	for range 3 {
		if _, n, up := status(); !up || n < before {
			t.Fatalf("search while full: up %v, %d documents (had %d)", up, n, before)
		}
	}
	// Space returns: the next run succeeds and indexes what was missed.
	if err := cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	_, after := waitFor("a successful run", func(s source, n int) bool {
		return s.LastError == "" && s.LastSuccess != nil && s.LastSuccess.After(*full.LastRun) && n > before
	})
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve exited with %v after SIGTERM:\n%s", err, stderr.String())
	}
	t.Logf("full: %q; %d documents before, %d after space returned", full.LastError, before, after)
}
