package index

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	bindex "github.com/blevesearch/bleve_index_api"

	ql "github.com/techintel/techintel/index/query"
)

// Resolver maps a value typed for a keyword field of the query language
// ("entity", "technology" or "source") to the values the index holds: a
// watch-list name for any case of it or of one of its aliases
// (entity:DT → "Deutsche Telekom"). It returns nil when it knows no such
// value; the value is then searched as typed.
type Resolver func(field, value string) []string

// Relevance weights. Scores add up, so a boost is how much a clause
// counts beside a plain match in the body.
const (
	// titleBoost: a word in the title counts three times one in the
	// body.
	titleBoost = 3.0
	// phraseBoost: a multi-word query whose words also stand together
	// as a phrase ranks above one whose words are scattered.
	phraseBoost = 2.0
	// articleBoost lifts every document that is not a front page,
	// listing, about or contact page (pageKind) above those pages.
	articleBoost = 1.0
)

// compiler turns a parsed query into bleve query objects.
type compiler struct {
	an      analysis.Analyzer
	resolve Resolver
}

func newCompiler(m mapping.IndexMapping, resolve Resolver) *compiler {
	return &compiler{an: m.AnalyzerNamed(en.AnalyzerName), resolve: resolve}
}

// boostedField is an index field with the boost of a match in it.
type boostedField struct {
	name  string
	boost float64
}

// textFields are the index fields a word without a field searches, with
// their boosts.
func textFields() []boostedField { return []boostedField{{fieldTitle, titleBoost}, {fieldBody, 1}} }

// compile returns the bleve query of n; nil means every document (an
// empty query, or only words the analyser drops, such as "the").
func (c *compiler) compile(n ql.Node) (query.Query, error) {
	switch n := n.(type) {
	case nil:
		return nil, nil
	case *ql.And:
		var qs []query.Query
		for _, child := range n.Nodes {
			q, err := c.compile(child)
			if err != nil {
				return nil, err
			}
			if q != nil {
				qs = append(qs, q)
			}
		}
		switch len(qs) {
		case 0:
			return nil, nil
		case 1:
			return qs[0], nil
		}
		return bleve.NewConjunctionQuery(qs...), nil
	case *ql.Or:
		var qs []query.Query
		for _, child := range n.Nodes {
			q, err := c.compile(child)
			if err != nil {
				return nil, err
			}
			if q == nil {
				return nil, nil // one side matches everything
			}
			qs = append(qs, q)
		}
		return bleve.NewDisjunctionQuery(qs...), nil
	case *ql.Not:
		q, err := c.compile(n.Node)
		if err != nil {
			return nil, err
		}
		if q == nil {
			return bleve.NewMatchNoneQuery(), nil
		}
		b := bleve.NewBooleanQuery()
		b.AddMust(bleve.NewMatchAllQuery())
		b.AddMustNot(q)
		return b, nil
	case *ql.Term:
		return c.term(n)
	case *ql.Near:
		return c.near(n), nil
	case *ql.Range:
		f, _ := ql.FieldOf(n.Field)
		lo, hi, loIncl, hiIncl := n.Bounds()
		dr := bleve.NewDateRangeInclusiveQuery(lo, hi, &loIncl, &hiIncl)
		dr.SetField(f.Index)
		return dr, nil
	}
	return nil, fmt.Errorf("index: query node %T not handled", n)
}

// fieldsOf returns the index fields a text term searches.
func fieldsOf(field string) []boostedField {
	if field == "" {
		return textFields()
	}
	f, _ := ql.FieldOf(field)
	return []boostedField{{f.Index, 1}}
}

func (c *compiler) term(t *ql.Term) (query.Query, error) {
	f, _ := ql.FieldOf(t.Field)
	if t.Field != "" && f.Kind == ql.KindKeyword {
		return c.keyword(t, f), nil
	}
	var qs []query.Query
	for _, tf := range fieldsOf(t.Field) {
		var q query.Query
		switch {
		case t.Prefix:
			// A prefix is matched against the indexed terms, which
			// are lower-cased and stemmed; the prefix is only
			// lower-cased, as a stem keeps the start of its word.
			p := bleve.NewPrefixQuery(strings.ToLower(t.Value))
			p.SetField(tf.name)
			p.SetBoost(tf.boost)
			q = p
		default:
			toks := c.an.Analyze([]byte(t.Value))
			switch len(toks) {
			case 0:
				return nil, nil // only common words: they do not narrow
			case 1:
				tq := bleve.NewTermQuery(string(toks[0].Term))
				tq.SetField(tf.name)
				tq.SetBoost(tf.boost)
				q = tq
			default:
				// A word the analyser splits (open-ran, 5G/LTE) or a
				// quoted phrase: the words next to each other.
				mp := bleve.NewMatchPhraseQuery(t.Value)
				mp.SetField(tf.name)
				mp.SetBoost(tf.boost)
				q = mp
			}
		}
		qs = append(qs, q)
	}
	if len(qs) == 1 {
		return qs[0], nil
	}
	return bleve.NewDisjunctionQuery(qs...), nil
}

// keyword matches an exact value: tags through the resolver, component
// slugs in lower case, a URL or its prefix as typed.
func (c *compiler) keyword(t *ql.Term, f ql.Field) query.Query {
	if t.Prefix {
		p := bleve.NewPrefixQuery(t.Value)
		p.SetField(f.Index)
		return p
	}
	values := []string{t.Value}
	switch t.Field {
	case "component":
		values = []string{strings.ToLower(t.Value)}
	case "entity", "technology", "source":
		if c.resolve != nil {
			if vs := c.resolve(t.Field, t.Value); len(vs) > 0 {
				values = vs
			}
		}
	case "salient":
		// The field holds the entities and technologies a document is
		// about: the value may name either.
		if c.resolve != nil {
			if vs := append(c.resolve("entity", t.Value), c.resolve("technology", t.Value)...); len(vs) > 0 {
				values = vs
			}
		}
	}
	return anyTerm(f.Index, values)
}

// near matches both sides within the distance, in the title or in the
// body (not one in each).
func (c *compiler) near(n *ql.Near) query.Query {
	var qs []query.Query
	for _, tf := range fieldsOf(n.Left.Field) {
		left, right := c.side(n.Left.Value), c.side(n.Right.Value)
		if len(left) == 0 || len(right) == 0 {
			// A side of only common words: it cannot be placed, so
			// the other side alone must match.
			q, _ := c.term(&ql.Term{Field: n.Left.Field, Value: n.Left.Value + " " + n.Right.Value})
			return q
		}
		qs = append(qs, &nearQuery{Field: tf.name, Left: left, Right: right, Distance: n.Distance, BoostVal: tf.boost})
	}
	if len(qs) == 1 {
		return qs[0]
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// side analyses a side of NEAR into its terms and their offsets from the
// first (common words leave gaps).
func (c *compiler) side(s string) []posTerm {
	toks := c.an.Analyze([]byte(s))
	out := make([]posTerm, len(toks))
	for i, tk := range toks {
		out[i] = posTerm{Term: string(tk.Term), Off: tk.Position - toks[0].Position}
	}
	return out
}

type posTerm struct {
	Term string
	Off  int
}

// nearQuery is NEAR/n in one field: the conjunction of both sides (each a
// term or a phrase), kept where an occurrence of one lies within Distance
// words of an occurrence of the other, in either order. It reads the term
// positions bleve keeps for phrases, as Lucene's span queries do.
type nearQuery struct {
	Field       string
	Left, Right []posTerm
	Distance    int
	BoostVal    float64
}

func (q *nearQuery) sideQuery(side []posTerm) query.Query {
	if len(side) == 1 {
		t := bleve.NewTermQuery(side[0].Term)
		t.SetField(q.Field)
		return t
	}
	terms := make([]string, side[len(side)-1].Off+1)
	for _, t := range side {
		terms[t.Off] = t.Term
	}
	p := bleve.NewPhraseQuery(terms, q.Field)
	return p
}

// Searcher implements query.Query.
func (q *nearQuery) Searcher(ctx context.Context, r bindex.IndexReader, m mapping.IndexMapping, opts search.SearcherOptions) (search.Searcher, error) {
	opts.IncludeTermVectors = true // the positions
	conj := bleve.NewConjunctionQuery(q.sideQuery(q.Left), q.sideQuery(q.Right))
	conj.SetBoost(q.BoostVal)
	s, err := conj.Searcher(ctx, r, m, opts)
	if err != nil {
		return nil, err
	}
	return searcher.NewFilteringSearcher(ctx, s, func(_ *search.SearchContext, d *search.DocumentMatch) bool {
		return q.within(positions(d, q.Field))
	}), nil
}

// positions collects the positions of each term of field in a match.
func positions(d *search.DocumentMatch, field string) map[string][]int {
	out := map[string][]int{}
	for _, ftl := range d.FieldTermLocations {
		if ftl.Field == field {
			out[ftl.Term] = append(out[ftl.Term], int(ftl.Location.Pos))
		}
	}
	for term, locs := range d.Locations[field] {
		for _, l := range locs {
			out[term] = append(out[term], int(l.Pos))
		}
	}
	return out
}

// spans returns the [start, end] positions of every occurrence of side.
func spans(side []posTerm, pos map[string][]int) [][2]int {
	has := func(term string, p int) bool {
		for _, x := range pos[term] {
			if x == p {
				return true
			}
		}
		return false
	}
	var out [][2]int
	last := side[len(side)-1].Off
	for _, p := range pos[side[0].Term] {
		ok := true
		for _, t := range side[1:] {
			if !has(t.Term, p+t.Off) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, [2]int{p, p + last})
		}
	}
	return out
}

// within: some occurrence of each side, not overlapping, with at most
// Distance words between them.
func (q *nearQuery) within(pos map[string][]int) bool {
	for _, a := range spans(q.Left, pos) {
		for _, b := range spans(q.Right, pos) {
			var gap int
			switch {
			case a[1] < b[0]:
				gap = b[0] - a[1] - 1
			case b[1] < a[0]:
				gap = a[0] - b[1] - 1
			default:
				continue
			}
			if gap <= q.Distance {
				return true
			}
		}
	}
	return false
}

// recencyBoosts lift recent documents under SortRecency: a document
// published in the last week gets all three, one of last year only the
// last. The blend keeps score order (bleve's top-k collector) and is the
// same whatever the page.
func recencyBoosts() []struct {
	age   time.Duration
	boost float64
} {
	return []struct {
		age   time.Duration
		boost float64
	}{{7 * 24 * time.Hour, 1.0}, {30 * 24 * time.Hour, 0.6}, {365 * 24 * time.Hour, 0.3}}
}
