package main

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
)

// restartNeeded names the settings that differ between a and b and that a
// reload does not apply.
func restartNeeded(a, b *Config) []string {
	var out []string
	for _, f := range []struct {
		name string
		a, b any
	}{
		{"data_dir", a.DataDir, b.DataDir}, {"api", a.API, b.API}, {"http", a.HTTP, b.HTTP},
		{"sources", a.Sources, b.Sources}, {"digest", a.Digest, b.Digest},
	} {
		if !reflect.DeepEqual(f.a, f.b) {
			out = append(out, f.name)
		}
	}
	return out
}

// signalServe asks the serve process that holds dataDir to reload its
// config (SIGHUP), and returns its PID.
func signalServe(dataDir string) (int, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, "LOCK"))
	if err != nil {
		return 0, fmt.Errorf("find the serve process: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("find the serve process: %s/LOCK holds no PID", dataDir)
	}
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		return pid, fmt.Errorf("signal serve (PID %d): %w", pid, err)
	}
	return pid, nil
}
