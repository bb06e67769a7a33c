//go:build unix

package index

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// BenchmarkUpsertBatchSize writes the same documents (about 2.5 KB of
// text each, TECHINTEL_BATCH_BENCH_DOCS of them, default 10,000) into
// fresh indexes through Upsert calls of 2,000 and of 5,000 documents (one
// bleve batch each, the index's batch size set to the call's: the
// engine's group commit sends up to maxGroupDocs;
// TECHINTEL_BATCH_BENCH_SIZES=a,b compares two other sizes),
// alternating which goes first, and reports each side's seconds (from
// the first Upsert to the end of Close, which waits for the merges under
// way), the process's CPU seconds over the same span, and the peak of the
// Go heap in use while it wrote. Bigger batches make fewer
// segments to merge; the heap is what they cost.
//
//	go test -run '^$' -bench BenchmarkUpsertBatchSize -benchtime 2x ./index/
func BenchmarkUpsertBatchSize(b *testing.B) {
	n := envInt(b, "TECHINTEL_BATCH_BENCH_DOCS", 10000, 5000)
	proto := zipfDocs(n * 4)
	for i := range n { // four generated bodies a document: news-sized text
		proto[i].Body += " " + proto[n+i].Body + " " + proto[2*n+i].Body + " " + proto[3*n+i].Body
	}
	proto = proto[:n]
	sizes := [2]int{2000, 5000}
	if v := os.Getenv("TECHINTEL_BATCH_BENCH_SIZES"); v != "" {
		a, c, ok := strings.Cut(v, ",")
		var err1, err2 error
		sizes[0], err1 = strconv.Atoi(a)
		sizes[1], err2 = strconv.Atoi(c)
		if !ok || err1 != nil || err2 != nil || sizes[0] < 1 || sizes[1] < 1 {
			b.Fatalf("TECHINTEL_BATCH_BENCH_SIZES=%q: want two batch sizes, such as 2000,5000", v)
		}
	}
	var took, cpu [2]time.Duration
	var peak [2]uint64
	round := 0
	for b.Loop() {
		round++
		for k := range 2 {
			side := (k + round) % 2
			dir := b.TempDir()
			ix, err := Open(filepath.Join(dir, "index.bleve"))
			if err != nil {
				b.Fatal(err)
			}
			ix.batchDocs = sizes[side]
			docs := append([]Document(nil), proto...)
			runtime.GC()
			stop := make(chan struct{})
			var wg sync.WaitGroup
			var high uint64
			wg.Go(func() {
				var ms runtime.MemStats
				tick := time.NewTicker(25 * time.Millisecond)
				defer tick.Stop()
				for {
					runtime.ReadMemStats(&ms)
					high = max(high, ms.HeapInuse)
					select {
					case <-stop:
						return
					case <-tick.C:
					}
				}
			})
			start, cpu0 := time.Now(), cpuSeconds(b)
			for i := 0; i < len(docs); i += sizes[side] {
				if _, err := ix.Upsert(context.Background(), docs[i:min(i+sizes[side], len(docs))]); err != nil {
					b.Fatal(err)
				}
			}
			if err := ix.Close(); err != nil {
				b.Fatal(err)
			}
			took[side] += time.Since(start)
			cpu[side] += cpuSeconds(b) - cpu0
			close(stop)
			wg.Wait()
			peak[side] = max(peak[side], high)
		}
	}
	rounds := float64(round)
	// Metric names: the first size is "a", the second "b".
	b.ReportMetric(float64(sizes[0]), "size-a")
	b.ReportMetric(float64(sizes[1]), "size-b")
	b.ReportMetric(took[0].Seconds()/rounds, "s-a")
	b.ReportMetric(took[1].Seconds()/rounds, "s-b")
	b.ReportMetric(took[0].Seconds()/took[1].Seconds(), "a/b")
	b.ReportMetric(cpu[0].Seconds()/rounds, "cpu-s-a")
	b.ReportMetric(cpu[1].Seconds()/rounds, "cpu-s-b")
	b.ReportMetric(cpu[0].Seconds()/cpu[1].Seconds(), "cpu-a/b")
	b.ReportMetric(float64(peak[0])/1e6, "heapMB-a")
	b.ReportMetric(float64(peak[1])/1e6, "heapMB-b")
}

// cpuSeconds is the user and system CPU time of the process so far.
func cpuSeconds(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
