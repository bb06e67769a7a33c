package index

import (
	"math/bits"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2/analysis"

	ql "github.com/techintel/techintel/index/query"
)

// The pre-filter of percolation. From each standing search it derives
// what a document must contain to match (a conjunction of clauses, each a
// set of index terms of which the document needs one), and from each
// batch which documents contain which of those terms (and where, for
// phrases), analysing the batch once for every standing search. A
// standing search whose clauses no document satisfies is skipped; one
// made of words, phrases, tags, AND, OR and NOT is evaluated on those
// terms directly, exactly as its query would match; only the rest
// (prefixes, NEAR, dates) run as bleve queries, over the documents their
// clauses leave.

// key is an index term in a field: field + "\x00" + term.
type key string

func termKey(field, term string) key { return key(field + "\x00" + term) }

// clause is satisfied by a document that holds any of its keys.
type clause []key

// plan is what percolation knows of a standing search before running it.
type plan struct {
	// clauses must all be satisfied by a matching document; none means
	// any document may match.
	clauses []clause
	// cond, if set, is the whole search evaluated on the batch's terms:
	// no query needs to run.
	cond cond
}

// planner derives plans with the analyser and resolver queries compile
// with, so that a plan's terms are the terms the query searches.
type planner struct {
	an      analysis.Analyzer
	resolve Resolver
}

// plan derives the plan of s. A query that does not parse gets a plan
// without clauses or cond: it runs, and reports its error.
func (p planner) plan(s Standing) plan {
	n, err := ql.Parse(s.Q)
	if err != nil {
		return plan{}
	}
	pl := p.node(n)
	conds := []cond{pl.cond}
	for _, f := range []struct {
		field  string
		values []string
	}{
		{fieldComponents, s.Components}, {fieldEntities, s.Entities},
		{fieldTechnologies, s.Technologies}, {fieldSource, s.Sources},
	} {
		// As anyTerm: empty values are dropped, and no value is no filter.
		var c clause
		for _, v := range f.values {
			if v != "" {
				c = append(c, termKey(f.field, v))
			}
		}
		if len(c) > 0 {
			pl.clauses = append(pl.clauses, c)
			conds = append(conds, condAny(c))
		}
	}
	switch {
	case pl.cond == nil || !s.Since.IsZero() || !s.Until.IsZero():
		pl.cond = nil
	case len(conds) > 1:
		pl.cond = condAnd(conds)
	}
	return pl
}

// node derives the plan of a query node, mirroring compiler.compile: a
// clause is only derived where the compiled query needs it, so that
// skipping on it never loses a match, and a cond only where it matches
// what the query matches.
func (p planner) node(n ql.Node) plan {
	switch n := n.(type) {
	case nil:
		return plan{cond: condAll{}}
	case *ql.And:
		out := plan{}
		conds, direct := condAnd{}, true
		for _, child := range n.Nodes {
			c := p.node(child)
			out.clauses = append(out.clauses, c.clauses...)
			conds = append(conds, c.cond)
			direct = direct && c.cond != nil
		}
		if direct {
			out.cond = conds
		}
		return out
	case *ql.Or:
		// A document matching the OR matches a side, so it satisfies
		// that side's clauses: the union of one clause per side is
		// needed, unless a side may match anything.
		var union clause
		conds, direct, bounded := condOr{}, true, true
		for _, child := range n.Nodes {
			c := p.node(child)
			conds = append(conds, c.cond)
			direct = direct && c.cond != nil
			if len(c.clauses) == 0 {
				bounded = false
				continue
			}
			shortest := c.clauses[0]
			for _, cl := range c.clauses[1:] {
				if len(cl) < len(shortest) {
					shortest = cl
				}
			}
			union = append(union, shortest...)
		}
		out := plan{}
		if bounded {
			out.clauses = []clause{union}
		}
		if direct {
			out.cond = conds
		}
		return out
	case *ql.Not:
		if c := p.node(n.Node); c.cond != nil {
			return plan{cond: condNot{c.cond}}
		}
		return plan{}
	case *ql.Term:
		return p.term(n)
	case *ql.Near:
		left, right := p.tokens(n.Left.Value), p.tokens(n.Right.Value)
		if len(left) == 0 || len(right) == 0 {
			// As compiler.near: the other side alone, as a phrase.
			return p.term(&ql.Term{Field: n.Left.Field, Value: n.Left.Value + " " + n.Right.Value})
		}
		var toks []string
		for _, t := range append(left, right...) {
			toks = append(toks, t.term)
		}
		return plan{clauses: p.textClauses(n.Left.Field, toks)}
	}
	// Date ranges: left to the query.
	return plan{}
}

func (p planner) term(t *ql.Term) plan {
	f, _ := ql.FieldOf(t.Field)
	if t.Prefix {
		return plan{}
	}
	if t.Field != "" && f.Kind == ql.KindKeyword {
		values := []string{t.Value}
		switch t.Field {
		case "component":
			values = []string{strings.ToLower(t.Value)}
		case "entity", "technology", "source":
			if p.resolve != nil {
				if vs := p.resolve(t.Field, t.Value); len(vs) > 0 {
					values = vs
				}
			}
		case "salient":
			if p.resolve != nil {
				if vs := append(p.resolve("entity", t.Value), p.resolve("technology", t.Value)...); len(vs) > 0 {
					values = vs
				}
			}
		}
		var c clause
		for _, v := range values {
			if v != "" {
				c = append(c, termKey(f.Index, v))
			}
		}
		if len(c) == 0 {
			return plan{cond: condAll{}} // anyTerm of nothing: no condition
		}
		return plan{clauses: []clause{c}, cond: condAny(c)}
	}
	toks := p.tokens(t.Value)
	var words []string
	for _, tk := range toks {
		words = append(words, tk.term)
	}
	switch len(toks) {
	case 0:
		return plan{cond: condAll{}} // only common words: they do not narrow
	case 1:
		cl := p.textClauses(t.Field, words)
		return plan{clauses: cl, cond: condAny(cl[0])}
	}
	// A phrase (quoted, or a word the analyser splits): the words in one
	// field, each at its offset from the first, as bleve's match phrase
	// query places them (common words leave gaps).
	var either condOr
	for _, f := range fieldsOf(t.Field) {
		ph := condPhrase{}
		for _, tk := range toks {
			ph = append(ph, phraseTerm{key: termKey(f.name, tk.term), off: tk.pos - toks[0].pos})
		}
		either = append(either, ph)
	}
	return plan{clauses: p.textClauses(t.Field, words), cond: either}
}

// textClauses: each token in one of the fields a term of field searches.
func (p planner) textClauses(field string, toks []string) []clause {
	fields := fieldsOf(field)
	out := make([]clause, 0, len(toks))
	for _, tok := range toks {
		c := make(clause, len(fields))
		for i, f := range fields {
			c[i] = termKey(f.name, tok)
		}
		out = append(out, c)
	}
	return out
}

type token struct {
	term string
	pos  int
}

func (p planner) tokens(s string) []token {
	toks := p.an.Analyze([]byte(s))
	out := make([]token, len(toks))
	for i, t := range toks {
		out[i] = token{term: string(t.Term), pos: t.Position}
	}
	return out
}

// cond is a query evaluated on the analysed terms of a batch.
type cond interface {
	docs(b *batchTerms) docSet
	keys(add func(k key, positions bool))
}

type (
	condAll    struct{}
	condAny    []key // a document holding any of the keys
	condAnd    []cond
	condOr     []cond
	condNot    struct{ c cond }
	condPhrase []phraseTerm // the terms at their offsets, in one field
	phraseTerm struct {
		key key
		off int
	}
)

func (condAll) docs(b *batchTerms) docSet { return b.all() }
func (condAll) keys(func(key, bool))      {}

func (c condAny) docs(b *batchTerms) docSet {
	out := newDocSet(b.n)
	for _, k := range c {
		if h, ok := b.holders[k]; ok {
			out.or(h)
		}
	}
	return out
}

func (c condAny) keys(add func(key, bool)) {
	for _, k := range c {
		add(k, false)
	}
}

func (c condAnd) docs(b *batchTerms) docSet {
	out := b.all()
	for _, x := range c {
		if out.empty() {
			break
		}
		out.and(x.docs(b))
	}
	return out
}

func (c condAnd) keys(add func(key, bool)) {
	for _, x := range c {
		x.keys(add)
	}
}

func (c condOr) docs(b *batchTerms) docSet {
	out := newDocSet(b.n)
	for _, x := range c {
		out.or(x.docs(b))
	}
	return out
}

func (c condOr) keys(add func(key, bool)) {
	for _, x := range c {
		x.keys(add)
	}
}

func (c condNot) docs(b *batchTerms) docSet {
	out := c.c.docs(b)
	for i := range out {
		out[i] = ^out[i]
	}
	if r := b.n % 64; r != 0 {
		out[len(out)-1] &= 1<<r - 1
	}
	return out
}

func (c condNot) keys(add func(key, bool)) { c.c.keys(add) }

func (c condPhrase) docs(b *batchTerms) docSet {
	out := b.all()
	for _, t := range c {
		h, ok := b.holders[t.key]
		if !ok {
			return newDocSet(b.n)
		}
		out.and(h)
	}
	for i := range b.n {
		if out.has(i) && !c.at(b, i) {
			out[i/64] &^= 1 << (i % 64)
		}
	}
	return out
}

// at: document i holds the terms at their offsets somewhere.
func (c condPhrase) at(b *batchTerms, i int) bool {
	for _, start := range b.positions[c[0].key][i] {
		ok := true
		for _, t := range c[1:] {
			if !slices.Contains(b.positions[t.key][i], start+t.off) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (c condPhrase) keys(add func(key, bool)) {
	for _, t := range c {
		add(t.key, true)
	}
}

// docSet is a set of documents of a batch, by position.
type docSet []uint64

func newDocSet(n int) docSet { return make(docSet, (n+63)/64) }

func (s docSet) add(i int)      { s[i/64] |= 1 << (i % 64) }
func (s docSet) has(i int) bool { return s[i/64]&(1<<(i%64)) != 0 }

func (s docSet) or(o docSet) {
	for i := range s {
		s[i] |= o[i]
	}
}

func (s docSet) and(o docSet) {
	for i := range s {
		s[i] &= o[i]
	}
}

func (s docSet) empty() bool {
	for _, w := range s {
		if w != 0 {
			return false
		}
	}
	return true
}

func (s docSet) count() int {
	n := 0
	for _, w := range s {
		n += bits.OnesCount64(w)
	}
	return n
}

// candidates returns the documents of the batch that satisfy every
// clause.
func (pl plan) candidates(b *batchTerms) docSet {
	out := b.all()
	any := newDocSet(b.n)
	for _, c := range pl.clauses {
		clear(any)
		for _, k := range c {
			if h, ok := b.holders[k]; ok {
				any.or(h)
			}
		}
		out.and(any)
		if out.empty() {
			break
		}
	}
	return out
}

// batchTerms is what a batch holds of the terms the plans need.
type batchTerms struct {
	n       int
	holders map[key]docSet // a key no document holds is absent
	// positions of the phrase terms, by key and document.
	positions map[key]map[int][]int
}

func (b *batchTerms) all() docSet {
	out := newDocSet(b.n)
	for i := range out {
		out[i] = ^uint64(0)
	}
	if r := b.n % 64; r != 0 {
		out[len(out)-1] = 1<<r - 1
	}
	return out
}

// analyseBatch finds the documents of the batch that hold each key some
// plan needs. Titles and bodies are analysed once, on every core, and
// only when a plan needs a word.
func analyseBatch(docs []Document, plans []plan, an analysis.Analyzer) *batchTerms {
	needed := map[key]bool{} // true: positions are needed
	add := func(k key, positions bool) { needed[k] = needed[k] || positions }
	for _, pl := range plans {
		for _, c := range pl.clauses {
			for _, k := range c {
				add(k, false)
			}
		}
		if pl.cond != nil {
			pl.cond.keys(add)
		}
	}
	text := false
	for k := range needed {
		text = text || strings.HasPrefix(string(k), fieldTitle+"\x00") || strings.HasPrefix(string(k), fieldBody+"\x00")
	}
	found := make([]docTerms, len(docs))
	var wg sync.WaitGroup
	var next atomic.Int64
	for range min(runtime.GOMAXPROCS(0), len(docs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(docs) {
					return
				}
				found[i] = docKeys(&docs[i], needed, text, an)
			}
		}()
	}
	wg.Wait()
	b := &batchTerms{n: len(docs), holders: map[key]docSet{}, positions: map[key]map[int][]int{}}
	for i, f := range found {
		for _, k := range f.keys {
			h, ok := b.holders[k]
			if !ok {
				h = newDocSet(len(docs))
				b.holders[k] = h
			}
			h.add(i)
		}
		for k, pos := range f.positions {
			if b.positions[k] == nil {
				b.positions[k] = map[int][]int{}
			}
			b.positions[k][i] = pos
		}
	}
	return b
}

// docTerms is what one document holds of the needed keys.
type docTerms struct {
	keys      []key
	positions map[key][]int
}

// docKeys returns the needed keys d holds, as indexDoc indexes it, with
// the positions of those whose positions are needed.
func docKeys(d *Document, needed map[key]bool, text bool, an analysis.Analyzer) docTerms {
	var out docTerms
	seen := map[key]bool{}
	add := func(field, v string, pos int) {
		k := termKey(field, v)
		positions, ok := needed[k]
		if !ok {
			return
		}
		if !seen[k] {
			seen[k] = true
			out.keys = append(out.keys, k)
		}
		if positions {
			if out.positions == nil {
				out.positions = map[key][]int{}
			}
			out.positions[k] = append(out.positions[k], pos)
		}
	}
	for _, f := range []struct {
		field  string
		values []string
	}{
		{fieldComponents, d.Components}, {fieldEntities, d.Entities},
		{fieldTechnologies, d.Technologies}, {fieldSource, []string{d.Source}},
		{fieldURL, []string{d.URL}}, {fieldStory, []string{d.Story}}, {fieldSalient, d.Salient},
	} {
		for _, v := range f.values {
			add(f.field, v, 0)
		}
	}
	if text {
		for _, f := range []struct{ field, text string }{{fieldTitle, d.Title}, {fieldBody, d.Body}} {
			for _, t := range an.Analyze([]byte(f.text)) {
				add(f.field, string(t.Term), t.Position)
			}
		}
	}
	return out
}
