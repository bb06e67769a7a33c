package crawler

import (
	"bytes"
	"strings"
	"testing"
	"time"

	readeck "codeberg.org/readeck/go-readability/v2"
	shiori "github.com/go-shiori/go-readability"
	trafilatura "github.com/markusmobius/go-trafilatura"
)

// corpusExtractor is one extractor measured by BenchmarkCorpusExtraction.
type corpusExtractor struct {
	name    string
	extract func([]byte) string
}

// corpusExtractors are ours and the peers, which appear only here (test
// files) so that they never enter the binary.
func corpusExtractors() []corpusExtractor {
	return []corpusExtractor{
		{"ours", func(b []byte) string { return Extract(b, "", corpusPageURL).Body }},
		{"readeck", func(b []byte) string {
			a, err := readeck.FromReader(bytes.NewReader(b), corpusPageURL)
			if err != nil || a.Node == nil {
				return ""
			}
			var s strings.Builder
			_ = a.RenderText(&s)
			return s.String()
		}},
		{"shiori", func(b []byte) string {
			a, err := shiori.FromReader(bytes.NewReader(b), corpusPageURL)
			if err != nil {
				return ""
			}
			return a.TextContent
		}},
		{"trafilatura", func(b []byte) string {
			r, err := trafilatura.Extract(bytes.NewReader(b), trafilatura.Options{OriginalURL: corpusPageURL})
			if err != nil || r == nil {
				return ""
			}
			return r.ContentText
		}},
	}
}

// BenchmarkCorpusExtraction runs our extractor and the peers (readeck's
// go-readability used bare, go-shiori/go-readability, go-trafilatura) over
// the Readability.js test pages in the same run. It reports, for each,
// the mean token F1 (scored once, before timing) and pages/s, and
// ours-vs-shiori: our pages/s over go-shiori's, the speed figure to judge by
// (the machine's load cancels out of a ratio). Run it with -benchtime=1x
// on a busy machine: one iteration is 130 pages per extractor.
func BenchmarkCorpusExtraction(b *testing.B) {
	pages := loadCorpus(b)
	exs := corpusExtractors()
	f1 := make([]float64, len(exs))
	for i, ex := range exs {
		f1[i] = scoreCorpus(pages, ex.extract).mean
	}
	spent := make([]time.Duration, len(exs))
	n := 0
	for b.Loop() {
		n++
		for i, ex := range exs {
			start := time.Now()
			for _, pg := range pages {
				ex.extract(pg.source)
			}
			spent[i] += time.Since(start)
		}
	}
	rate := make([]float64, len(exs))
	for i, ex := range exs {
		rate[i] = float64(n*len(pages)) / spent[i].Seconds()
		b.ReportMetric(rate[i], ex.name+"-pages/s")
		b.ReportMetric(f1[i], ex.name+"-F1") // after the loop: b.Loop's first call clears metrics
	}
	b.ReportMetric(rate[0]/rate[2], "ours-vs-shiori")
	b.ReportMetric(0, "ns/op") // the per-extractor rates are the figures
}
