package main

import (
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// TestSignalServe: techintel retag beside serve signals the PID in LOCK.
func TestSignalServe(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "LOCK"), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	pid, err := signalServe(dir)
	if err != nil || pid != os.Getpid() {
		t.Fatalf("signalServe = %d, %v", pid, err)
	}
	select {
	case <-hup:
	case <-time.After(10 * time.Second):
		t.Fatal("no SIGHUP arrived")
	}
	if _, err := signalServe(t.TempDir()); err == nil {
		t.Error("signalServe without a LOCK file should fail")
	}
}
