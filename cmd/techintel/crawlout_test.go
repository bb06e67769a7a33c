package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// TestCrawlOutputSaysEachThingOnce runs crawl over the demo world plus a
// broken feed: every progress line is printed once, the failure's reason
// appears once on stdout and once in the closing verdict (not again in
// the log), and no log line ends with error=<nil>.
func TestCrawlOutputSaysEachThingOnce(t *testing.T) {
	configPath, _ := demoWorld(t, "127.0.0.1:0")
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	}))
	defer broken.Close()
	f, err := os.OpenFile(configPath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "\n[[sources]]\nname = \"broken\"\ntype = \"feed\"\nurl = %q\n", broken.URL+"/feed")
	f.Close()

	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"crawl", "-config", configPath}, &stdout, &stderr); code != exitFailure {
		t.Fatalf("exit code %d, want %d\n%s%s", code, exitFailure, stdout.String(), stderr.String())
	}
	seen := map[string]bool{}
	for line := range strings.SplitSeq(stdout.String(), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if seen[line] {
			t.Errorf("stdout prints this line twice: %q\n%s", line, stdout.String())
		}
		seen[line] = true
	}
	if n := strings.Count(stdout.String(), "503 Service Unavailable"); n != 1 {
		t.Errorf("stdout names the failure %d times, want once:\n%s", n, stdout.String())
	}
	if n := strings.Count(stderr.String(), "503 Service Unavailable"); n != 1 {
		t.Errorf("stderr names the failure %d times, want once (the verdict):\n%s", n, stderr.String())
	}
	if strings.Contains(stderr.String(), "error=<nil>") {
		t.Errorf("a log line ends with error=<nil>:\n%s", stderr.String())
	}

	// With -v the run log is there, and a successful run still has no
	// error=<nil>.
	stdout.Reset()
	stderr.Reset()
	run(context.Background(), []string{"crawl", "-v", "-config", configPath, "-source", "telecom-insight"}, &stdout, &stderr)
	if !strings.Contains(stderr.String(), `msg="source run finished" source=telecom-insight`) {
		t.Errorf("-v does not log the run:\n%s", stderr.String())
	}
	if strings.Contains(stderr.String(), "error=<nil>") {
		t.Errorf("a log line ends with error=<nil>:\n%s", stderr.String())
	}
}
