package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestDemoReloadsOnRetag runs demo as a child process and, once it
// serves, runs retag beside it as a user would: retag finds the data
// directory held and sends SIGHUP to the PID in its LOCK. The demo must
// not die of it (SIGHUP's default action) but reload its config, as serve
// does: a watch entry added to the demo's config file shows in its API.
func TestDemoReloadsOnRetag(t *testing.T) {
	t.Parallel() // mostly waits for the child process
	listen := freePort(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "TECHINTEL_TEST_MAIN="+strings.Join([]string{"demo", "-listen", listen}, "\x1f"))
	stdoutPipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderrPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	stdout, stderr := readOutput(stdoutPipe), readOutput(stderrPipe)

	out := stdout.waitFor(t, "The web pages are up at", 3*time.Minute)
	m := regexp.MustCompile(`data in (\S+)\n`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("demo did not say where its data is:\n%s", out)
	}
	configPath := filepath.Join(m[1], "techintel.toml")
	f, err := os.OpenFile(configPath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.WriteString(f, "\n[[watch]]\nname = \"Zyxel\"\nrole = \"competitor\"\n")
	if err := errors.Join(err, f.Close()); err != nil {
		t.Fatal(err)
	}

	var rout, rerr bytes.Buffer
	if code := run(context.Background(), []string{"retag", "-config", configPath}, &rout, &rerr); code != 0 ||
		!strings.Contains(rout.String(), "asked it to reload the watch list") {
		t.Fatalf("retag beside demo: exit %d\n%s%s", code, rout.String(), rerr.String())
	}
	stderr.waitFor(t, "reload: new watch list", 2*time.Minute)
	var ents struct{ Entities []struct{ Name string } }
	if code := getJSON(t, "http://"+listen+"/api/v1/entities", &ents); code != 200 {
		t.Fatalf("entities after the reload: status %d", code)
	}
	found := false
	for _, e := range ents.Entities {
		found = found || e.Name == "Zyxel"
	}
	if !found {
		t.Errorf("the reloaded watch list is not served: %+v", ents.Entities)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("demo after SIGHUP and SIGTERM: %v\n%s", err, stderr.text())
	}
}

// output is what a child process has written so far on one stream.
type output struct {
	mu   sync.Mutex
	buf  strings.Builder
	more chan struct{} // a line was added
	done chan struct{} // the stream ended
}

func readOutput(r io.Reader) *output {
	o := &output{more: make(chan struct{}, 1), done: make(chan struct{})}
	go func() {
		defer close(o.done)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			o.mu.Lock()
			o.buf.WriteString(sc.Text() + "\n")
			o.mu.Unlock()
			select {
			case o.more <- struct{}{}:
			default:
			}
		}
	}()
	return o
}

func (o *output) text() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// waitFor returns the output once it holds s; it fails the test if the
// stream ends first or nothing like it comes within wait (a bound on a
// stuck child, not a timing assertion).
func (o *output) waitFor(t *testing.T, s string, wait time.Duration) string {
	t.Helper()
	deadline := time.After(wait)
	for {
		if text := o.text(); strings.Contains(text, s) {
			return text
		}
		select {
		case <-o.more:
		case <-o.done:
			if text := o.text(); strings.Contains(text, s) {
				return text
			}
			t.Fatalf("the output ended without %q:\n%s", s, o.text())
		case <-deadline:
			t.Fatalf("no %q within %v:\n%s", s, wait, o.text())
		}
	}
}
