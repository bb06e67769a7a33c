package main

import (
	"os"
	"testing"
)

// longTests reports whether TECHINTEL_LONG_TESTS=1 asks for the long
// tests (`make test-long`): the 5,000-feed refresh, the full SIGKILL loop
// and the browser test. `make test` runs a short version of each where
// one is cheap.
func longTests() bool { return os.Getenv("TECHINTEL_LONG_TESTS") == "1" }

// requireLong skips t unless the long tests were asked for.
func requireLong(t *testing.T, what string) {
	t.Helper()
	if !longTests() {
		t.Skipf("%s: a long test; set TECHINTEL_LONG_TESTS=1 (make test-long) to run it", what)
	}
}
