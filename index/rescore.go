package index

import (
	"cmp"
	"context"
	"math"
	"slices"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// defaultRescoreWindow is how many of a relevance search's first hits
// rescore reorders (Elasticsearch's rescore window_size, 10 a shard by
// default): pages below articles, and the phrase of several words. A
// page past it keeps the score of its words, and a document where the
// words stand together but whose words alone rank it past the window is
// not lifted, as with Elasticsearch's rescoring. Each partition returns
// the window's worth of hits, and each hit's ID is a read of the stored
// documents' section (a page of the mapped file): at 1,000,000 documents
// in four partitions a window of 200 put the API's median at 1.3-1.5x
// bare bleve's, one of 50 at 1.1x (techbench, same runs).
const defaultRescoreWindow = 50

// rescoreWindow returns how many first hits rescore reorders.
func (ix *Index) rescoreWindow() int {
	if ix.window > 0 {
		return ix.window
	}
	return defaultRescoreWindow
}

// rescoring is what rescore applies to the first hits of a relevance
// search of words; the zero value applies nothing.
type rescoring struct {
	on     bool
	phrase string // the ranking phrase of several plain words, or ""
}

// pageWeight is what a front page, listing or about page (pagekind.go)
// scores against an article with the same words.
const pageWeight = 0.5

// rescore reorders hits, the first hits of a relevance search of words
// in score order: a page's score is weighted by pageWeight, and where the
// words of rs.phrase stand together a bonus is added; then they are
// sorted again. Both are too costly on every match: "kind:article" is in
// nearly every document, and a should clause on it walked its postings
// on every search, whatever the words matched; and bleve's phrase
// searcher cannot be asked about given documents (moved to one, it reads
// on through every document with the words until one has them
// together). Here both are read for the window's documents alone.
//
// The phrase bonus for a field is what bleve's phrase searcher would
// score there: the words' score in the field (a conjunction with the
// window's IDs moves each term's postings to them, and the positions are
// compared here as the phrase searcher compares them), times the phrase's
// boost and the field's, scaled to the first score's norm.
func (ix *Index) rescore(ctx context.Context, rs rescoring, hits []*search.DocumentMatch) error {
	if len(hits) == 0 || !rs.on {
		return nil
	}
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	pages, err := ix.pagesAmong(ctx, ids, hits)
	if err != nil {
		return err
	}
	bonus := make(map[string]float64, len(hits))
	if rs.phrase != "" {
		if bonus, err = ix.phraseBonus(ctx, rs.phrase, ids, hits); err != nil {
			return err
		}
	}
	for _, h := range hits {
		h.Score += bonus[h.ID]
		if pages[h.ID] {
			h.Score *= pageWeight
		}
	}
	slices.SortStableFunc(hits, func(a, b *search.DocumentMatch) int { return cmp.Compare(b.Score, a.Score) })
	return nil
}

// pagesAmong returns which of ids (those of hits) are pages. Unscored, the
// term's postings jump to each ID instead of being read through.
func (ix *Index) pagesAmong(ctx context.Context, ids []string, hits []*search.DocumentMatch) (map[string]bool, error) {
	page := bleve.NewTermQuery(kindPage)
	page.SetField(fieldKind)
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(bleve.NewDocIDQuery(ids), page), len(ids), 0, false)
	req.Score = "none"
	sr, err := ix.searchHolding(ctx, req, hits)
	if err != nil {
		return nil, err
	}
	pages := make(map[string]bool, len(sr.Hits))
	for _, h := range sr.Hits {
		pages[h.ID] = true
	}
	return pages, nil
}

// phraseBonus returns the bonus of each of ids (those of hits) whose
// words of phrase stand together in a text field.
func (ix *Index) phraseBonus(ctx context.Context, phrase string, ids []string, hits []*search.DocumentMatch) (map[string]float64, error) {
	bonus := make(map[string]float64, len(hits))
	// A field's words scored alone are normalised by their own weights;
	// in the first pass they share the norm with the words' clauses in
	// every text field, about the square root of the summed squared
	// field boosts larger.
	var norm float64
	for _, tf := range textFields() {
		norm += tf.boost * tf.boost
	}
	norm = math.Sqrt(norm)
	for _, tf := range textFields() {
		slots := phraseSlots(ix.mapping, tf.name, phrase)
		if len(slots) == 0 {
			continue
		}
		// The IDs weigh nothing: a hit's score is the words' alone.
		only := bleve.NewDocIDQuery(ids)
		only.SetBoost(0)
		conj := []query.Query{only}
		for _, slot := range slots {
			var alts []query.Query
			for _, term := range slot {
				t := bleve.NewTermQuery(term)
				t.SetField(tf.name)
				alts = append(alts, t)
			}
			switch len(alts) {
			case 0: // a word the analyser drops: any word stands there
			case 1:
				conj = append(conj, alts[0])
			default:
				conj = append(conj, bleve.NewDisjunctionQuery(alts...))
			}
		}
		req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(conj...), len(ids), 0, false)
		req.IncludeLocations = true
		sr, err := ix.searchHolding(ctx, req, hits)
		if err != nil {
			return nil, err
		}
		for _, h := range sr.Hits {
			if together(h.Locations[tf.name], slots) {
				bonus[h.ID] += phraseBoost * tf.boost * h.Score / norm
			}
		}
	}
	return bonus, nil
}

// phraseSlots is phrase analysed for field as bleve's match-phrase query
// analyses it: the terms at each position from the first (several where
// the analyser puts several at one, none where it dropped a word).
func phraseSlots(m mapping.IndexMapping, field, phrase string) [][]string {
	a := m.AnalyzerNamed(m.AnalyzerNameForPath(field))
	if a == nil {
		return nil
	}
	tokens := a.Analyze([]byte(phrase))
	if len(tokens) == 0 {
		return nil
	}
	first, last := tokens[0].Position, tokens[0].Position
	for _, t := range tokens {
		first, last = min(first, t.Position), max(last, t.Position)
	}
	slots := make([][]string, last-first+1)
	for _, t := range tokens {
		slots[t.Position-first] = append(slots[t.Position-first], string(t.Term))
	}
	return slots
}

// together reports whether the terms of slots stand at consecutive
// positions of one value of a field whose term locations are tlm.
func together(tlm search.TermLocationMap, slots [][]string) bool {
	for _, term := range slots[0] {
		for _, start := range tlm[term] {
			if followed(tlm, slots, start) {
				return true
			}
		}
	}
	return false
}

// followed reports whether each later slot has one of its terms at its
// place after start.
func followed(tlm search.TermLocationMap, slots [][]string, start *search.Location) bool {
	for k := 1; k < len(slots); k++ {
		if len(slots[k]) == 0 {
			continue
		}
		if !slices.ContainsFunc(slots[k], func(term string) bool {
			return slices.ContainsFunc(tlm[term], func(l *search.Location) bool {
				return l.Pos == start.Pos+uint64(k) && l.ArrayPositions.Equals(start.ArrayPositions)
			})
		}) {
			return false
		}
	}
	return true
}
