package index

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
)

// benchDocs is how many documents the partition benchmark spreads over
// 12 months: TECHINTEL_PARTITION_DOCS, default 12,000, so that `make
// bench` stays short (the README's figures were measured with 20,000).
func benchDocs(b *testing.B) int { return envInt(b, "TECHINTEL_PARTITION_DOCS", 12000, 1200) }

// benchPartitionDocs is the partitioned index's Options.PartitionDocs:
// TECHINTEL_PARTITION_SIZE, default 0 (DefaultPartitionDocs, so that up to
// 250,000 documents are one partition); a small size measures the cost of
// searching several partitions.
func benchPartitionDocs(b *testing.B) int { return envInt(b, "TECHINTEL_PARTITION_SIZE", 0, 1) }

// envInt is a benchmark's size from the environment variable name: def
// when it is unset, and a number of at least least when set, or the
// benchmark fails saying so.
func envInt(b *testing.B, name string, def, least int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < least {
		b.Fatalf("%s=%q: want a number of at least %d", name, v, least)
	}
	return n
}

// zipfDocs makes n documents of Zipf-like words over 12 months from
// 2026-01, in publication order.
func zipfDocs(n int) []Document {
	r := rand.New(rand.NewPCG(3, 5))
	vocab := make([]string, 3000)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("w%dx", i)
	}
	text := func(n int) string {
		w := make([]string, n)
		for i := range w {
			w[i] = vocab[int(float64(len(vocab))*r.Float64()*r.Float64()*r.Float64())]
		}
		return strings.Join(w, " ")
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	step := time.Duration(int64(365*24*time.Hour) / int64(n))
	docs := make([]Document, n)
	for i := range docs {
		u := fmt.Sprintf("https://p.example/%d", i)
		docs[i] = Document{ID: DocID(u), URL: u, Title: text(8), Body: text(120), Source: fmt.Sprintf("s%d", i%40),
			Published: start.Add(time.Duration(i) * step), Components: []string{}, Entities: []string{}, Technologies: []string{}}
	}
	return docs
}

// BenchmarkPartitions compares a partitioned index (partitions of
// TECHINTEL_PARTITION_SIZE documents, searched through Index's execution
// path) with one unpartitioned
// bleve index of the same documents and mapping, on the same requests:
// no date filter, a month, a quarter, and date order. It also reports the
// write cost: the seconds to ingest the documents, in batches of 1,000 in
// publication order, through Upsert into the partitioned index, through
// Upsert into an index whose documents all fall in one month (one
// partition: the unpartitioned layout with the same bookkeeping), and as
// bare bleve batches.
//
//	go test -run '^$' -bench BenchmarkPartitions -benchtime 20x ./index/
func BenchmarkPartitions(b *testing.B) {
	ctx := context.Background()
	n := benchDocs(b)
	docs := zipfDocs(n)
	dir := b.TempDir()

	ingest := func(ix *Index, docs []Document) time.Duration {
		start := time.Now()
		for i := 0; i < len(docs); i += 1000 {
			if _, err := ix.Upsert(ctx, docs[i:min(i+1000, len(docs))]); err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(start)
	}
	parted, err := OpenWith(filepath.Join(dir, "parted"), Options{PartitionDocs: benchPartitionDocs(b)})
	if err != nil {
		b.Fatal(err)
	}
	defer parted.Close()
	partedTook := ingest(parted, cloneDocs(docs))
	if ps, err := parted.Partitions(); err == nil {
		b.Logf("%d documents in %d partitions", n, len(ps))
	}

	oneMonth := cloneDocs(docs)
	for i := range oneMonth {
		oneMonth[i].Published = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)
	}
	onePart, err := Open(filepath.Join(dir, "onepart"))
	if err != nil {
		b.Fatal(err)
	}
	onePartTook := ingest(onePart, oneMonth)
	onePart.Close()

	// The unpartitioned baseline: the documents as the partitioned index
	// stored them (same fields, hashes, stories), in one bleve index.
	single, err := bleve.NewUsing(filepath.Join(dir, "single"), NewMapping(), scorch.Name, scorch.Name, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer single.Close()
	stored := cloneDocs(docs)
	start := time.Now()
	for i := 0; i < len(stored); i += 1000 {
		batch := single.NewBatch()
		for j := i; j < min(i+1000, len(stored)); j++ {
			d := &stored[j]
			d.Fetched, d.Updated, d.Story = d.Published, d.Published, d.ID
			if err := indexDoc(batch, d, contentHash(d)); err != nil {
				b.Fatal(err)
			}
		}
		if err := single.Batch(batch); err != nil {
			b.Fatal(err)
		}
	}
	bareTook := time.Since(start)
	b.Logf("%d documents over 12 months: ingest partitioned %.1fs, one partition %.1fs, bare bleve %.1fs; ratio partitioned/one partition %.2f, partitioned/bare %.2f",
		n, partedTook.Seconds(), onePartTook.Seconds(), bareTook.Seconds(),
		partedTook.Seconds()/onePartTook.Seconds(), partedTook.Seconds()/bareTook.Seconds())

	month := [2]time.Time{time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)}
	quarter := [2]time.Time{time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)}
	for _, q := range []string{"w1x", "w1x w2x", "w40x"} {
		for _, c := range []struct {
			name string
			q    Query
		}{
			{"nofilter", Query{Q: q}},
			{"month", Query{Q: q, Since: month[0], Until: month[1]}},
			{"quarter", Query{Q: q, Since: quarter[0], Until: quarter[1]}},
			{"date-order", Query{Q: q, Sort: SortDate}},
			{"date-order-month", Query{Q: q, Sort: SortDate, Since: month[0], Until: month[1]}},
		} {
			c.q.Facets = []string{facetSources}
			req, err := parted.request(c.q)
			if err != nil {
				b.Fatal(err)
			}
			pr, err := parted.bleveSearch(ctx, req)
			if err != nil {
				b.Fatal(err)
			}
			sr, err := single.SearchInContext(ctx, req)
			if err != nil {
				b.Fatal(err)
			}
			if pr.Total != sr.Total {
				b.Fatalf("%s %s: %d matches partitioned, %d in one index", q, c.name, pr.Total, sr.Total)
			}
			if c.q.Sort == SortDate {
				for i := range sr.Hits {
					if i >= len(pr.Hits) || pr.Hits[i].ID != sr.Hits[i].ID {
						b.Fatalf("%s %s: hit %d differs from one index's", q, c.name, i)
					}
				}
			}
			b.Run(q+"/"+c.name+"/single", func(b *testing.B) {
				for b.Loop() {
					if _, err := single.SearchInContext(ctx, req); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(q+"/"+c.name+"/partitioned", func(b *testing.B) {
				for b.Loop() {
					if _, err := parted.bleveSearch(ctx, req); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func cloneDocs(docs []Document) []Document {
	out := make([]Document, len(docs))
	copy(out, docs)
	return out
}
