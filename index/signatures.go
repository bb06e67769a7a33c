package index

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/numeric"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/techintel/techintel/index/story"
)

// SignatureStore keeps the story clusterer's record of each document
// (its story and signature, see story.Record) between runs, so that the
// first write after a start restores the clusterer in one pass over the
// records of the last storyHorizon instead of reading those documents
// back from the index and fingerprinting them again: for 100,000
// documents in the window that read was 35-39 s, quadratic in them, and
// blocked ingest. The state store (index/store) implements it.
type SignatureStore interface {
	// PutSignatures keeps recs, replacing records of the same
	// publication time and id.
	PutSignatures(recs []story.Record) error
	// Signatures calls fn with the records of the documents published at
	// or after since, ordered by publication time, then id, and stops at
	// fn's first error.
	Signatures(since time.Time, fn func(story.Record) error) error
	// CountSignatures returns about how many records Signatures(since)
	// reads, so that the clusterer is sized once.
	CountSignatures(since time.Time) (int, error)
	// PruneSignatures drops at least the records published before the
	// UTC day of before.
	PruneSignatures(before time.Time) (days int, err error)
	// SignaturesFilled and SetSignaturesFilled read and write the
	// backfill's mark: the records of the documents published before
	// through are kept, or, when complete, those of all documents.
	SignaturesFilled() (through time.Time, complete bool, err error)
	SetSignaturesFilled(through time.Time, complete bool) error
	// SignatureOwner returns the token ResetSignatures last recorded;
	// ResetSignatures drops every record and the mark, and records the
	// token of the index the records to come belong to.
	SignatureOwner() (string, error)
	ResetSignatures(owner string) error
}

// signaturesKey is the layout file's key of the index's token for its
// signature store (partition.go): a store whose records carry another token kept them
// for another index (one a repair moved aside, or restored from another
// backup), and is refilled.
const signaturesKey = "techintel_story_signatures"

// SetSignatureStore makes the index keep each new document's story
// record in s as it indexes it, and restore the story clusterer from s.
// Call it before the first write. The first write after it fills s from
// the index, once, if s does not hold the records yet (an index built
// before signatures were kept): day by day, oldest first, each day
// recorded as done, so that an interrupted backfill resumes where it
// stopped.
func (ix *Index) SetSignatureStore(s SignatureStore) {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	ix.signatures = s
}

// restoreStories restores the clusterer from the signature store: the
// records published within storyHorizon of now, in the order loadStories
// reads documents from the index (publication time, then id), so that
// the clusterer holds what loadStories would give it. What the store
// does not hold yet it first backfills from the index.
func (ix *Index) restoreStories(ctx context.Context, now time.Time) error {
	since := now.Add(-storyHorizon)
	if err := ix.claimSignatures(); err != nil {
		return fmt.Errorf("index: load stories: %w", err)
	}
	through, complete, err := ix.signatures.SignaturesFilled()
	if err != nil {
		return fmt.Errorf("index: load stories: %w", err)
	}
	if !complete && !through.After(since) {
		through = since // nothing kept within the window yet
	}
	n, err := ix.signatures.CountSignatures(since)
	if err != nil {
		return fmt.Errorf("index: load stories: %w", err)
	}
	ix.stories.Grow(n)
	errPast := errors.New("past the mark")
	err = ix.signatures.Signatures(since, func(r story.Record) error {
		if !complete && !r.Published.Before(through) {
			return errPast // a day the backfill has not finished
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		ix.stories.Restore(r.ID, r.Story, r.Sig, r.Published)
		return nil
	})
	if err != nil && !errors.Is(err, errPast) {
		return fmt.Errorf("index: load stories: %w", err)
	}
	if !complete {
		if err := ix.backfillSignatures(ctx, through, now); err != nil {
			return err
		}
	}
	ix.stories.Settle()
	return nil
}

// claimSignatures makes sure the signature store holds this index's
// records: it gives the index a token the first time, and resets a store
// that holds another token.
func (ix *Index) claimSignatures() error {
	token := ix.layoutGet(signaturesKey)
	if len(token) == 0 {
		token = []byte(rand.Text())
		if err := ix.layoutPut(signaturesKey, token); err != nil {
			return err
		}
	}
	owner, err := ix.signatures.SignatureOwner()
	if err != nil || owner == string(token) {
		return err
	}
	return ix.signatures.ResetSignatures(string(token))
}

// backfillSignatures reads the documents published at or after from out
// of the index a UTC day at a time, fingerprints them, keeps their
// records in the signature store and restores them into the clusterer;
// after each day it moves the store's mark past it. Reading a day at a
// time keeps each search small: one search paging through the whole
// window re-scans it for every page.
func (ix *Index) backfillSignatures(ctx context.Context, from, now time.Time) error {
	for start := from; ; {
		end := start.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
		last := end.After(now) // the last day also takes documents dated in the future
		if last {
			end = time.Time{}
		}
		recs, err := ix.readStoryRecords(ctx, start, end)
		if err != nil {
			return fmt.Errorf("index: fill story signatures from %s: %w", start.Format(time.DateOnly), err)
		}
		if len(recs) > 0 {
			if err := ix.signatures.PutSignatures(recs); err != nil {
				return fmt.Errorf("index: fill story signatures: %w", err)
			}
		}
		for _, r := range recs {
			ix.stories.Restore(r.ID, r.Story, r.Sig, r.Published)
		}
		if err := ix.signatures.SetSignaturesFilled(end, last); err != nil {
			return fmt.Errorf("index: fill story signatures: %w", err)
		}
		if last {
			return nil
		}
		start = end
	}
}

// backfillPage is how many documents one search of the backfill reads:
// a day's documents take one or a few.
const backfillPage = 2000

// readStoryRecords returns the records of the documents published in
// [start, end) (end zero: no end), ordered by publication time and id,
// their signatures computed on all cores.
func (ix *Index) readStoryRecords(ctx context.Context, start, end time.Time) ([]story.Record, error) {
	dr := publishedRange(start, end)
	var recs []story.Record
	var after []string
	for {
		req := bleve.NewSearchRequestOptions(dr, backfillPage, 0, false)
		req.SortBy([]string{fieldPublished, "_id"})
		req.Fields = []string{fieldTitle, fieldBody, fieldPublished, fieldStory}
		if after != nil {
			req.SetSearchAfter(after)
		}
		sr, err := ix.bleveSearch(ctx, req)
		if err != nil {
			return nil, err
		}
		page := make([]story.Record, len(sr.Hits))
		parallel(len(page), func(i int) {
			h := sr.Hits[i]
			page[i] = story.Record{ID: h.ID, Story: storyOf(h.ID, h.Fields), Published: sortedTime(h),
				Sig: story.Fingerprint(str(h.Fields[fieldTitle]), str(h.Fields[fieldBody]))}
		})
		recs = append(recs, page...)
		if len(sr.Hits) < backfillPage {
			return recs, nil
		}
		after = sr.Hits[len(sr.Hits)-1].Sort
	}
}

// publishedRange matches the documents published in [start, end) (end
// zero: no end); a range on published, so that only the partitions that
// overlap it are read.
func publishedRange(start, end time.Time) query.Query {
	inclusive, exclusive := true, false
	dr := bleve.NewDateRangeInclusiveQuery(start, end, &inclusive, &exclusive)
	dr.SetField(fieldPublished)
	return dr
}

// sortedTime is a hit's publication time as sorted, to the nanosecond:
// the stored field keeps seconds only, and the records must sort as the
// documents do (and as the record kept when the document was indexed).
func sortedTime(h *search.DocumentMatch) time.Time {
	if len(h.Sort) > 0 {
		if ns, err := numeric.PrefixCoded(h.Sort[0]).Int64(); err == nil {
			return time.Unix(0, ns).UTC()
		}
	}
	return timeField(h.Fields[fieldPublished])
}

// assignStories gives each of docs without a story one, in their order,
// and returns their records. The signatures, most of the work (about
// 36 µs a document), come from Prepare, or else are computed on all cores
// first; the assignments follow one by one, as they depend on each other.
// A document published more than storyHorizon before now is assigned but
// not kept by the clusterer (story.Clusterer.AddKept).
func (ix *Index) assignStories(docs []*Document, now time.Time) []story.Record {
	var need []*Document
	for _, d := range docs {
		if d.Story == "" {
			need = append(need, d)
		}
	}
	recs := make([]story.Record, len(need))
	parallel(len(need), func(i int) {
		recs[i].Sig = need[i].signature()
	})
	// A document published before the horizon (most of a first crawl of
	// a year's archive) is assigned a story but not kept by the
	// clusterer (AddKept): a restart would not restore it and pruning
	// would drop it within the hour, while keeping it grows the
	// clusterer and slows every Add (4.2 s of a 100,000-document crawl's
	// writer).
	keepFrom := now.Add(-storyHorizon)
	for i, d := range need {
		d.Story = ix.stories.AddKept(d.ID, recs[i].Sig, d.Published, keepFrom)
		recs[i].ID, recs[i].Story, recs[i].Published = d.ID, d.Story, d.Published
	}
	return recs
}

// recentRecords drops, in place, the records published before
// storyHorizon of now: a restart restores only the records of the last
// storyHorizon and pruning drops older ones, so keeping them is a write
// that is never read (most of a first crawl of a feed's archive: a
// year of items kept 520 bytes a document and more than doubled the
// crawl's state store writes).
func recentRecords(recs []story.Record, now time.Time) []story.Record {
	since := now.Add(-storyHorizon)
	return slices.DeleteFunc(recs, func(r story.Record) bool { return r.Published.Before(since) })
}

// parallel calls fn(i) for i in [0, n) on up to GOMAXPROCS goroutines.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				fn(i)
			}
		})
	}
	wg.Wait()
}
