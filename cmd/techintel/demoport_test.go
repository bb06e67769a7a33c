package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
)

// TestDemoBusyPortSaysWhichFlag: on a port in use, demo says so before
// gathering anything and names -listen.
func TestDemoBusyPortSaysWhichFlag(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"demo", "-listen", addr}, &stdout, &stderr)
	if code != exitUsage {
		t.Errorf("exit code %d, want %d", code, exitUsage)
	}
	if want := "-listen: " + addr + " is already in use"; !strings.Contains(stderr.String(), want) || !strings.Contains(stderr.String(), "e.g. -listen 127.0.0.1:") {
		t.Errorf("stderr = %q, want it to contain %q and a suggested -listen", stderr.String(), want)
	}
	if stdout.Len() != 0 {
		t.Errorf("demo gathered before checking the port:\n%s", stdout.String())
	}
}
