package index

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/blevesearch/bleve/v2"
)

// scanPage is how many documents Retag reads and writes at a time.
const scanPage = 500

// Retag calls tag on every stored document, partition by partition in
// ID order, and re-indexes those whose components, entities or
// technologies it changed, in the partition that holds them. Content,
// first-fetch and update times are kept: a retag changes what techintel
// knows about a document, not the document. progress, if set, hears the
// running counts. It returns how many documents it saw and changed.
func (ix *Index) Retag(ctx context.Context, tag func(*Document), progress func(seen, changed int)) (seen, changed int, err error) {
	var keys []string
	_ = ix.readParts(func(parts []*partition) error {
		for _, p := range parts {
			keys = append(keys, p.key)
		}
		return nil
	})
	for _, key := range keys {
		if err := ix.retagPartition(ctx, key, tag, progress, &seen, &changed); err != nil {
			return seen, changed, err
		}
	}
	return seen, changed, nil
}

func (ix *Index) retagPartition(ctx context.Context, key string, tag func(*Document), progress func(seen, changed int), seen, changed *int) error {
	var after []string
	for {
		p := ix.partitionByKey(key)
		if p == nil {
			return nil // dropped by retention meanwhile
		}
		req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), scanPage, 0, false)
		req.SortBy([]string{"_id"})
		req.Fields = append([]string{fieldBody, fieldAuthor, fieldEvidence, fieldHash, fieldGone}, hitFields...)
		if after != nil {
			req.SetSearchAfter(after)
		}
		var sr *bleve.SearchResult
		err := ix.readParts(func([]*partition) (err error) {
			sr, err = p.bi.SearchInContext(ctx, req)
			return err
		})
		if err != nil {
			return fmt.Errorf("index: retag %s: %w", key, err)
		}
		if len(sr.Hits) == 0 {
			return nil
		}
		ix.writeMu.Lock()
		var w partWrites
		pw, err := w.batch(ix, key)
		if errors.Is(err, errPartitionGone) {
			ix.writeMu.Unlock()
			return nil // dropped by retention meanwhile
		}
		if err != nil {
			ix.writeMu.Unlock()
			return err
		}
		for _, h := range sr.Hits {
			*seen++
			d := documentFromFields(h.ID, h.Fields)
			d.Body, d.Author, d.Gone = str(h.Fields[fieldBody]), str(h.Fields[fieldAuthor]), timeField(h.Fields[fieldGone])
			// Salience counts as a tag: documents indexed before it existed
			// get theirs at the first retag.
			before := []string{fmt.Sprint(d.Components), fmt.Sprint(d.Entities), fmt.Sprint(d.Technologies), fmt.Sprint(d.Salient), d.Primary}
			tag(&d)
			if slices.Equal(before, []string{fmt.Sprint(d.Components), fmt.Sprint(d.Entities), fmt.Sprint(d.Technologies), fmt.Sprint(d.Salient), d.Primary}) {
				continue
			}
			if err := pw.add(&d, contentHash(&d)); err != nil {
				ix.writeMu.Unlock()
				return err
			}
			*changed++
		}
		err = w.write(ix, nil)
		ix.writeMu.Unlock()
		if err != nil {
			return fmt.Errorf("index: retag: %w", err)
		}
		if progress != nil {
			progress(*seen, *changed)
		}
		if len(sr.Hits) < scanPage {
			return nil
		}
		after = sr.Hits[len(sr.Hits)-1].Sort
	}
}
