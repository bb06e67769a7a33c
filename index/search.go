package index

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	htmlhl "github.com/blevesearch/bleve/v2/search/highlight/highlighter/html"
	"github.com/blevesearch/bleve/v2/search/query"

	ql "github.com/techintel/techintel/index/query"
)

// Sort orders. Relevance is score order alone (bleve's top-k collector
// only runs for a single score sort; ties keep the index's order). Recency
// is score order with recent documents lifted (recencyBoosts).
const (
	SortRelevance = "relevance"
	SortDate      = "date"
	SortRecency   = "recency"
)

// Paging limits. MaxWindow bounds offset+limit, as Elasticsearch's
// max_result_window does: from+size paging holds every skipped hit in
// memory (bleve #658), so deeper pages are read with the After cursor.
const (
	DefaultLimit = 20
	MaxLimit     = 100
	MaxWindow    = 10000
)

// Facet names (Query.Facets) and how many terms each returns by default.
const (
	facetComponents = "components"
	facetEntities   = "entities"
	facetTechs      = "technologies"
	facetSources    = "sources"
	facetTerms      = 25
)

// FacetNames lists the facets a search can compute; without Query.Facets
// it computes all of them (the search page shows them all).
func FacetNames() []string {
	return []string{facetComponents, facetEntities, facetTechs, facetSources}
}

// Query is a search over the index. Values within one filter are ORed,
// filters are ANDed.
type Query struct {
	Q            string    // the query language (package query); empty matches everything
	Components   []string  // component slugs
	Entities     []string  // watched entity names
	Technologies []string  // technology names
	Sources      []string  // source names
	Since        time.Time // published at or after (zero: no bound)
	Until        time.Time // published before (zero: no bound)
	// UpdatedSince and UpdatedUntil bound the time of a document's last
	// change, as Since and Until bound publication.
	UpdatedSince, UpdatedUntil time.Time
	Sort                       string // SortRelevance (default), SortDate or SortRecency
	Limit                      int    // 1..MaxLimit, 0 means DefaultLimit
	Offset                     int
	After                      string // cursor from a previous Result.Next; replaces Offset
	NoFacets                   bool   // skip facet counting
	// Facets names the facets to count (FacetNames); nil counts them all.
	// A facet not asked for is not computed and comes back empty.
	Facets    []string
	FacetSize int // terms per facet; 0 means 25
	// Collapse returns one hit per story, its best-ranked document, with
	// the story's other documents in Hit.Also. Pages are read with Offset;
	// Total and the facets still count documents, as Elasticsearch's
	// field collapsing does.
	Collapse bool
	// Salient restricts Entities and Technologies to documents about
	// them (Document.Salient), not merely mentioning them in passing.
	Salient bool
	// Histogram, when it has two or more increasing edges, counts the
	// matches published between each two (Result.Histogram).
	Histogram []time.Time
}

// Hit is one search result (the README's HTTP API section).
type Hit struct {
	ID           string    `json:"id"`
	URL          string    `json:"url"`
	Title        string    `json:"title"`
	Snippet      string    `json:"snippet"`
	Source       string    `json:"source"`
	Published    time.Time `json:"published"`
	Fetched      time.Time `json:"fetched"`
	Updated      time.Time `json:"updated"` // last change of content; equals fetched until it changes
	Components   []string  `json:"components"`
	Entities     []string  `json:"entities"`
	Technologies []string  `json:"technologies"`
	Score        float64   `json:"score"`
	Story        string    `json:"story"`
	// With Query.Collapse: how many documents the story has, and the
	// newest others of them (up to MaxAlso).
	StorySize int    `json:"story_size,omitempty"`
	Also      []Copy `json:"also,omitempty"`
	// Salient and Primary: what the document is about (Document).
	Salient []string `json:"salient"`
	Primary string   `json:"primary,omitempty"`
}

// MaxAlso caps Hit.Also.
const MaxAlso = 10

// Facets count the matching documents per value.
type Facets struct {
	Components   map[string]int `json:"components"`
	Entities     map[string]int `json:"entities"`
	Technologies map[string]int `json:"technologies"`
	Sources      map[string]int `json:"sources"`
}

// Result is one page of search results.
type Result struct {
	Total uint64 `json:"total"`
	// Stories counts the distinct stories among the matches (up to
	// MaxWindow), with Query.Collapse only.
	Stories int `json:"stories,omitempty"`
	// Histogram counts the matches per Query.Histogram bucket.
	Histogram []Bucket `json:"histogram,omitempty"`
	TookMS    float64  `json:"took_ms"`
	Hits      []Hit    `json:"hits"`
	Facets    Facets   `json:"facets"`
	// Next is the cursor of the following page (pass it as After), empty
	// on the last page.
	Next string `json:"next,omitempty"`
}

// Search runs q and returns one page of hits with highlighted snippets and
// facet counts. Malformed or too costly queries give errors wrapping
// ErrBadQuery.
func (ix *Index) Search(ctx context.Context, q Query) (*Result, error) {
	if q.Collapse {
		return ix.searchCollapsed(ctx, q)
	}
	req, rs, err := ix.plan(q)
	if err != nil {
		return nil, err
	}
	if err := addHistogram(req, q); err != nil {
		return nil, err
	}
	start := time.Now()
	from, size := req.From, req.Size
	if rs.on {
		// The first hits, the rescore window, are read and reordered
		// (rescore), and the page cut from them and the hits after
		// them, which keep their order: paging by offset reads every
		// match once.
		req.From, req.Size = 0, max(from+size, ix.rescoreWindow())
	}
	// Highlighting runs on the page's hits only, which then load their
	// stored fields at the same time (highlight).
	hl, fields := req.Highlight, req.Fields
	if hl != nil && hasPhrase(req.Query) && !rs.on {
		// A phrase reads the locations of every match anyway: one
		// request. With a rescore window, that request would load and
		// highlight the whole window.
		hl = nil
	}
	if hl != nil {
		req.Highlight, req.Fields = nil, nil
	}
	// Without a text query, the facet counts are those of the filters
	// alone, and the same until the next write (facetCache).
	var key string
	var fr search.FacetResults
	gen := ix.gen.Load()
	if hl == nil && len(req.Facets) > 0 {
		key = facetKey(req)
		if fr = ix.facets.get(key, gen); key != "" && fr != nil {
			req.Facets = nil
		}
	}
	sr, err := ix.search(ctx, req)
	if err != nil {
		return nil, err
	}
	if fr == nil {
		fr = sr.Facets
		if key != "" && fr != nil {
			ix.facets.put(key, gen, fr)
		}
	}
	if rs.on {
		if err := ix.rescore(ctx, rs, sr.Hits[:min(len(sr.Hits), ix.rescoreWindow())]); err != nil {
			return nil, err
		}
		sr.Hits = sr.Hits[min(from, len(sr.Hits)):min(from+size, len(sr.Hits))]
		req.From, req.Size = from, size
	}
	if hl != nil {
		if sr.Hits, err = ix.highlight(ctx, unfiltered(req.Query), hl, fields, sr.Hits); err != nil {
			return nil, err
		}
	}
	res := &Result{
		Total:     sr.Total,
		TookMS:    float64(time.Since(start).Microseconds()) / 1000,
		Hits:      make([]Hit, 0, len(sr.Hits)),
		Facets:    facets(fr),
		Histogram: histogram(q, fr),
	}
	for _, h := range sr.Hits {
		res.Hits = append(res.Hits, toHit(h, q))
	}
	if n := len(sr.Hits); n > 0 && n == req.Size && uint64(req.From+n) < sr.Total {
		if isScoreSort(req) {
			if req.From+n < MaxWindow {
				res.Next = offsetCursor(req.From + n)
			}
		} else {
			res.Next = encodeCursor(cursorAfter(req, sr.Hits[n-1]))
		}
	}
	return res, nil
}

// search runs req, telling the user's mistakes from the index's failures.
func (ix *Index) search(ctx context.Context, req *bleve.SearchRequest) (*bleve.SearchResult, error) {
	sr, err := ix.bleveSearch(ctx, req)
	if err != nil {
		return nil, searchError(ctx, err)
	}
	return sr, nil
}

// searchError is err of a bleve search as Search returns it: the
// context's error, a bad query, or a failure.
func searchError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("index: search: %w", ctx.Err())
	}
	if isQueryError(err) {
		return fmt.Errorf("%w: %v", ErrBadQuery, err)
	}
	return fmt.Errorf("index: search: %w", err)
}

// searchHolding runs req, a query restricted to the documents of hits,
// on the partitions that hold those hits only (each hit's Index names its
// partition). Through search, req would go to every partition its dates
// overlap and, found, be run again on the holding ones to load the stored
// fields and highlights (fetchPage): with a month per partition that was
// a dozen searches of the query, each building its term searchers, for a
// page found in two or three months. A hit of a partition dropped since
// (retention) sends req through search.
func (ix *Index) searchHolding(ctx context.Context, req *bleve.SearchRequest, hits []*search.DocumentMatch) (*bleve.SearchResult, error) {
	ix.mu.RLock()
	var sel []*partition
	for _, p := range ix.parts {
		if slices.ContainsFunc(hits, func(h *search.DocumentMatch) bool { return h.Index == p.key }) {
			sel = append(sel, p)
		}
	}
	held := 0
	for _, h := range hits {
		if slices.ContainsFunc(sel, func(p *partition) bool { return p.key == h.Index }) {
			held++
		}
	}
	if held < len(hits) {
		ix.mu.RUnlock()
		return ix.search(ctx, req)
	}
	defer ix.mu.RUnlock()
	for _, p := range sel { // a write to p makes the search wait (writeguard.go)
		p.mu.RLock()
		defer p.mu.RUnlock()
	}
	out := &bleve.SearchResult{Request: req, Status: &bleve.SearchStatus{}}
	for _, p := range sel {
		sr, err := p.bi.SearchInContext(ctx, req)
		if err != nil {
			return nil, searchError(ctx, err)
		}
		out.Hits = append(out.Hits, sr.Hits...)
		out.Total += sr.Total
	}
	return out, nil
}

// collapseChunk is how many hits searchCollapsed reads at a time while it
// looks for enough distinct stories.
const collapseChunk = 100

// searchCollapsed answers a Collapse query: it reads hits in rank order,
// keeping the first of each story, until it has the page, then looks up
// the other documents of the page's stories.
func (ix *Index) searchCollapsed(ctx context.Context, q Query) (*Result, error) {
	if q.After != "" {
		return nil, fmt.Errorf("%w: collapsed results page with offset, not after", ErrBadQuery)
	}
	page, offset := q.Limit, q.Offset
	if page == 0 {
		page = DefaultLimit
	}
	// The chunks are read with after cursors; the window caps how far.
	q.Offset, q.Limit = 0, collapseChunk
	req, rs, err := ix.plan(q)
	if err != nil {
		return nil, err
	}
	if rs.on {
		// The first chunk is the window rescore reorders.
		req.Size = max(collapseChunk, ix.rescoreWindow())
	}
	if _, err := ix.request(Query{Limit: page, Offset: offset, NoFacets: true}); err != nil {
		return nil, err // limit and offset out of range
	}
	req.AddFacet(fieldStory, bleve.NewFacetRequest(fieldStory, MaxWindow))
	if err := addHistogram(req, q); err != nil {
		return nil, err
	}
	start := time.Now()
	res := &Result{Hits: []Hit{}}
	// Only the page's hits are highlighted, once it is known.
	hl := req.Highlight
	if hl != nil && hasPhrase(req.Query) {
		hl = nil // a phrase reads the locations of every match anyway
	}
	if hl != nil {
		req.Highlight = nil
	}
	var shown []*search.DocumentMatch
	seen := map[string]bool{}
	groups := 0
	for read := 0; read < MaxWindow; {
		sr, err := ix.search(ctx, req)
		if err != nil {
			return nil, err
		}
		if rs.on && req.From == 0 {
			if err := ix.rescore(ctx, rs, sr.Hits[:min(len(sr.Hits), ix.rescoreWindow())]); err != nil {
				return nil, err
			}
		}
		if req.Facets != nil {
			res.Total, res.Facets = sr.Total, facets(sr.Facets)
			res.Histogram = histogram(q, sr.Facets)
			if f := sr.Facets[fieldStory]; f != nil && f.Terms != nil {
				res.Stories = f.Terms.Len()
			}
			req.Facets = nil // counted once
		}
		for _, h := range sr.Hits {
			s := storyOf(h.ID, h.Fields)
			if seen[s] {
				continue
			}
			seen[s] = true
			groups++
			if groups > offset && len(shown) < page {
				shown = append(shown, h)
			}
		}
		read += len(sr.Hits)
		if len(shown) == page || len(sr.Hits) < req.Size {
			break
		}
		if isScoreSort(req) {
			req.From += len(sr.Hits)
			req.Size = collapseChunk
		} else {
			req.SetSearchAfter(cursorAfter(req, sr.Hits[len(sr.Hits)-1]))
		}
	}
	if hl != nil {
		if shown, err = ix.highlight(ctx, unfiltered(req.Query), hl, nil, shown); err != nil {
			return nil, err
		}
	}
	for _, h := range shown {
		res.Hits = append(res.Hits, toHit(h, q))
	}
	stories := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		stories[i] = h.Story
	}
	members, sizes, err := ix.storyMembers(ctx, stories, MaxAlso+1)
	if err != nil {
		return nil, err
	}
	for i := range res.Hits {
		h := &res.Hits[i]
		h.StorySize = max(sizes[h.Story], 1)
		for _, c := range members[h.Story] {
			if c.ID != h.ID && len(h.Also) < MaxAlso {
				h.Also = append(h.Also, c)
			}
		}
	}
	res.TookMS = float64(time.Since(start).Microseconds()) / 1000
	return res, nil
}

// highlight fills the Fragments of hits, the shown page, by running the
// query again on those documents only, with the highlighter hl, and loads
// their stored fields (when fields is not nil) in the same reading of each
// document. A bleve search that highlights decodes the term locations of
// every match (its searchers read term vectors), not only of the hits it
// returns: on a common word that is much of its time. The second request
// reads them for the page alone, and its fragments are the ones the single
// request would have made: the same query on the same documents. A hit
// deleted in between is dropped when its fields were to be loaded, and
// otherwise kept without fragments (its snippet is then not highlighted).
func (ix *Index) highlight(ctx context.Context, q query.Query, hl *bleve.HighlightRequest, fields []string, hits []*search.DocumentMatch) ([]*search.DocumentMatch, error) {
	if len(hits) == 0 {
		return hits, nil
	}
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(bleve.NewDocIDQuery(ids), q), len(ids), 0, false)
	req.Highlight, req.Fields = hl, fields
	sr, err := ix.searchHolding(ctx, req, hits)
	if err != nil {
		return nil, err
	}
	got := make(map[string]*search.DocumentMatch, len(sr.Hits))
	for _, h := range sr.Hits {
		got[h.ID] = h
	}
	out := hits[:0]
	for _, h := range hits {
		g := got[h.ID]
		if g != nil {
			h.Fragments = g.Fragments
			if fields != nil {
				h.Fields = g.Fields
			}
		} else if fields != nil {
			continue
		}
		out = append(out, h)
	}
	return out, nil
}

// unfiltered is q without its boolean filter (the date bounds), for
// highlighting hits that passed it: the filter marks no words, and its
// date range searcher cost a quarter of the highlighting request.
func unfiltered(q query.Query) query.Query {
	b, ok := q.(*query.BooleanQuery)
	if !ok || b.Filter == nil {
		return q
	}
	nb := *b
	nb.Filter = nil
	return &nb
}

// hasPhrase: q has a phrase query (written by the user), whose searcher
// reads the term locations of every document it considers whether or not
// they are highlighted, so that highlighting in the same request costs
// nothing more (in date order; in relevance order the rescore window
// makes a second request for the page cheaper). Measured with
// BenchmarkSearchRequest: a second highlighting request pays off for
// queries of words alone (about 0.9x of the single request on a common
// word) and costs more than it saves with a phrase (1.0-1.4x).
func hasPhrase(q query.Query) bool {
	switch q := q.(type) {
	case *query.MatchPhraseQuery, *query.PhraseQuery, *query.MultiPhraseQuery:
		return true
	case *query.BooleanQuery:
		return (q.Must != nil && hasPhrase(q.Must)) || (q.Should != nil && hasPhrase(q.Should)) ||
			(q.MustNot != nil && hasPhrase(q.MustNot))
	case *query.ConjunctionQuery:
		return slices.ContainsFunc(q.Conjuncts, hasPhrase)
	case *query.DisjunctionQuery:
		return slices.ContainsFunc(q.Disjuncts, hasPhrase)
	}
	return false
}

// isScoreSort: req is in score order alone, paged by offset.
func isScoreSort(req *bleve.SearchRequest) bool {
	if len(req.Sort) != 1 {
		return false
	}
	_, ok := req.Sort[0].(*search.SortScore)
	return ok
}

// cursorAfter is the SearchAfter value that resumes req after hit h.
func cursorAfter(req *bleve.SearchRequest, h *search.DocumentMatch) []string {
	after := slices.Clone(h.Sort)
	for i, so := range req.Sort {
		// bleve reports "_score" as the sort value of a score sort
		// but resumes from the number.
		if _, ok := so.(*search.SortScore); ok {
			after[i] = strconv.FormatFloat(h.Score, 'g', -1, 64)
		}
	}
	return after
}

// BuildRequest is exported for benchmarks that compare Search with raw
// bleve on the same request.
func BuildRequest(q Query) (*bleve.SearchRequest, error) {
	return buildRequest(q, env{m: NewMapping(), now: time.Now()})
}

// Bleve returns the partitions as one bleve index (an IndexAlias), for
// benchmarks and tools that compare against raw bleve. Writes through it
// bypass Upsert's bookkeeping and its guard against failed writes; after
// a failed write or a new partition, Index holds other bleve indexes than
// the ones returned before.
func (ix *Index) Bleve() bleve.Index {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	members := make([]bleve.Index, len(ix.parts))
	for i, p := range ix.parts {
		members[i] = p.bi
	}
	return bleve.NewIndexAlias(members...)
}

// env is what turns a Query into a request besides the query itself: the
// index mapping (its analyser), the names resolver and the time recency
// is measured from.
type env struct {
	m       mapping.IndexMapping
	resolve Resolver
	now     time.Time
}

// request builds the bleve request of q for this index.
func (ix *Index) request(q Query) (*bleve.SearchRequest, error) {
	return buildRequest(q, ix.env())
}

// plan builds the bleve request of q for this index and what rescore
// then applies to its first hits (buildPlan).
func (ix *Index) plan(q Query) (*bleve.SearchRequest, rescoring, error) {
	return buildPlan(q, ix.env())
}

// env is the index's environment for building requests now.
func (ix *Index) env() env {
	var r Resolver
	if p := ix.resolve.Load(); p != nil {
		r = *p
	}
	return env{m: ix.mapping, resolve: r, now: time.Now()}
}

// SetResolver sets how entity:, technology: and source: values are
// resolved to indexed names (case, aliases). Percolate takes the same
// resolver in Standing, so that an alert matches what the search shows.
func (ix *Index) SetResolver(r Resolver) { ix.resolve.Store(&r) }

// textQuery is the bleve query of the query language text q: nil for an
// empty query.
func textQuery(q string, e env) (query.Query, ql.Node, error) {
	n, err := ql.Parse(q)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrBadQuery, err)
	}
	tq, err := newCompiler(e.m, e.resolve).compile(n)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrBadQuery, err)
	}
	return tq, n, nil
}

func buildRequest(q Query, e env) (*bleve.SearchRequest, error) {
	req, rs, err := buildPlan(q, e)
	if err != nil || !rs.on {
		return req, err
	}
	// One request: what rescore applies scored on every match, as
	// ranking clauses of rank's boolean query.
	b := *req.Query.(*query.BooleanQuery)
	should := append(phraseQueries(rs.phrase), articleQuery())
	if b.Should != nil {
		should = append(should, b.Should.(*query.DisjunctionQuery).Disjuncts...)
	}
	b.Should = query.NewDisjunctionQuery(should)
	req.Query = &b
	return req, nil
}

// buildPlan is buildRequest with the ranking of a relevance search of
// words that is too costly to score on every match (articles above pages,
// the phrase of several words) apart, for rescore to apply to the first
// hits alone.
func buildPlan(q Query, e env) (req *bleve.SearchRequest, rs rescoring, err error) {
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	if q.Limit < 1 || q.Limit > MaxLimit {
		return nil, rescoring{}, fmt.Errorf("%w: limit must be between 1 and %d", ErrBadQuery, MaxLimit)
	}
	if q.Offset < 0 {
		return nil, rescoring{}, fmt.Errorf("%w: offset must not be negative", ErrBadQuery)
	}
	if q.Offset+q.Limit > MaxWindow {
		return nil, rescoring{}, fmt.Errorf("%w: offset+limit must not exceed %d; page further with the next cursor", ErrBadQuery, MaxWindow)
	}
	var conj, filters []query.Query
	tq, parsed, err := textQuery(q.Q, e)
	if err != nil {
		return nil, rescoring{}, err
	}
	if tq != nil {
		conj = append(conj, tq)
	}
	for _, f := range []struct {
		field  string
		values []string
	}{
		{fieldComponents, q.Components}, {fieldEntities, q.Entities},
		{fieldTechnologies, q.Technologies}, {fieldSource, q.Sources},
	} {
		if q.Salient && (f.field == fieldEntities || f.field == fieldTechnologies) {
			f.field = fieldSalient
		}
		if tq := anyTerm(f.field, f.values); tq != nil {
			conj = append(conj, tq)
		}
	}
	for _, r := range []struct {
		field       string
		since, till time.Time
	}{{fieldPublished, q.Since, q.Until}, {fieldUpdated, q.UpdatedSince, q.UpdatedUntil}} {
		if r.since.IsZero() && r.till.IsZero() {
			continue
		}
		if !r.since.IsZero() && !r.till.IsZero() && !r.till.After(r.since) {
			return nil, rescoring{}, fmt.Errorf("%w: until must be after since", ErrBadQuery)
		}
		incl, excl := true, false
		dr := bleve.NewDateRangeInclusiveQuery(r.since, r.till, &incl, &excl)
		dr.SetField(r.field)
		filters = append(filters, dr)
	}
	var qq query.Query
	switch len(conj) {
	case 0:
		if len(filters) > 0 && q.Sort == SortDate {
			// A date-ordered browse of a period: the ranges are the
			// query (no score to keep them out of), and their
			// searcher walks only the documents inside them.
			conj, filters = filters, nil
			qq = filterOf(conj)
			break
		}
		qq = bleve.NewMatchAllQuery()
	case 1:
		qq = conj[0]
	default:
		qq = bleve.NewConjunctionQuery(conj...)
	}
	switch q.Sort {
	case "", SortRelevance, SortRecency, SortDate:
	default:
		return nil, rescoring{}, fmt.Errorf("%w: sort must be %q, %q or %q", ErrBadQuery, SortRelevance, SortDate, SortRecency)
	}
	byScore := q.Sort != SortDate
	if byScore {
		qq = rank(qq, tq != nil, q.Sort == SortRecency, e)
		if tq != nil {
			rs = rescoring{on: true, phrase: phraseOf(parsed)}
		}
	}
	if len(filters) > 0 {
		// Since and until filter without scoring (bleve's boolean
		// filter, as Elasticsearch's filter context): a date bound
		// changes which documents match, not how they rank, and a
		// partition whose every document lies inside the bounds drops
		// them (partition.request).
		b, ok := qq.(*query.BooleanQuery)
		if !ok {
			b = bleve.NewBooleanQuery()
			b.AddMust(qq)
		}
		b.AddFilter(filterOf(filters))
		qq = b
	}

	req = bleve.NewSearchRequestOptions(qq, q.Limit, q.Offset, false)
	req.Fields = append([]string(nil), hitFields...)
	switch {
	case byScore && tq == nil:
		// Without words every match scores alike but for the ranking
		// clauses: articles before pages, then newest first. No text
		// query means no scoring work for a second key to waste.
		req.SortBy([]string{"-_score", "-" + fieldPublished, "_id"})
	case byScore:
		req.SortBy([]string{"-_score"})
	default:
		req.SortBy([]string{"-" + fieldPublished, "_id"})
	}
	if q.After != "" {
		if q.Offset != 0 {
			return nil, rescoring{}, fmt.Errorf("%w: use either offset or after, not both", ErrBadQuery)
		}
		if isScoreSort(req) {
			// Score order pages by offset: search-after needs a unique
			// sort key, and a second key costs the top-k collector.
			off, err := decodeOffsetCursor(q.After)
			if err != nil {
				return nil, rescoring{}, err
			}
			if off+q.Limit > MaxWindow {
				return nil, rescoring{}, fmt.Errorf("%w: relevance order reads the first %d hits; sort by date to read further", ErrBadQuery, MaxWindow)
			}
			req.From = off
		} else {
			after, err := decodeCursor(q.After, len(req.Sort))
			if err != nil {
				return nil, rescoring{}, err
			}
			req.SetSearchAfter(after)
		}
	}
	// The body and the evidence are loaded for the snippet when nothing
	// is highlighted.
	req.Fields = append(req.Fields, fieldBody, fieldEvidence)
	if tq != nil {
		req.Highlight = bleve.NewHighlightWithStyle(htmlhl.Name)
		req.Highlight.Fields = []string{fieldBody, fieldTitle}
	}
	if !q.NoFacets {
		n := q.FacetSize
		if n <= 0 {
			n = facetTerms
		}
		want := q.Facets
		if want == nil {
			want = FacetNames()
		}
		for _, name := range want {
			switch name {
			case facetComponents:
				req.AddFacet(facetComponents, bleve.NewFacetRequest(fieldComponents, len(Components)))
			case facetEntities:
				req.AddFacet(facetEntities, bleve.NewFacetRequest(fieldEntities, n))
			case facetTechs:
				req.AddFacet(facetTechs, bleve.NewFacetRequest(fieldTechnologies, n))
			case facetSources:
				req.AddFacet(facetSources, bleve.NewFacetRequest(fieldSource, n))
			default:
				return nil, rescoring{}, fmt.Errorf("%w: facets: unknown facet %q (want %s)", ErrBadQuery, name, strings.Join(FacetNames(), ", "))
			}
		}
	}
	return req, rs, nil
}

// rank adds the clauses that order hits without changing which match:
// articles above front pages and listings (for a search of words, applied
// to the first hits by rescore instead), and with recency the recent
// above the old. They are optional (should) clauses, so search and
// percolation match the same documents. The phrase of several words is
// rescore's too.
func rank(match query.Query, words, recency bool, e env) query.Query {
	var should []query.Query
	if !words {
		should = append(should, articleQuery())
	}
	if recency {
		for _, r := range recencyBoosts() {
			lo, incl := e.now.Add(-r.age), true
			dr := bleve.NewDateRangeInclusiveQuery(lo, time.Time{}, &incl, nil)
			dr.SetField(fieldPublished)
			dr.SetBoost(r.boost)
			should = append(should, dr)
		}
	}
	b := bleve.NewBooleanQuery()
	b.AddMust(match) // alone, bleve searches the must clause as it is
	if len(should) > 0 {
		b.AddShould(should...)
	}
	return b
}

// articleQuery lifts articles above front pages, listings and about pages
// (pagekind.go).
func articleQuery() query.Query {
	article := bleve.NewTermQuery(kindArticle)
	article.SetField(fieldKind)
	article.SetBoost(articleBoost)
	return article
}

// phraseQueries are the ranking phrase p as should clauses of one
// request: documents where its words stand together, in the title or the
// body, rank higher (rescore applies them to the first hits alone).
func phraseQueries(p string) []query.Query {
	if p == "" {
		return nil
	}
	var qs []query.Query
	for _, tf := range textFields() {
		mp := bleve.NewMatchPhraseQuery(p)
		mp.SetField(tf.name)
		mp.SetBoost(phraseBoost * tf.boost)
		qs = append(qs, mp)
	}
	return qs
}

// filterOf is the conjunction of fs, or fs[0] alone.
func filterOf(fs []query.Query) query.Query {
	if len(fs) == 1 {
		return fs[0]
	}
	return bleve.NewConjunctionQuery(fs...)
}

// phraseOf returns the words of a query of two or more plain words (all
// ANDed, in no field), which rank higher where they form the phrase.
func phraseOf(n ql.Node) string {
	and, ok := n.(*ql.And)
	if !ok || len(and.Nodes) < 2 {
		return ""
	}
	words := make([]string, 0, len(and.Nodes))
	for _, c := range and.Nodes {
		t, ok := c.(*ql.Term)
		if !ok || t.Field != "" || t.Prefix || t.Phrase {
			return ""
		}
		words = append(words, t.Value)
	}
	return strings.Join(words, " ")
}

// anyTerm matches documents whose keyword field has any of values.
func anyTerm(field string, values []string) query.Query {
	var qs []query.Query
	for _, v := range values {
		if v == "" {
			continue
		}
		t := bleve.NewTermQuery(v)
		t.SetField(field)
		qs = append(qs, t)
	}
	switch len(qs) {
	case 0:
		return nil
	case 1:
		return qs[0]
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// isQueryError tells a query the user got wrong from a failing index.
// bleve builds searchers lazily and reports these as plain errors, so the
// messages are all there is to go on.
func isQueryError(err error) bool {
	msg := err.Error()
	// The vellum messages are its regexp and automaton limits ("/$/" is
	// "zero width assertions not allowed"), found by FuzzValidateQuery.
	for _, s := range []string{"TooManyClauses", "fuzziness", "regexp", "parse", "invalid", "unknown field",
		"not allowed", "too many instructions", "contains more than", "maxNumStates"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

func toHit(h *search.DocumentMatch, q Query) Hit {
	d := documentFromFields(h.ID, h.Fields)
	return Hit{
		ID: d.ID, URL: d.URL, Title: d.Title, Source: d.Source,
		Published: d.Published, Fetched: d.Fetched, Updated: d.Updated,
		Components: d.Components, Entities: d.Entities, Technologies: d.Technologies,
		Score:   h.Score,
		Snippet: snippet(h, q),
		Story:   d.Story,
		Salient: d.Salient, Primary: d.Primary,
	}
}

// snippetChars is the length of a snippet without highlights.
const snippetChars = 240

// snippet is plain text with matched terms in <mark>…</mark> and
// everything else HTML-escaped (bleve's html formatter escapes the text
// around the marks; the allow-list sanitiser makes sure of it).
//
// Without a highlighted query term, the snippet favours the evidence of the
// document's tags: the excerpt around a mention of an entity or technology
// the query filters on, or else around the first mention in the body, with
// the mention marked; failing that, the start of the body.
func snippet(h *search.DocumentMatch, q Query) string {
	for _, f := range []string{fieldBody, fieldTitle} {
		if frags := h.Fragments[f]; len(frags) > 0 && strings.Contains(frags[0], "<mark>") {
			return SanitizeSnippet(strings.TrimSpace(frags[0]))
		}
	}
	if s := evidenceSnippet(str(h.Fields[fieldEvidence]), append(slices.Clone(q.Entities), q.Technologies...)); s != "" {
		return s
	}
	return bodySnippet(str(h.Fields[fieldBody]))
}

// evidenceSnippet returns the escaped excerpt of the best evidence in the
// stored evidence JSON, with the matched text marked: a mention of one of
// names first, then any mention in the body, then in the title.
func evidenceSnippet(stored string, names []string) string {
	if stored == "" || stored == "null" {
		return ""
	}
	var ev []Evidence
	if json.Unmarshal([]byte(stored), &ev) != nil {
		return ""
	}
	best, bestRank := -1, 4
	for i, e := range ev {
		if e.Excerpt == "" || e.Matched == "" {
			continue
		}
		rank := 3
		switch {
		case slices.Contains(names, e.Entity) && e.Field == fieldBody:
			rank = 0
		case slices.Contains(names, e.Entity):
			rank = 1
		case e.Field == fieldBody:
			rank = 2
		}
		if rank < bestRank {
			best, bestRank = i, rank
		}
	}
	if best < 0 {
		return ""
	}
	e := ev[best]
	i := strings.Index(e.Excerpt, e.Matched)
	if i < 0 {
		return html.EscapeString(e.Excerpt)
	}
	return html.EscapeString(e.Excerpt[:i]) + "<mark>" + html.EscapeString(e.Matched) + "</mark>" + html.EscapeString(e.Excerpt[i+len(e.Matched):])
}

// HitOf returns the Hit of a stored document, with the escaped start of its
// body as the snippet.
func HitOf(d *Document) Hit {
	return Hit{
		ID: d.ID, URL: d.URL, Title: d.Title, Source: d.Source,
		Published: d.Published, Fetched: d.Fetched, Updated: d.Updated,
		Components: d.Components, Entities: d.Entities, Technologies: d.Technologies,
		Snippet: bodySnippet(d.Body),
		Story:   d.Story,
		Salient: d.Salient, Primary: d.Primary,
	}
}

// bodySnippet is the HTML-escaped start of a body, cut at a word.
func bodySnippet(body string) string {
	if len(body) > snippetChars {
		cut := snippetChars
		for cut > 0 && !utf8.RuneStart(body[cut]) {
			cut--
		}
		if sp := strings.LastIndexByte(body[:cut], ' '); sp > snippetChars/2 {
			cut = sp
		}
		body = body[:cut] + "…"
	}
	return html.EscapeString(body)
}

func facets(fr search.FacetResults) Facets {
	out := Facets{
		Components:   map[string]int{},
		Entities:     map[string]int{},
		Technologies: map[string]int{},
		Sources:      map[string]int{},
	}
	for _, c := range Components {
		out.Components[c] = 0
	}
	for name, dst := range map[string]map[string]int{
		facetComponents: out.Components, facetEntities: out.Entities,
		facetTechs: out.Technologies, facetSources: out.Sources,
	} {
		f := fr[name]
		if f == nil || f.Terms == nil {
			continue
		}
		for _, t := range f.Terms.Terms() {
			dst[t.Term] = t.Count
		}
	}
	return out
}

// offsetCursor is the cursor of a score-ordered page: where it starts.
func offsetCursor(from int) string { return encodeCursor([]string{"offset", strconv.Itoa(from)}) }

func decodeOffsetCursor(s string) (int, error) {
	v, err := decodeCursor(s, 2)
	if err == nil && v[0] == "offset" {
		if n, err := strconv.Atoi(v[1]); err == nil && n >= 0 {
			return n, nil
		}
	}
	return 0, fmt.Errorf("%w: after is not a cursor from this search", ErrBadQuery)
}

func encodeCursor(sort []string) string {
	b, _ := json.Marshal(sort)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string, n int) ([]string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	var out []string
	if err == nil {
		err = json.Unmarshal(b, &out)
	}
	if err != nil || len(out) != n {
		return nil, fmt.Errorf("%w: after is not a cursor from this search", ErrBadQuery)
	}
	return out, nil
}

// CountBySource returns how many documents each source brought.
func (ix *Index) CountBySource(ctx context.Context) (map[string]int, error) {
	req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), 0, 0, false)
	req.AddFacet(facetSources, bleve.NewFacetRequest(fieldSource, 100000))
	sr, err := ix.bleveSearch(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("index: count by source: %w", err)
	}
	out := map[string]int{}
	if f := sr.Facets[facetSources]; f != nil && f.Terms != nil {
		for _, t := range f.Terms.Terms() {
			out[t.Term] = t.Count
		}
	}
	return out, nil
}
