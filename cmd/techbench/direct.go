package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/techintel/techintel/index"
)

// benchDoc is generated document i as both sides index it: the source is
// the feed the crawl would have read it from, Fetched the run's time, and
// the entities, technologies and components those the run's watch list
// gives it (c.tagger, when set), so that both sides count the same
// facets as a crawl's index holds.
func benchDoc(c *corpus, i, perFeed int, fetched time.Time) index.Document {
	g := c.doc(i)
	d := index.Document{ID: index.DocID(g.url), URL: g.url, Title: g.title, Body: g.body,
		Source: fmt.Sprintf("debian-%d", i/perFeed), Published: g.published, Fetched: fetched, Updated: fetched,
		Components: []string{}, Entities: []string{}, Technologies: []string{}}
	if c.tagger != nil {
		c.tagger.Tag(&d, nil)
	}
	return d
}

// directIngest writes documents from to to of the corpus straight
// through the product's index package (index.Open and Upsert of batch
// documents at a time: the same partitions, content hashes and story
// clustering serve opens and a crawl writes, without fetching or
// parsing) and returns the seconds it took, closing included, less
// genSec, the seconds spent making the documents (text and tags). It is
// how -ingest direct builds 1,000,000 documents in a fraction of a
// crawl's time; the search and serve figures on its index are the
// product's, the ingest figure is not a crawl's.
func directIngest(ctx context.Context, path string, c *corpus, from, to, batch, perFeed int, log io.Writer) (sec, genSec float64, err error) {
	start := time.Now()
	ix, err := index.Open(path)
	if err != nil {
		return 0, 0, fmt.Errorf("direct ingest: %w", err)
	}
	fetched := time.Now().UTC()
	docs := make([]index.Document, 0, batch)
	last := time.Now()
	var gen time.Duration // making the documents: not the index's work
	for i := from; i < to; i++ {
		t := time.Now()
		docs = append(docs, benchDoc(c, i, perFeed, fetched))
		gen += time.Since(t)
		if len(docs) < batch && i < to-1 {
			continue
		}
		if _, err := ix.Upsert(ctx, docs); err != nil {
			ix.Close()
			return 0, 0, fmt.Errorf("direct ingest: %w", err)
		}
		docs = docs[:0]
		if time.Since(last) > time.Minute {
			fmt.Fprintf(log, "techbench: direct ingest %d of %d documents, %.0f s\n", i+1, to, time.Since(start).Seconds())
			last = time.Now()
		}
	}
	if err := ix.Close(); err != nil {
		return 0, 0, fmt.Errorf("direct ingest: %w", err)
	}
	return (time.Since(start) - gen).Seconds(), gen.Seconds(), nil
}
