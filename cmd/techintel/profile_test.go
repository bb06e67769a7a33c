package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeWritesProfiles: serve -cpuprofile and -memprofile write, when
// serve stops, a CPU profile of its serving and a heap profile, each a
// gzipped pprof protobuf whose string table names its sample types (what
// `go tool pprof` reads); a profile path that cannot be created fails the
// start, naming the flag.
func TestServeWritesProfiles(t *testing.T) {
	listen := freePort(t)
	configPath, _ := demoWorld(t, listen)
	dir := t.TempDir()
	cpu, mem := filepath.Join(dir, "serve.cpu.pprof"), filepath.Join(dir, "serve.heap.pprof")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var serveOut, serveErr bytes.Buffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"serve", "-config", configPath, "-cpuprofile", cpu, "-memprofile", mem}, &serveOut, &serveErr)
	}()
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get("http://" + listen + "/api/v1/search?q=nokia")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve never answered: %v\n%s", err, serveErr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Fatalf("serve exited %d: %s", code, serveErr.String())
	}
	for _, p := range []struct {
		path  string
		names []string
	}{
		{cpu, []string{"samples", "cpu", "nanoseconds"}},
		{mem, []string{"alloc_space", "inuse_space", "bytes"}},
	} {
		b, err := os.ReadFile(p.path)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: not gzipped: %v", p.path, err)
		}
		raw, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: %v", p.path, err)
		}
		for _, n := range p.names {
			if !bytes.Contains(raw, []byte(n)) {
				t.Errorf("%s: no %q in the profile's strings", filepath.Base(p.path), n)
			}
		}
	}

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"serve", "-config", configPath, "-cpuprofile", filepath.Join(dir, "missing", "cpu.pprof")}, &stdout, &stderr)
	if code == exitOK || !strings.Contains(stderr.String(), "-cpuprofile") {
		t.Errorf("an unwritable -cpuprofile: exit %d, %s", code, stderr.String())
	}
}
