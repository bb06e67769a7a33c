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
	"github.com/blevesearch/bleve/v2/search"
	htmlhl "github.com/blevesearch/bleve/v2/search/highlight/highlighter/html"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Sort orders.
const (
	SortRelevance = "relevance"
	SortDate      = "date"
)

// Paging limits. MaxWindow bounds offset+limit, as Elasticsearch's
// max_result_window does: from+size paging holds every skipped hit in
// memory (bleve #658), so deeper pages are read with the After cursor.
const (
	DefaultLimit = 20
	MaxLimit     = 100
	MaxWindow    = 10000
)

// facetSizes: how many terms each facet returns.
const (
	facetComponents = "components"
	facetEntities   = "entities"
	facetTechs      = "technologies"
	facetSources    = "sources"
	facetTerms      = 25
)

// Query is a search over the index. Values within one filter are ORed,
// filters are ANDed.
type Query struct {
	Q            string    // bleve query-string syntax; empty matches everything
	Components   []string  // component slugs
	Entities     []string  // watched entity names
	Technologies []string  // technology names
	Sources      []string  // source names
	Since        time.Time // published at or after (zero: no bound)
	Until        time.Time // published before (zero: no bound)
	Sort         string    // SortRelevance (default) or SortDate
	Limit        int       // 1..MaxLimit, 0 means DefaultLimit
	Offset       int
	After        string // cursor from a previous Result.Next; replaces Offset
	NoFacets     bool   // skip facet counting
	FacetSize    int    // terms per facet; 0 means 25
}

// Hit is one search result (CONTRACT.md).
type Hit struct {
	ID           string    `json:"id"`
	URL          string    `json:"url"`
	Title        string    `json:"title"`
	Snippet      string    `json:"snippet"`
	Source       string    `json:"source"`
	Published    time.Time `json:"published"`
	Fetched      time.Time `json:"fetched"`
	Components   []string  `json:"components"`
	Entities     []string  `json:"entities"`
	Technologies []string  `json:"technologies"`
	Score        float64   `json:"score"`
}

// Facets count the matching documents per value.
type Facets struct {
	Components   map[string]int `json:"components"`
	Entities     map[string]int `json:"entities"`
	Technologies map[string]int `json:"technologies"`
	Sources      map[string]int `json:"sources"`
}

// Result is one page of search results.
type Result struct {
	Total  uint64  `json:"total"`
	TookMS float64 `json:"took_ms"`
	Hits   []Hit   `json:"hits"`
	Facets Facets  `json:"facets"`
	// Next is the cursor of the following page (pass it as After), empty
	// on the last page.
	Next string `json:"next,omitempty"`
}

// Search runs q and returns one page of hits with highlighted snippets and
// facet counts. Malformed or too costly queries give errors wrapping
// ErrBadQuery.
func (ix *Index) Search(ctx context.Context, q Query) (*Result, error) {
	req, err := buildRequest(q)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	sr, err := ix.bi.SearchInContext(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("index: search: %w", ctx.Err())
		}
		if isQueryError(err) {
			return nil, fmt.Errorf("%w: %v", ErrBadQuery, err)
		}
		return nil, fmt.Errorf("index: search: %w", err)
	}
	res := &Result{
		Total:  sr.Total,
		TookMS: float64(time.Since(start).Microseconds()) / 1000,
		Hits:   make([]Hit, 0, len(sr.Hits)),
		Facets: facets(sr.Facets),
	}
	for _, h := range sr.Hits {
		res.Hits = append(res.Hits, toHit(h))
	}
	if n := len(sr.Hits); n > 0 && n == req.Size && uint64(req.From+n) < sr.Total {
		last := sr.Hits[n-1]
		after := slices.Clone(last.Sort)
		for i, so := range req.Sort {
			// bleve reports "_score" as the sort value of a score sort
			// but resumes from the number.
			if _, ok := so.(*search.SortScore); ok {
				after[i] = strconv.FormatFloat(last.Score, 'g', -1, 64)
			}
		}
		res.Next = encodeCursor(after)
	}
	return res, nil
}

// BuildRequest is exported for benchmarks that compare Search with raw
// bleve on the same request.
func BuildRequest(q Query) (*bleve.SearchRequest, error) { return buildRequest(q) }

// Bleve returns the underlying bleve index, for benchmarks and tools that
// compare against raw bleve. Writes through it bypass Upsert's bookkeeping.
func (ix *Index) Bleve() bleve.Index { return ix.bi }

func buildRequest(q Query) (*bleve.SearchRequest, error) {
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	if q.Limit < 1 || q.Limit > MaxLimit {
		return nil, fmt.Errorf("%w: limit must be between 1 and %d", ErrBadQuery, MaxLimit)
	}
	if q.Offset < 0 {
		return nil, fmt.Errorf("%w: offset must not be negative", ErrBadQuery)
	}
	if q.Offset+q.Limit > MaxWindow {
		return nil, fmt.Errorf("%w: offset+limit must not exceed %d; page further with the next cursor", ErrBadQuery, MaxWindow)
	}
	var conj []query.Query
	if strings.TrimSpace(q.Q) == "" {
		conj = append(conj, bleve.NewMatchAllQuery())
	} else {
		qs := bleve.NewQueryStringQuery(q.Q)
		if _, err := qs.Parse(); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadQuery, err)
		}
		conj = append(conj, qs)
	}
	for _, f := range []struct {
		field  string
		values []string
	}{
		{fieldComponents, q.Components}, {fieldEntities, q.Entities},
		{fieldTechnologies, q.Technologies}, {fieldSource, q.Sources},
	} {
		if tq := anyTerm(f.field, f.values); tq != nil {
			conj = append(conj, tq)
		}
	}
	if !q.Since.IsZero() || !q.Until.IsZero() {
		if !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since) {
			return nil, fmt.Errorf("%w: until must be after since", ErrBadQuery)
		}
		incl, excl := true, false
		dr := bleve.NewDateRangeInclusiveQuery(q.Since, q.Until, &incl, &excl)
		dr.SetField(fieldPublished)
		conj = append(conj, dr)
	}
	var qq query.Query = conj[0]
	if len(conj) > 1 {
		qq = bleve.NewConjunctionQuery(conj...)
	}

	req := bleve.NewSearchRequestOptions(qq, q.Limit, q.Offset, false)
	req.Fields = append([]string(nil), hitFields...)
	switch q.Sort {
	case "", SortRelevance:
		req.SortBy([]string{"-_score", "-" + fieldPublished, "_id"})
	case SortDate:
		req.SortBy([]string{"-" + fieldPublished, "_id"})
	default:
		return nil, fmt.Errorf("%w: sort must be %q or %q", ErrBadQuery, SortRelevance, SortDate)
	}
	if q.After != "" {
		after, err := decodeCursor(q.After, len(req.Sort))
		if err != nil {
			return nil, err
		}
		if q.Offset != 0 {
			return nil, fmt.Errorf("%w: use either offset or after, not both", ErrBadQuery)
		}
		req.SetSearchAfter(after)
	}
	// The body is loaded for the snippet when nothing is highlighted.
	req.Fields = append(req.Fields, fieldBody)
	if strings.TrimSpace(q.Q) != "" {
		req.Highlight = bleve.NewHighlightWithStyle(htmlhl.Name)
		req.Highlight.Fields = []string{fieldBody, fieldTitle}
	}
	if !q.NoFacets {
		n := q.FacetSize
		if n <= 0 {
			n = facetTerms
		}
		req.AddFacet(facetComponents, bleve.NewFacetRequest(fieldComponents, 4))
		req.AddFacet(facetEntities, bleve.NewFacetRequest(fieldEntities, n))
		req.AddFacet(facetTechs, bleve.NewFacetRequest(fieldTechnologies, n))
		req.AddFacet(facetSources, bleve.NewFacetRequest(fieldSource, n))
	}
	return req, nil
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

func toHit(h *search.DocumentMatch) Hit {
	d := documentFromFields(h.ID, h.Fields)
	return Hit{
		ID: d.ID, URL: d.URL, Title: d.Title, Source: d.Source,
		Published: d.Published, Fetched: d.Fetched,
		Components: d.Components, Entities: d.Entities, Technologies: d.Technologies,
		Score:   h.Score,
		Snippet: snippet(h),
	}
}

// snippetChars is the length of a snippet without highlights.
const snippetChars = 240

// snippet is plain text with matched terms in <mark>…</mark> and
// everything else HTML-escaped (bleve's html formatter escapes the text
// around the marks; the allow-list sanitiser makes sure of it).
func snippet(h *search.DocumentMatch) string {
	for _, f := range []string{fieldBody, fieldTitle} {
		if frags := h.Fragments[f]; len(frags) > 0 && strings.Contains(frags[0], "<mark>") {
			return SanitizeSnippet(strings.TrimSpace(frags[0]))
		}
	}
	return bodySnippet(str(h.Fields[fieldBody]))
}

// HitOf returns the Hit of a stored document, with the escaped start of its
// body as the snippet.
func HitOf(d *Document) Hit {
	return Hit{
		ID: d.ID, URL: d.URL, Title: d.Title, Source: d.Source,
		Published: d.Published, Fetched: d.Fetched,
		Components: d.Components, Entities: d.Entities, Technologies: d.Technologies,
		Snippet: bodySnippet(d.Body),
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
	sr, err := ix.bi.SearchInContext(ctx, req)
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
