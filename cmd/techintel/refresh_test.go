package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/cmd/techintel/internal/engine"
)

// feedFarm is one loopback server serving n distinct generated RSS feeds
// of items items each at /f/{i}, with an ETag and a Last-Modified, and
// answering 304 to a request that sends either back (RFC 9111 section
// 13.1). Feed bodies are generated on each full answer, so the server
// holds no corpus in memory.
type feedFarm struct {
	n, items int
	srv      *httptest.Server
	full     atomic.Int64 // 200 answers
	notMod   atomic.Int64 // 304 answers
	other    atomic.Int64 // anything else
}

var farmModified = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func newFeedFarm(tb testing.TB, n, items int) *feedFarm {
	tb.Helper()
	f := &feedFarm{n: n, items: items}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	tb.Cleanup(f.srv.Close)
	return f
}

func (f *feedFarm) serve(w http.ResponseWriter, r *http.Request) {
	i, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/f/"))
	if err != nil || i < 0 || i >= f.n {
		f.other.Add(1)
		http.NotFound(w, r)
		return
	}
	etag := fmt.Sprintf(`"feed-%d-v1"`, i)
	lastMod := farmModified.Format(http.TimeFormat)
	w.Header().Set("ETag", etag)
	w.Header().Set("Last-Modified", lastMod)
	// If-None-Match wins over If-Modified-Since (RFC 9110 section 13.2.2).
	inm, ims := r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")
	if inm == etag || (inm == "" && ims == lastMod) {
		f.notMod.Add(1)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	f.full.Add(1)
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	w.Write(f.body(i))
}

// farmWords are the words item texts are made of; some are watch-list
// names and technologies, so that tagging does real work.
var farmWords = strings.Fields(`network operator radio spectrum core cloud edge latency trial deployment
	vendor standard release field test antenna site backhaul fibre slicing automation energy
	Nokia Ericsson Vodafone 3GPP O-RAN 6G`)

// body is feed i: items items with a GUID, a link, a date and a text of
// about 700 bytes, different in every feed.
func (f *feedFarm) body(i int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Feed %d</title><link>http://%s/site/%d/</link>`,
		i, f.srv.Listener.Addr(), i)
	for j := range f.items {
		fmt.Fprintf(&b, `<item><guid isPermaLink="false">feed-%d-item-%d</guid><link>http://%s/site/%d/%d</link><title>Story %d of feed %d about %s</title><pubDate>%s</pubDate><description><![CDATA[<p>`,
			i, j, f.srv.Listener.Addr(), i, j, j, i, farmWords[(i+j)%len(farmWords)],
			farmModified.Add(-time.Duration(j)*time.Hour).Format(time.RFC1123Z))
		for k := range 100 {
			b.WriteString(farmWords[(i*7+j*13+k*k)%len(farmWords)])
			b.WriteByte(' ')
		}
		b.WriteString("</p>]]></description></item>")
	}
	b.WriteString("</channel></rss>")
	return b.Bytes()
}

// farmConfig is a configuration with one feed source per farm feed.
func farmConfig(tb testing.TB, f *feedFarm, extra string) *Config {
	tb.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "data_dir = %q\n[http]\nallow_private_networks = true\n%s\n", filepath.Join(tb.TempDir(), "data"), extra)
	b.WriteString("[[watch]]\nname = \"Nokia\"\nrole = \"own\"\n[[watch]]\nname = \"Ericsson\"\nrole = \"competitor\"\n")
	b.WriteString("[[technologies]]\nname = \"Open RAN\"\naliases = [\"O-RAN\"]\n")
	for i := range f.n {
		fmt.Fprintf(&b, "[[sources]]\nname = \"feed-%d\"\ntype = \"feed\"\nurl = \"%s/f/%d\"\n", i, f.srv.URL, i)
	}
	cfg, err := ParseConfig(b.String())
	if err != nil {
		tb.Fatal(err)
	}
	return cfg
}

// roundStats is what one refresh round cost and did.
type roundStats struct {
	wall, cpu         time.Duration
	peakHeap, peakRSS uint64 // bytes, sampled
	runs, failed      int
	fetched, written  int // items seen; documents new or updated
	firstErr          error
}

// refreshRound runs every source once through the scheduler's run pool,
// as serve does, measuring wall time, process CPU time (getrusage: user +
// system, which includes the feed server's share) and peak memory
// (HeapInuse and RSS, sampled every 20 ms).
func refreshRound(tb testing.TB, g *engine.Gatherer, names []string) roundStats {
	tb.Helper()
	var st roundStats
	var mu sync.Mutex
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			rss := currentRSS()
			mu.Lock()
			st.peakHeap, st.peakRSS = max(st.peakHeap, ms.HeapInuse), max(st.peakRSS, rss)
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	cpu0, start := cpuTime(tb), time.Now()
	g.RunPool().RunAll(context.Background(), names, func(res api.RunResult, err error) {
		mu.Lock()
		defer mu.Unlock()
		st.runs++
		st.fetched += res.Fetched
		st.written += res.New + res.Updated
		if err != nil {
			st.failed++
			if st.firstErr == nil {
				st.firstErr = fmt.Errorf("%s: %w", res.Source, err)
			}
		}
	})
	st.wall, st.cpu = time.Since(start), cpuTime(tb)-cpu0
	close(stop)
	<-sampled
	return st
}

func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// currentRSS reads VmRSS from /proc/self/status; 0 where there is none.
func currentRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// refresh5000 sets up the farm and a fresh data directory and runs the two
// rounds: every feed in full, then every feed again, answered 304.
func refresh5000(tb testing.TB, feeds, items int, extraHTTP string) (g *engine.Gatherer, farm *feedFarm, full, notMod roundStats) {
	tb.Helper()
	farm = newFeedFarm(tb, feeds, items)
	cfg := farmConfig(tb, farm, extraHTTP)
	g, d := openGatherer(tb, cfg)
	tb.Cleanup(func() { d.Close() })
	names := make([]string, len(cfg.Sources))
	for i, s := range cfg.Sources {
		names[i] = s.Name
	}
	runtime.GC()
	full = refreshRound(tb, g, names)
	runtime.GC()
	notMod = refreshRound(tb, g, names)
	return g, farm, full, notMod
}

// TestRefresh5000Feeds refreshes 5,000 feeds of one loopback server
// through the run pool twice: the first round fetches and indexes every
// feed, the second is answered 304 everywhere and writes nothing. `make
// test` checks 100 feeds; the 5,000 run only with TECHINTEL_LONG_TESTS=1
// and without the race detector (make test-long: the race build checks
// the concurrency, the plain build the scale).
func TestRefresh5000Feeds(t *testing.T) {
	if testing.Short() {
		t.Skip("5,000 feeds: skipped with -short")
	}
	feeds, items := 100, 2
	if longTests() && !raceEnabled {
		feeds = 5000
	}
	g, farm, full, notMod := refresh5000(t, feeds, items, "")
	for i, r := range []roundStats{full, notMod} {
		if r.runs != feeds || r.failed != 0 {
			t.Fatalf("round %d: %d runs, %d failed (first: %v), want %d runs", i+1, r.runs, r.failed, r.firstErr, feeds)
		}
	}
	if full.fetched != feeds*items || full.written != feeds*items {
		t.Errorf("full round: %d items fetched, %d documents written, want %d", full.fetched, full.written, feeds*items)
	}
	if notMod.fetched != 0 || notMod.written != 0 {
		t.Errorf("304 round: %d items fetched, %d documents written, want none", notMod.fetched, notMod.written)
	}
	if f, n, o := farm.full.Load(), farm.notMod.Load(), farm.other.Load(); f != int64(feeds) || n != int64(feeds) || o != 0 {
		t.Errorf("server answered %d full, %d not modified, %d other; want %d, %d, 0", f, n, o, feeds, feeds)
	}
	if n, err := g.Index().Count(); err != nil || n != uint64(feeds*items) {
		t.Errorf("index holds %d documents (%v), want %d", n, err, feeds*items)
	}
	for i := range feeds {
		name := fmt.Sprintf("feed-%d", i)
		st, err := g.Store().Source(name)
		if err != nil || st.LastSuccess.IsZero() || st.ConsecutiveFailures != 0 || st.ETag == "" || st.ItemsSeen != items {
			t.Fatalf("%s: %+v, %v", name, st, err)
		}
	}
	t.Logf("%d feeds: full round: %v wall, %v CPU; 304 round: %v wall, %v CPU (%.1f× less); peak heap %d MB, RSS %d MB", feeds,
		full.wall.Round(time.Millisecond), full.cpu.Round(time.Millisecond), notMod.wall.Round(time.Millisecond),
		notMod.cpu.Round(time.Millisecond), float64(full.cpu)/float64(notMod.cpu),
		max(full.peakHeap, notMod.peakHeap)>>20, max(full.peakRSS, notMod.peakRSS)>>20)
}

// BenchmarkRefresh5000Feeds reports what refreshing 5,000 feeds of 20
// items each costs, in full and then answered 304, through the run pool
// with the default limits. The 304 round is reported beside the full
// round of the same run, as a ratio.
//
//	go test -run='^$' -bench=Refresh5000 -benchtime=1x -timeout=30m ./cmd/techintel/
func BenchmarkRefresh5000Feeds(b *testing.B) {
	const feeds, items = 5000, 20
	for b.Loop() {
		_, _, full, notMod := refresh5000(b, feeds, items, "")
		for _, r := range []roundStats{full, notMod} {
			if r.runs != feeds || r.failed != 0 {
				b.Fatalf("%d runs, %d failed (first: %v)", r.runs, r.failed, r.firstErr)
			}
		}
		if notMod.written != 0 {
			b.Fatalf("304 round wrote %d documents", notMod.written)
		}
		b.ReportMetric(full.wall.Seconds(), "full-wall-s")
		b.ReportMetric(full.cpu.Seconds(), "full-cpu-s")
		b.ReportMetric(notMod.wall.Seconds(), "304-wall-s")
		b.ReportMetric(notMod.cpu.Seconds(), "304-cpu-s")
		b.ReportMetric(float64(full.cpu)/float64(notMod.cpu), "cpu-full/304")
		b.ReportMetric(float64(max(full.peakHeap, notMod.peakHeap))/(1<<20), "peak-heap-MB")
		b.ReportMetric(float64(max(full.peakRSS, notMod.peakRSS))/(1<<20), "peak-rss-MB")
		b.ReportMetric(float64(full.cpu)/float64(feeds)/1e6, "full-cpu-ms/feed")
		b.ReportMetric(float64(notMod.cpu)/float64(feeds)/1e6, "304-cpu-ms/feed")
	}
}
