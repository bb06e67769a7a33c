package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
	"github.com/techintel/techintel/index"
)

// TestMain lets a test run this binary as the techintel command, so that
// signals can be tested on a real process.
func TestMain(m *testing.M) {
	if args := os.Getenv("TECHINTEL_TEST_MAIN"); args != "" {
		os.Args = append([]string{"techintel"}, strings.Split(args, "\x1f")...)
		if n := os.Getenv("TECHINTEL_TEST_FSIZE"); n != "" {
			limitFileSize(n)
		}
		main()
		return
	}
	os.Exit(m.Run())
}

// TestServeExitsZeroOnSIGTERM starts serve as a child process, waits for
// it to have indexed the demo world, sends SIGTERM, and checks that it
// exits 0 and that everything it had reported indexed is there after.
func TestServeExitsZeroOnSIGTERM(t *testing.T) {
	t.Parallel() // mostly waits for servers and child processes
	listen := freePort(t)
	configPath, _ := demoWorld(t, listen)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "TECHINTEL_TEST_MAIN="+strings.Join([]string{"serve", "-config", configPath}, "\x1f"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	var total int
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var res struct {
			Sources []struct {
				LastRun *time.Time `json:"last_run"`
			}
		}
		resp, err := http.Get("http://" + listen + "/api/v1/sources")
		if err == nil {
			json.NewDecoder(resp.Body).Decode(&res)
			resp.Body.Close()
			ran := 0
			for _, s := range res.Sources {
				if s.LastRun != nil {
					ran++
				}
			}
			if ran == len(res.Sources) && ran > 0 {
				var sr struct{ Total int }
				resp, err := http.Get("http://" + listen + "/api/v1/search")
				if err == nil {
					json.NewDecoder(resp.Body).Decode(&sr)
					resp.Body.Close()
					total = sr.Total
					break
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if total == 0 {
		t.Fatalf("serve did not gather the demo world:\n%s", stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitErr := make(chan error, 1)
	go func() { waitErr <- cmd.Wait() }()
	select {
	case err := <-waitErr:
		if err != nil {
			t.Fatalf("serve exited with %v after SIGTERM:\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not exit after SIGTERM:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "stopped") {
		t.Errorf("no clean-shutdown log:\n%s", stderr.String())
	}

	cfg, err := LoadConfig(configPath)
	if err != nil {
		t.Fatal(err)
	}
	d, err := datadir.Open(cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	res, err := d.Index.Search(context.Background(), index.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if int(res.Total) < total {
		t.Errorf("after restart the index has %d documents; serve had reported %d", res.Total, total)
	}
}
