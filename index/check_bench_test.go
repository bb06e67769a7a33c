//go:build unix

package index

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkCheck measures serve's start-up check on an index of four
// partitions (TECHINTEL_CHECK_DOCS documents over a year, default 8,000):
// "full" reads every segment, as the first check, or -full-check, does;
// "unchanged" is a later check with nothing written since, which still
// loads each partition's newest snapshot and reads each segment's footer.
// The index's files are in the page cache for both: on a cold start the
// full check reads them from disk and the gap grows. cpu-ms/op is the
// process's CPU time (user and system), which a machine shared with other
// work changes less than the time.
//
//	go test -run '^$' -bench BenchmarkCheck -benchtime 20x ./index/
func BenchmarkCheck(b *testing.B) {
	n := envInt(b, "TECHINTEL_CHECK_DOCS", 8000, 400)
	path := filepath.Join(b.TempDir(), "index.bleve")
	ix, err := OpenWith(path, Options{PartitionDocs: n / 4})
	if err != nil {
		b.Fatal(err)
	}
	docs := zipfDocs(n)
	for i := 0; i < len(docs); i += 1000 {
		if _, err := ix.Upsert(context.Background(), docs[i:min(i+1000, len(docs))]); err != nil {
			b.Fatal(err)
		}
	}
	if err := ix.Close(); err != nil {
		b.Fatal(err)
	}
	// Written by an earlier run: segments modified within racyMargin of
	// a check are not recorded.
	segs, _ := filepath.Glob(filepath.Join(path, "*", "store", "*.zap"))
	then := time.Now().Add(-time.Hour)
	for _, s := range segs {
		if err := os.Chtimes(s, then, then); err != nil {
			b.Fatal(err)
		}
	}
	for _, bb := range []struct {
		name string
		o    CheckOptions
	}{{"full", CheckOptions{Full: true}}, {"unchanged", CheckOptions{}}} {
		b.Run(bb.name, func(b *testing.B) {
			var r CheckReport
			cpu, loops := cpuSeconds(b), 0
			for b.Loop() {
				loops++
				if r, err = CheckWith(path, bb.o); err != nil || r.Docs != uint64(n) {
					b.Fatalf("check: %+v, %v", r, err)
				}
			}
			b.ReportMetric(float64(cpuSeconds(b)-cpu)/float64(time.Millisecond)/float64(loops), "cpu-ms/op")
			b.ReportMetric(float64(r.Streamed), "segments_read/op")
			b.ReportMetric(float64(r.StreamedBytes)/1e6, "MB_read/op")
			b.ReportMetric(float64(r.Streamed+r.Unchanged), "segments")
		})
	}
}
