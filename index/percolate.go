package index

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/index/scorch"
)

// percolateHits is how many hits Percolate first asks a standing search
// for.
const percolateHits = 16

// percolateSplit is the least number of documents per part when Percolate
// splits a batch to index it on several cores.
const percolateSplit = 200

// Standing is a saved search to match against new documents: the query
// part of a subscription.
type Standing struct {
	ID           string
	Q            string   // the query language; empty matches everything
	Components   []string // ORed, like the search filter
	Entities     []string // ORed, like the search filter
	Technologies []string // ORed, like the search filter
	Sources      []string // ORed, like the search filter
	// Since and Until bound publication, as in Query (zero: no bound).
	Since, Until time.Time
	// Resolve is the resolver the index searches with (SetResolver).
	Resolve Resolver
}

// Query is the search a standing search runs: Search with it returns the
// documents Percolate matches.
func (s Standing) Query() Query {
	return Query{Q: s.Q, Components: s.Components, Entities: s.Entities, Technologies: s.Technologies,
		Sources: s.Sources, Since: s.Since, Until: s.Until}
}

// Percolate matches a batch of documents against standing searches and
// returns, per standing search ID, the IDs of the documents it matches. A
// standing search that fails (its query cannot run) is reported in failed
// and does not stop the others.
//
// A subscription matches exactly the documents the same search would
// return among the batch. Most standing searches are settled without a
// query: the batch is analysed once, and each search's plan (prefilter.go)
// says which documents hold the terms and tags it needs; a search none
// holds is skipped, and one made only of words and tags is answered by
// them. The rest run as in Lucene's Monitor and the Elasticsearch
// percolator: the documents they may match go into a small in-memory
// index with the same mapping as the main index, and each runs against it
// with the query Search would build.
func Percolate(ctx context.Context, docs []Document, searches []Standing) (matched map[string][]string, failed map[string]error, err error) {
	return percolate(ctx, docs, searches, true)
}

// percolate is Percolate; without prefilter every standing search runs as
// a query over the whole batch (the reference the pre-filter is tested
// against).
func percolate(ctx context.Context, docs []Document, searches []Standing, prefilter bool) (matched map[string][]string, failed map[string]error, err error) {
	out := map[string][]string{}
	failed = map[string]error{}
	if len(docs) == 0 || len(searches) == 0 {
		return out, failed, nil
	}
	configure()
	docs = lastOfEach(docs)
	if !prefilter {
		return runStanding(ctx, docs, searches, out, failed)
	}
	an := newMapping(false).AnalyzerNamed(en.AnalyzerName)
	plans := make([]plan, len(searches))
	for i, s := range searches {
		plans[i] = planner{an: an, resolve: s.Resolve}.plan(s)
	}
	batch := analyseBatch(docs, plans, an)
	// Only the searches one of whose first clause's keys the batch holds
	// can match: an inverted index from those keys finds them without
	// looking at the others.
	inverted := map[key][]int{}
	maybe := make([]bool, len(searches))
	for i, pl := range plans {
		if len(pl.clauses) == 0 {
			maybe[i] = true
			continue
		}
		for _, k := range pl.clauses[0] {
			inverted[k] = append(inverted[k], i)
		}
	}
	for k, subs := range inverted {
		if _, ok := batch.holders[k]; ok {
			for _, i := range subs {
				maybe[i] = true
			}
		}
	}
	var (
		verify []Standing
		need   = newDocSet(len(docs)) // the documents a query must check
	)
	for i, s := range searches {
		if !maybe[i] {
			continue
		}
		cands := plans[i].candidates(batch)
		if cands.empty() {
			continue
		}
		if c := plans[i].cond; c != nil {
			cands.and(c.docs(batch))
			ids := make([]string, 0, cands.count())
			for j := range docs {
				if cands.has(j) {
					ids = append(ids, docs[j].ID)
				}
			}
			if len(ids) > 0 {
				out[s.ID] = ids
			}
			continue
		}
		verify = append(verify, s)
		need.or(cands)
	}
	if len(verify) == 0 {
		if err := ctx.Err(); err != nil {
			return nil, nil, fmt.Errorf("index: percolate: %w", err)
		}
		return out, failed, nil
	}
	// A query matches a document or not whatever else the index holds,
	// so the documents no remaining search may match are left out.
	sub := make([]Document, 0, need.count())
	for j := range docs {
		if need.has(j) {
			sub = append(sub, docs[j])
		}
	}
	return runStanding(ctx, sub, verify, out, failed)
}

// runStanding indexes docs in memory and runs every standing search over
// them, adding to out and failed.
func runStanding(ctx context.Context, docs []Document, searches []Standing, out map[string][]string, failed map[string]error) (map[string][]string, map[string]error, error) {
	mem, err := bleve.NewUsing("", newMapping(false), scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("index: percolate: %w", err)
	}
	defer mem.Close()
	// Scorch builds a batch's segment in the calling goroutine, one core
	// each: a big batch is split so that its parts are built at once.
	parts := min(runtime.GOMAXPROCS(0), max(len(docs)/percolateSplit, 1))
	batches := make([]*bleve.Batch, parts)
	for i := range batches {
		batches[i] = mem.NewBatch()
	}
	present := map[string]bool{} // "c:"+component, "e:"+entity, "t:"+technology, "s:"+source present in the batch
	for i := range docs {
		d := &docs[i]
		if err := indexDoc(batches[i%parts], d, ""); err != nil {
			return nil, nil, err
		}
		for _, c := range d.Components {
			present["c:"+c] = true
		}
		for _, e := range d.Entities {
			present["e:"+e] = true
		}
		for _, t := range d.Technologies {
			present["t:"+t] = true
		}
		present["s:"+d.Source] = true
	}
	errs := make([]error, parts)
	var built sync.WaitGroup
	for i, b := range batches {
		built.Add(1)
		go func() {
			defer built.Done()
			errs[i] = mem.Batch(b)
		}()
	}
	built.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, fmt.Errorf("index: percolate: %w", err)
	}
	// As anyTerm, empty values are no filter.
	anyPresent := func(prefix string, values []string) bool {
		if !slices.ContainsFunc(values, func(v string) bool { return v != "" }) {
			return true
		}
		return slices.ContainsFunc(values, func(v string) bool { return v != "" && present[prefix+v] })
	}
	// The standing searches run on every core; the in-memory index is
	// safe for concurrent searches.
	var (
		mu   sync.Mutex
		next atomic.Int64
		wg   sync.WaitGroup
	)
	run := func() {
		defer wg.Done()
		for {
			i := int(next.Add(1) - 1)
			if i >= len(searches) || ctx.Err() != nil {
				return
			}
			s := searches[i]
			if !anyPresent("c:", s.Components) || !anyPresent("e:", s.Entities) ||
				!anyPresent("t:", s.Technologies) || !anyPresent("s:", s.Sources) {
				continue
			}
			ids, err := matchStanding(ctx, mem, s, len(docs))
			mu.Lock()
			if err != nil {
				failed[s.ID] = err
			} else if len(ids) > 0 {
				out[s.ID] = ids
			}
			mu.Unlock()
		}
	}
	for range min(runtime.GOMAXPROCS(0), len(searches)) {
		wg.Add(1)
		go run()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("index: percolate: %w", err)
	}
	return out, failed, nil
}

// matchStanding returns the IDs of the documents of mem that s matches.
func matchStanding(ctx context.Context, mem bleve.Index, s Standing, docs int) ([]string, error) {
	q := s.Query()
	q.Limit, q.NoFacets = MaxLimit, true
	q.Sort = SortDate // the order is replaced below; date order adds no ranking clauses
	req, err := buildRequest(q, env{m: mem.Mapping(), resolve: s.Resolve, now: time.Now()})
	if err != nil {
		return nil, err
	}
	// bleve's collector allocates room for Size hits up front, and most
	// standing searches match few documents of a batch: ask for a few,
	// and for all of them only when there are more.
	req.Size = min(percolateHits, docs)
	req.Fields = nil
	req.Highlight = nil
	req.SortBy([]string{"_id"}) // nothing to score: no stored fields or doc values needed
	sr, err := mem.SearchInContext(ctx, req)
	if err == nil && sr.Total > uint64(len(sr.Hits)) {
		req.Size = int(sr.Total)
		sr, err = mem.SearchInContext(ctx, req)
	}
	if err != nil {
		if isQueryError(err) {
			return nil, fmt.Errorf("%w: %v", ErrBadQuery, err)
		}
		return nil, fmt.Errorf("index: percolate %s: %w", s.ID, err)
	}
	ids := make([]string, len(sr.Hits))
	for i, h := range sr.Hits {
		ids[i] = h.ID
	}
	return ids, nil
}

// ValidateQuery checks that a query parses and can run, as a subscription
// must before it is saved: some errors (fuzziness over 2, a bad regular
// expression, too many expanded terms) only show when a search starts.
func ValidateQuery(ctx context.Context, q string) error {
	probe := Document{ID: "probe", URL: "https://probe.invalid/", Title: "probe", Body: "probe"}
	// Every query runs here: a plan could settle it without the search
	// that shows such errors.
	_, failed, err := percolate(ctx, []Document{probe}, []Standing{{ID: "q", Q: q}}, false)
	if err != nil {
		return err
	}
	if err := failed["q"]; err != nil {
		if errors.Is(err, ErrBadQuery) {
			return err
		}
		return fmt.Errorf("%w: %v", ErrBadQuery, err)
	}
	return nil
}

// lastOfEach drops all but the last copy of a document the batch holds
// twice, as indexing the batch would.
func lastOfEach(docs []Document) []Document {
	last := make(map[string]int, len(docs))
	for i, d := range docs {
		last[d.ID] = i
	}
	if len(last) == len(docs) {
		return docs
	}
	out := make([]Document, 0, len(last))
	for i, d := range docs {
		if last[d.ID] == i {
			out = append(out, d)
		}
	}
	return out
}

// GoneHit is what an alert shows of a document the index no longer has:
// the title and URL the alert kept, nothing more.
func GoneHit(id, url, title string) Hit {
	return Hit{ID: id, URL: url, Title: title, Components: []string{}, Entities: []string{},
		Technologies: []string{}, Salient: []string{}}
}
