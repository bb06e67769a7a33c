package index

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/numeric"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// How a search runs over the partitions.
//
// bleve's IndexAlias (MultiSearch) sends the request to every member at
// once with From 0 and Size From+Size, merges the hits, sorts them by the
// request's order and cuts the page; it adds the totals and merges the
// facets (each member's top terms, then cut to the facet's size, as
// Elasticsearch's shards do: a term outside every member's top N can be
// undercounted). It reports a member's failure in the result's Status, not
// as an error, so partitionError turns that back into one. Scores are
// each member's own (term statistics per partition), as between the shards
// of Elasticsearch's default query_then_fetch.
//
// On top of it, bleveSearch:
//   - searches only the partitions whose date span overlaps the request's
//     publication bounds (a Since/Until filter, a published: range, or the
//     story loader's window), found in the request's required clauses;
//   - in date order (newest first), searches the partitions newest first,
//     one at a time, and stops as soon as the page's last hit is newer than
//     everything the next partition can hold; the partitions it did not
//     walk are only counted (Size 0: no sort, no stored fields, no
//     highlight), so that the total and the facets stay exact.

// bleveSearch runs req over the partitions it concerns.
func (ix *Index) bleveSearch(ctx context.Context, req *bleve.SearchRequest) (*bleve.SearchResult, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	lo, hi := publishedBounds(req.Query)
	sel := overlapping(ix.parts, lo, hi)
	// Only a write to one of these partitions makes the search wait
	// (writeguard.go); sel is in ix.parts's order, as every reader locks.
	for _, p := range sel {
		p.mu.RLock()
		defer p.mu.RUnlock()
	}
	switch {
	case len(sel) == 0:
		// Nothing can match, but the query is checked as with data: a
		// bad one fails the same way.
		empty, err := ix.emptyIndex()
		if err != nil {
			return nil, err
		}
		return empty.SearchInContext(ctx, req)
	case len(sel) == 1:
		return sel[0].bi.SearchInContext(ctx, sel[0].request(req))
	}
	// The hits are found without their stored fields and highlights,
	// which the page's hits alone then load (fetchPage): otherwise every
	// partition would load and highlight a whole page of its own.
	lean := *req
	lean.Fields, lean.Highlight, lean.IncludeLocations = nil, nil, false
	var sr *bleve.SearchResult
	var err error
	if newestFirst(req) {
		sr, _, err = walkNewestFirst(ctx, &lean, sel)
	} else {
		sr, err = searchAll(ctx, &lean, sel)
	}
	if err != nil {
		return nil, err
	}
	sr.Request = req
	if len(req.Fields) > 0 || req.Highlight != nil {
		if err := fetchPage(ctx, req, sr.Hits, sel); err != nil {
			return nil, err
		}
	}
	return sr, nil
}

// fetchPage loads the stored fields and highlights req asks for into
// hits, from the partitions that hold them: req's query restricted to the
// hits' IDs, so that the highlighted terms are the query's. Scores and
// sort values stay those of the search.
func fetchPage(ctx context.Context, req *bleve.SearchRequest, hits search.DocumentMatchCollection, sel []*partition) error {
	byPart := map[string][]string{}
	for _, h := range hits {
		byPart[h.Index] = append(byPart[h.Index], h.ID)
	}
	loaded := make(map[string]*search.DocumentMatch, len(hits))
	for _, p := range sel {
		ids := byPart[p.key]
		if len(ids) == 0 {
			continue
		}
		r := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(req.Query, bleve.NewDocIDQuery(ids)), len(ids), 0, false)
		r.Fields, r.Highlight, r.IncludeLocations = req.Fields, req.Highlight, req.IncludeLocations
		sr, err := p.bi.SearchInContext(ctx, r)
		if err != nil {
			return err
		}
		for _, h := range sr.Hits {
			loaded[h.ID] = h
		}
	}
	for _, h := range hits {
		if l := loaded[h.ID]; l != nil {
			h.Fields, h.Fragments, h.Locations = l.Fields, l.Fragments, l.Locations
		}
	}
	return nil
}

// searchAll runs req on every partition of sel at once: the partitions
// that run it as it is together, and those that drop its date filter
// (partition.request) together, merged.
func searchAll(ctx context.Context, req *bleve.SearchRequest, sel []*partition) (*bleve.SearchResult, error) {
	var asIs, covered []*partition
	var lean *bleve.SearchRequest
	for _, p := range sel {
		if r := p.request(req); r != req {
			covered, lean = append(covered, p), r
		} else {
			asIs = append(asIs, p)
		}
	}
	if len(covered) == 0 || len(asIs) == 0 {
		if len(covered) > 0 {
			req = lean
		}
		return searchGroup(ctx, req, sel)
	}
	// Each group gives its first From+Size hits; the page is cut from
	// both, as bleve's alias cuts it from its members'.
	child := *req
	child.From, child.Size = 0, req.From+req.Size
	leanChild := *lean
	leanChild.From, leanChild.Size = 0, req.From+req.Size
	a, err := searchGroup(ctx, &child, asIs)
	if err != nil {
		return nil, err
	}
	b, err := searchGroup(ctx, &leanChild, covered)
	if err != nil {
		return nil, err
	}
	a.Total += b.Total
	a.MaxScore = max(a.MaxScore, b.MaxScore)
	a.Status.Total += b.Status.Total
	a.Status.Successful += b.Status.Successful
	if a.Facets == nil {
		a.Facets = search.FacetResults{}
	}
	a.Facets.Merge(b.Facets)
	for name, fr := range req.Facets {
		a.Facets.Fixup(name, fr.Size)
	}
	hits := append(a.Hits, b.Hits...)
	scoring, desc := req.Sort.CacheIsScore(), req.Sort.CacheDescending()
	slices.SortStableFunc(hits, func(x, y *search.DocumentMatch) int {
		return req.Sort.Compare(scoring, desc, x, y)
	})
	if req.From >= len(hits) {
		hits = search.DocumentMatchCollection{}
	} else {
		hits = hits[req.From:min(len(hits), req.From+req.Size)]
	}
	a.Hits, a.Request = hits, req
	return a, nil
}

// searchGroup runs req on the partitions of sel at once (bleve's alias).
func searchGroup(ctx context.Context, req *bleve.SearchRequest, sel []*partition) (*bleve.SearchResult, error) {
	r := *req
	r.Sort = freshSort(req.Sort)
	req = &r
	if len(sel) == 1 {
		sr, err := sel[0].bi.SearchInContext(ctx, req)
		if err == nil && sr.Status == nil {
			sr.Status = &bleve.SearchStatus{Total: 1, Successful: 1}
		}
		return sr, err
	}
	members := make([]bleve.Index, len(sel))
	for i, p := range sel {
		members[i] = p.bi
	}
	sr, err := bleve.NewIndexAlias(members...).SearchInContext(ctx, req)
	if err != nil {
		return nil, err
	}
	if err := partitionError(sr); err != nil {
		return nil, err
	}
	return sr, nil
}

// freshSort is a copy of so that shares no state with it. A bleve sort
// field gathers a document's values in itself while a search collects
// (UpdateVisitor), and its Copy keeps the gathered slice: a field used
// by one search and then copied for the members of an alias, which
// search at once, would be written by all of them.
func freshSort(so search.SortOrder) search.SortOrder {
	out := make(search.SortOrder, len(so))
	for i, s := range so {
		if f, ok := s.(*search.SortField); ok {
			out[i] = &search.SortField{Field: f.Field, Desc: f.Desc, Type: f.Type, Mode: f.Mode, Missing: f.Missing}
		} else {
			out[i] = s.Copy()
		}
	}
	return out
}

// partitionError is the error of the first (by name) partition that
// failed, as it is, so that the caller tells a bad query from a failure
// as with one index.
func partitionError(sr *bleve.SearchResult) error {
	if sr.Status == nil || len(sr.Status.Errors) == 0 {
		return nil
	}
	names := make([]string, 0, len(sr.Status.Errors))
	for name := range sr.Status.Errors {
		names = append(names, name)
	}
	slices.Sort(names)
	return sr.Status.Errors[names[0]]
}

// emptyIndex is an empty in-memory index with the partitions' mapping,
// created at its first use: a search no partition can answer runs on it,
// so that it checks the query (a bad regular expression, a fuzziness
// over 2) and answers with the shape of an empty result.
func (ix *Index) emptyIndex() (bleve.Index, error) {
	ix.empty.once.Do(func() {
		ix.empty.bi, ix.empty.err = bleve.NewUsing("", ix.mapping, scorch.Name, scorch.Name, nil)
		if ix.empty.err != nil {
			ix.empty.err = fmt.Errorf("index: create the empty index: %w", ix.empty.err)
		}
	})
	return ix.empty.bi, ix.empty.err
}

// overlapping returns the partitions whose span meets [lo, hi) (zero
// bounds are open).
func overlapping(parts []*partition, lo, hi time.Time) []*partition {
	out := make([]*partition, 0, len(parts))
	for _, p := range parts {
		plo, phi := p.dates()
		if !lo.IsZero() && !phi.After(lo) {
			continue
		}
		if !hi.IsZero() && !plo.Before(hi) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// publishedBounds returns the publication dates every match of q lies
// within, lo <= published < hi (a zero bound is open), from the date
// ranges on published that q requires: a range under a disjunction, a
// should or a must-not clause bounds nothing. The bounds may be wider than
// the range, never narrower.
func publishedBounds(q query.Query) (lo, hi time.Time) {
	switch q := q.(type) {
	case *query.DateRangeQuery:
		if q.FieldVal != fieldPublished {
			return
		}
		if !q.Start.IsZero() {
			lo = q.Start.Time
		}
		if !q.End.IsZero() {
			hi = q.End.Time
			if q.InclusiveEnd == nil || *q.InclusiveEnd {
				hi = hi.Add(time.Nanosecond)
			}
		}
		return lo, hi
	case *query.ConjunctionQuery:
		for _, c := range q.Conjuncts {
			clo, chi := publishedBounds(c)
			if !clo.IsZero() && (lo.IsZero() || clo.After(lo)) {
				lo = clo
			}
			if !chi.IsZero() && (hi.IsZero() || chi.Before(hi)) {
				hi = chi
			}
		}
		return lo, hi
	case *query.BooleanQuery:
		var parts []query.Query
		if q.Must != nil {
			parts = append(parts, q.Must)
		}
		if q.Filter != nil {
			parts = append(parts, q.Filter)
		}
		return publishedBounds(&query.ConjunctionQuery{Conjuncts: parts})
	}
	return
}

// request is req as partition p runs it: without the ranges on published
// of its boolean filter that hold every document p can hold (those only
// cost the partition a walk of the range's terms per candidate), or req
// itself when it has none. The filter does not score (buildRequest), so
// the hits and their scores are the same either way.
func (p *partition) request(req *bleve.SearchRequest) *bleve.SearchRequest {
	b, ok := req.Query.(*query.BooleanQuery)
	if !ok || b.Filter == nil {
		return req
	}
	plo, phi := p.dates()
	covers := func(q query.Query) bool {
		if r, ok := q.(*query.DateRangeQuery); !ok || r.FieldVal != fieldPublished {
			return false
		}
		lo, hi := publishedBounds(q)
		return (lo.IsZero() || !plo.Before(lo)) && (hi.IsZero() || !phi.After(hi))
	}
	var filter query.Query
	switch f := b.Filter.(type) {
	case *query.DateRangeQuery:
		if !covers(f) {
			return req
		}
	case *query.ConjunctionQuery:
		kept := slices.DeleteFunc(slices.Clone(f.Conjuncts), covers)
		switch len(kept) {
		case len(f.Conjuncts):
			return req
		case 0:
		case 1:
			filter = kept[0]
		default:
			filter = &query.ConjunctionQuery{Conjuncts: kept}
		}
	default:
		return req
	}
	nb := *b
	nb.Filter = filter
	r := *req
	r.Query = &nb
	return &r
}

// newestFirst: req is in date order, newest first, and paged by offset
// or a search-after cursor.
func newestFirst(req *bleve.SearchRequest) bool {
	if len(req.Sort) == 0 || req.SearchBefore != nil {
		return false
	}
	f, ok := req.Sort[0].(*search.SortField)
	return ok && f.Field == fieldPublished && f.Desc
}

// sortTime decodes a date sort value (bleve's prefix-coded nanoseconds).
func sortTime(v string) (time.Time, bool) {
	n, err := numeric.PrefixCoded(v).Int64()
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(0, n).UTC(), true
}

// walkNewestFirst answers a newest-first request from the newest
// partitions that can hold its page, and counts the rest. walked is how
// many partitions it searched for hits.
func walkNewestFirst(ctx context.Context, req *bleve.SearchRequest, sel []*partition) (res *bleve.SearchResult, walked int, err error) {
	order := slices.Clone(sel)
	slices.SortFunc(order, func(a, b *partition) int {
		_, ahi := a.dates()
		_, bhi := b.dates()
		if c := bhi.Compare(ahi); c != 0 {
			return c
		}
		return cmp.Compare(b.key, a.key)
	})
	// With a cursor, a partition whose every document is newer than it
	// holds nothing of this page or later ones: only counted.
	var after time.Time
	if len(req.SearchAfter) > 0 {
		after, _ = sortTime(req.SearchAfter[0])
	}
	need := req.From + req.Size
	child := *req
	child.From, child.Size = 0, need
	sortOrder := req.Sort
	scoring, desc := sortOrder.CacheIsScore(), sortOrder.CacheDescending()

	res = &bleve.SearchResult{Status: &bleve.SearchStatus{}, Request: req, Facets: search.FacetResults{}}
	var hits search.DocumentMatchCollection
	var counted []*partition
	for i, p := range order {
		plo, phi := p.dates()
		if !after.IsZero() && plo.After(after) {
			counted = append(counted, p)
			continue
		}
		if len(hits) >= need && need > 0 {
			if t, ok := sortTime(hits[need-1].Sort[0]); ok && !t.Before(phi) {
				counted = append(counted, order[i:]...)
				break
			}
		}
		pr := *p.request(&child)
		pr.Sort = freshSort(child.Sort)
		sr, err := p.bi.SearchInContext(ctx, &pr)
		if err != nil {
			return nil, 0, err
		}
		walked++
		res.Total += sr.Total
		res.Status.Total++
		res.Status.Successful++
		res.MaxScore = max(res.MaxScore, sr.MaxScore)
		res.Facets.Merge(sr.Facets)
		hits = append(hits, sr.Hits...)
		slices.SortStableFunc(hits, func(a, b *search.DocumentMatch) int {
			return sortOrder.Compare(scoring, desc, a, b)
		})
		if len(hits) > need {
			hits = hits[:need]
		}
	}
	if len(counted) > 0 {
		count := bleve.NewSearchRequestOptions(req.Query, 0, 0, false)
		count.Facets = req.Facets
		sr, err := searchAll(ctx, count, counted)
		if err != nil {
			return nil, 0, err
		}
		res.Total += sr.Total
		res.Status.Total += len(counted)
		res.Status.Successful += len(counted)
		res.Facets.Merge(sr.Facets)
	}
	if walked > 1 || len(counted) > 0 {
		for name, fr := range req.Facets {
			res.Facets.Fixup(name, fr.Size)
		}
	}
	if req.From >= len(hits) {
		hits = search.DocumentMatchCollection{}
	} else {
		hits = hits[req.From:]
	}
	res.Hits = hits
	return res, walked, nil
}

// lazyIndex is an index created at its first use (emptyIndex).
type lazyIndex struct {
	once sync.Once
	bi   bleve.Index
	err  error
}
