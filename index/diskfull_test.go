//go:build linux

package index

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// withFileSizeLimit makes writes past n bytes of any file fail with
// EFBIG (RLIMIT_FSIZE), as on a full disk, until the returned function
// lifts it. It applies to the whole test process: the test must not run
// in parallel with others that write files.
func withFileSizeLimit(tb testing.TB, n uint64) (lift func()) {
	tb.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		tb.Skipf("no RLIMIT_FSIZE here: %v", err)
	}
	old := lim
	lim.Cur = n
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		tb.Skipf("cannot set RLIMIT_FSIZE: %v", err)
	}
	var once sync.Once
	lift = func() {
		once.Do(func() {
			if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
				tb.Fatal(err)
			}
		})
	}
	tb.Cleanup(lift)
	return lift
}

func diskDocs(from, n int) []Document {
	docs := make([]Document, n)
	for i := range docs {
		u := fmt.Sprintf("https://disk.example/%d", from+i)
		docs[i] = Document{ID: DocID(u), URL: u, Title: fmt.Sprintf("Nokia radio report %d", from+i),
			Body:   fmt.Sprintf("Nokia ships radios, part %d of a long series about radio units and their antennas.", from+i),
			Source: "disk", Published: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)}
	}
	return docs
}

// TestFailedWriteKeepsSearchingAndLosesNothing: with the disk full, the
// red-team's serve died about 2 s after "index write failed" with
// "assignment to entry in nil map" in zapx. Writes must fail cleanly,
// searches and reads must go on meanwhile, and once space returns the
// documents the failed writes carried are indexed.
func TestFailedWriteKeepsSearchingAndLosesNothing(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "index.bleve")
	ix, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { ix.Close() }()
	if _, err := ix.Upsert(ctx, diskDocs(0, 20)); err != nil {
		t.Fatal(err)
	}

	// Readers all along: searches and the reads by ID that bleve's
	// DocIDReaderOnly serves.
	stop := make(chan struct{})
	var readers sync.WaitGroup
	var reads, readErrs atomic.Int64
	var lastErr atomic.Value
	for r := range 4 {
		readers.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var err error
				if (r+i)%2 == 0 {
					var res *Result
					res, err = ix.Search(ctx, Query{Q: "radio", Limit: 5})
					if err == nil && res.Total < 20 {
						err = fmt.Errorf("search found %d of 20", res.Total)
					}
				} else {
					_, err = ix.Get(ctx, DocID(fmt.Sprintf("https://disk.example/%d", i%20)))
				}
				reads.Add(1)
				if err != nil {
					readErrs.Add(1)
					lastErr.Store(err.Error())
				}
			}
		})
	}

	lift := withFileSizeLimit(t, 4096)
	failed := 0
	for k := range 6 {
		if _, err := ix.Upsert(ctx, diskDocs(100+10*k, 10)); err != nil {
			failed++
			t.Logf("write %d while full: %v", k, err)
		}
	}
	if failed == 0 {
		t.Fatal("no write failed under a 4 KB file size limit")
	}
	lift()
	// Space is back: the writes that failed are made again, as the ingest
	// journal replays them.
	for k := range 6 {
		if _, err := ix.Upsert(ctx, diskDocs(100+10*k, 10)); err != nil {
			t.Fatalf("write %d after space returned: %v", k, err)
		}
	}
	close(stop)
	readers.Wait()
	if readErrs.Load() > 0 {
		t.Errorf("%d of %d reads failed while writes failed; last: %v", readErrs.Load(), reads.Load(), lastErr.Load())
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix, err = Open(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if n, err := ix.Count(); err != nil || n != 80 {
		t.Errorf("after reopening: %d documents (%v), want 80", n, err)
	}
}
