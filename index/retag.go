package index

import (
	"context"
	"fmt"
	"slices"

	"github.com/blevesearch/bleve/v2"
)

// scanPage is how many documents Retag reads and writes at a time.
const scanPage = 500

// Retag calls tag on every stored document, in ID order, and re-indexes
// those whose components, entities or technologies it changed. Content,
// first-fetch and update times are kept: a retag changes what techintel
// knows about a document, not the document. progress, if set, hears the
// running counts. It returns how many documents it saw and changed.
func (ix *Index) Retag(ctx context.Context, tag func(*Document), progress func(seen, changed int)) (seen, changed int, err error) {
	var after []string
	for {
		req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), scanPage, 0, false)
		req.SortBy([]string{"_id"})
		req.Fields = append([]string{fieldBody, fieldAuthor, fieldEvidence, fieldHash, fieldGone}, hitFields...)
		if after != nil {
			req.SetSearchAfter(after)
		}
		sr, err := ix.bleveSearch(ctx, req)
		if err != nil {
			return seen, changed, fmt.Errorf("index: retag: %w", err)
		}
		if len(sr.Hits) == 0 {
			break
		}
		ix.writeMu.Lock()
		b := ix.newBatch()
		for _, h := range sr.Hits {
			seen++
			d := documentFromFields(h.ID, h.Fields)
			d.Body, d.Author, d.Gone = str(h.Fields[fieldBody]), str(h.Fields[fieldAuthor]), timeField(h.Fields[fieldGone])
			// Salience counts as a tag: documents indexed before it existed
			// get theirs at the first retag.
			before := []string{fmt.Sprint(d.Components), fmt.Sprint(d.Entities), fmt.Sprint(d.Technologies), fmt.Sprint(d.Salient), d.Primary}
			tag(&d)
			if slices.Equal(before, []string{fmt.Sprint(d.Components), fmt.Sprint(d.Entities), fmt.Sprint(d.Technologies), fmt.Sprint(d.Salient), d.Primary}) {
				continue
			}
			if err := indexDoc(b, &d, contentHash(&d)); err != nil {
				ix.writeMu.Unlock()
				return seen, changed, err
			}
			changed++
		}
		if b.Size() > 0 {
			if err := ix.writeBatch(b); err != nil {
				ix.writeMu.Unlock()
				return seen, changed, fmt.Errorf("index: retag: %w", err)
			}
		}
		ix.writeMu.Unlock()
		if progress != nil {
			progress(seen, changed)
		}
		if len(sr.Hits) < scanPage {
			break
		}
		after = sr.Hits[len(sr.Hits)-1].Sort
	}
	return seen, changed, nil
}
