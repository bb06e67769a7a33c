package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestSubscriptionsAddPrintsSecret: the CLI shows the signing secret once,
// and list and the API never again.
func TestSubscriptionsAddPrintsSecret(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.toml")
	if err := os.WriteFile(path, []byte("data_dir = \"data\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"subscriptions", "add", "-config", path, "-name", "x", "-webhook", "https://hooks.example/x", "nokia"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	m := regexp.MustCompile(`webhook signing secret: ([0-9a-f]{64})\n`).FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("no secret printed:\n%s", stdout.String())
	}
	stdout.Reset()
	run(context.Background(), []string{"subscriptions", "list", "-config", path}, &stdout, &stderr)
	if strings.Contains(stdout.String(), m[1]) || !strings.Contains(stdout.String(), "nokia") {
		t.Errorf("list:\n%s", stdout.String())
	}
	if code := run(context.Background(), []string{"subscriptions", "add", "-config", path, "-name", "y", "-webhook", "http://127.0.0.1:8080/x", "nokia"}, &stdout, &stderr); code != exitUsage {
		t.Errorf("a loopback webhook without allow_private_networks: exit %d", code)
	}
}
