package index

import (
	"context"
	"fmt"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/techintel/techintel/index/story"
)

// storyHorizon is how far back loadStories reads: a new document joins a
// story only if it is published within story.Window of one of its
// documents, and news arrives up to about a window late.
const storyHorizon = 2 * story.Window

// loadStories gives the clusterer the documents published within
// storyHorizon of now, oldest first, with the stories they were
// assigned, so that news arriving after a restart joins the stories it
// belongs to. The first Upsert calls it.
// Without a signature store (SetSignatureStore), their signatures are
// recomputed from the stored title and body (about 36 µs a document),
// and each page of the search re-scans the window: quadratic in it.
//
// The window is a range on published, so that only the partitions that
// overlap it are read.
func (ix *Index) loadStories(ctx context.Context, now time.Time) error {
	if ix.signatures != nil {
		return ix.restoreStories(ctx, now)
	}
	recs, err := ix.readStoryRecords(ctx, now.Add(-storyHorizon), time.Time{})
	if err != nil {
		return fmt.Errorf("index: load stories: %w", err)
	}
	for _, r := range recs {
		ix.stories.Restore(r.ID, r.Story, r.Sig, r.Published)
	}
	ix.stories.Settle()
	return nil
}

// pruneStories forgets documents too old for news to join their stories.
// Upsert calls it now and then, so that the clusterer of a long-running
// serve holds a bounded window of documents.
func (ix *Index) pruneStories(now time.Time) error {
	ix.stories.Prune(now.Add(-storyHorizon))
	if ix.signatures != nil {
		if _, err := ix.signatures.PruneSignatures(now.Add(-storyHorizon)); err != nil {
			return fmt.Errorf("index: prune stories: %w", err)
		}
	}
	return nil
}

// Copy is another document of a hit's story: the same news from another
// source or URL.
type Copy struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Title     string    `json:"title"`
	Source    string    `json:"source"`
	Published time.Time `json:"published"`
}

// storyMembers returns, per story, how many documents it has and up to
// limit of them, newest first.
func (ix *Index) storyMembers(ctx context.Context, stories []string, limit int) (map[string][]Copy, map[string]int, error) {
	out, sizes := map[string][]Copy{}, map[string]int{}
	if len(stories) == 0 {
		return out, sizes, nil
	}
	qs := make([]query.Query, 0, len(stories))
	for _, s := range stories {
		t := bleve.NewTermQuery(s)
		t.SetField(fieldStory)
		qs = append(qs, t)
	}
	// A big story can crowd the others out of one request: those left
	// short are asked for again on their own.
	req := bleve.NewSearchRequestOptions(bleve.NewDisjunctionQuery(qs...), min(2*limit*len(stories), MaxWindow), 0, false)
	req.SortBy([]string{"-" + fieldPublished, "_id"})
	req.Fields = []string{fieldURL, fieldTitle, fieldSource, fieldPublished, fieldStory}
	req.AddFacet(fieldStory, bleve.NewFacetRequest(fieldStory, len(stories)))
	sr, err := ix.bleveSearch(ctx, req)
	if err != nil {
		return nil, nil, fmt.Errorf("index: story members: %w", err)
	}
	if f := sr.Facets[fieldStory]; f != nil && f.Terms != nil {
		for _, t := range f.Terms.Terms() {
			sizes[t.Term] = t.Count
		}
	}
	add := func(hits search.DocumentMatchCollection) {
		for _, h := range hits {
			s := storyOf(h.ID, h.Fields)
			if len(out[s]) < limit {
				out[s] = append(out[s], Copy{ID: h.ID, URL: str(h.Fields[fieldURL]), Title: str(h.Fields[fieldTitle]),
					Source: str(h.Fields[fieldSource]), Published: timeField(h.Fields[fieldPublished])})
			}
		}
	}
	add(sr.Hits)
	if len(sr.Hits) < req.Size {
		return out, sizes, nil
	}
	for _, s := range stories {
		if len(out[s]) >= min(limit, sizes[s]) {
			continue
		}
		out[s] = out[s][:0]
		t := bleve.NewTermQuery(s)
		t.SetField(fieldStory)
		one := bleve.NewSearchRequestOptions(t, limit, 0, false)
		one.SortByCustom(req.Sort.Copy())
		one.Fields = req.Fields
		r, err := ix.bleveSearch(ctx, one)
		if err != nil {
			return nil, nil, fmt.Errorf("index: story members: %w", err)
		}
		add(r.Hits)
	}
	return out, sizes, nil
}
