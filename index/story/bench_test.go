package story

import (
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// benchText returns n words drawn from a Zipf-distributed vocabulary, as
// news text shares its common words.
func benchText(rng *rand.Rand, zipf *rand.Zipf, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("w")
		b.WriteString(strconv.FormatUint(zipf.Uint64(), 36))
		if rng.IntN(15) == 0 {
			b.WriteByte('.')
		}
	}
	return b.String()
}

func BenchmarkFingerprint(b *testing.B) {
	body := strings.Repeat(release+" ", 4)[:2048]
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		Fingerprint(releaseTitle, body)
	}
}

// BenchmarkClusterAdd measures Add into a Clusterer that already holds
// 100,000 documents published within one Window, a tenth of them trimmed
// copies, and reports the heap the Clusterer takes per document.
func BenchmarkClusterAdd(b *testing.B) {
	const n = 100_000
	rng := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(rng, 1.1, 2, 50_000)
	const fresh = 50_000 // documents to add while timing; then they repeat
	sigs := make([]Signature, n+fresh)
	texts := make([]string, len(sigs))
	for i := range sigs {
		if i > 0 && rng.IntN(10) == 0 {
			prev := texts[rng.IntN(i)] // a trimmed copy
			texts[i] = prev[:len(prev)*3/4]
		} else {
			texts[i] = benchText(rng, zipf, 60+rng.IntN(120))
		}
		sigs[i] = Fingerprint("", texts[i])
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	c := NewClusterer()
	for i := range n {
		c.Add(strconv.Itoa(i), sigs[i], t0.Add(time.Duration(rng.IntN(int(Window/time.Second)))*time.Second))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.Add("new"+strconv.Itoa(i), sigs[n+i%fresh], t0.Add(Window/2))
		i++
	}
	// Reported after the loop, which deletes metrics reported before it.
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(n), "heap-B/doc")
}

// BenchmarkClusterAddKept adds 100,000 documents published over a year,
// oldest first (a first crawl of a year's archive, as techbench writes
// it), into a new Clusterer through Add (every document kept until a
// Prune) and through AddKept with the index's horizon (only the last 28
// days kept, the older ones joined among the last maxOld of them),
// alternating which goes first, and reports the seconds of each and
// their ratio.
//
//	go test -run '^$' -bench ClusterAddKept -benchtime 3x ./index/story/
func BenchmarkClusterAddKept(b *testing.B) {
	const n = 100_000
	rng := rand.New(rand.NewPCG(3, 4))
	zipf := rand.NewZipf(rng, 1.1, 2, 50_000)
	sigs := make([]Signature, n)
	texts := make([]string, n)
	for i := range sigs {
		if i > 0 && rng.IntN(10) == 0 {
			prev := texts[i-1-rng.IntN(min(i, 50))] // a trimmed copy of a recent one
			texts[i] = prev[:len(prev)*3/4]
		} else {
			texts[i] = benchText(rng, zipf, 60+rng.IntN(120))
		}
		sigs[i] = Fingerprint("", texts[i])
	}
	year := 365 * 24 * time.Hour
	end := t0.Add(year)
	keepFrom := end.Add(-2 * Window)
	ids := make([]string, n)
	times := make([]time.Time, n)
	for i := range n {
		ids[i] = strconv.Itoa(i)
		times[i] = t0.Add(time.Duration(int64(year) / n * int64(i)))
	}
	var took [2]time.Duration
	var kept [2]int
	round := 0
	for b.Loop() {
		round++
		for k := range 2 {
			side := (k + round) % 2
			c := NewClusterer()
			start := time.Now()
			for i := range n {
				if side == 0 {
					c.Add(ids[i], sigs[i], times[i])
				} else {
					c.AddKept(ids[i], sigs[i], times[i], keepFrom)
				}
			}
			took[side] += time.Since(start)
			kept[side] = c.Len()
		}
	}
	b.ReportMetric(took[0].Seconds()/float64(round), "s-add")
	b.ReportMetric(took[1].Seconds()/float64(round), "s-addkept")
	b.ReportMetric(took[1].Seconds()/took[0].Seconds(), "kept/add")
	b.ReportMetric(float64(kept[1]), "docs-kept")
}
