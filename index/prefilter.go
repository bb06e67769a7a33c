package index

import (
	"math/bits"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2/analysis"

	ql "github.com/techintel/techintel/index/query"
)

// The pre-filter of percolation. From each standing search it derives
// what a document must contain to match (a conjunction of clauses, each a
// set of index terms of which the document needs one), and from each
// batch which documents contain which of those terms, analysing the batch
// once for every standing search. A standing search whose clauses no
// document satisfies is skipped; one whose clauses are its whole query
// (words, ANDs, ORs of words, tag filters) is answered by them, exactly;
// only the rest (phrases, NEAR, NOT, prefixes, dates) run as bleve queries,
// over the documents their clauses leave.

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
	// exact: a document matches exactly when it satisfies the clauses,
	// so no query needs to run.
	exact bool
}

// planner derives plans with the analyser and resolver queries compile
// with, so that a plan's terms are the terms the query searches.
type planner struct {
	an      analysis.Analyzer
	resolve Resolver
}

// plan derives the plan of s. A query that does not parse gets an inexact
// plan without clauses: it runs, and reports its error.
func (p planner) plan(s Standing) plan {
	n, err := ql.Parse(s.Q)
	if err != nil {
		return plan{}
	}
	pl := p.node(n)
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
		}
	}
	if !s.Since.IsZero() || !s.Until.IsZero() {
		pl.exact = false
	}
	return pl
}

// node derives the plan of a query node, mirroring compiler.compile: a
// clause is only derived where the compiled query needs it, so that
// skipping on it never loses a match.
func (p planner) node(n ql.Node) plan {
	switch n := n.(type) {
	case nil:
		return plan{exact: true} // matches everything
	case *ql.And:
		out := plan{exact: true}
		for _, child := range n.Nodes {
			c := p.node(child)
			out.clauses = append(out.clauses, c.clauses...)
			out.exact = out.exact && c.exact
		}
		return out
	case *ql.Or:
		// A document matching the OR matches a side, so it satisfies
		// that side's clauses: the union of one clause per side is
		// needed. It is the whole OR when every side is one clause.
		var union clause
		exact := true
		for _, child := range n.Nodes {
			c := p.node(child)
			if len(c.clauses) == 0 {
				// This side may match anything: so may the OR (and an
				// exact side without clauses matches everything).
				return plan{exact: c.exact}
			}
			shortest := c.clauses[0]
			for _, cl := range c.clauses[1:] {
				if len(cl) < len(shortest) {
					shortest = cl
				}
			}
			union = append(union, shortest...)
			exact = exact && c.exact && len(c.clauses) == 1
		}
		return plan{clauses: []clause{union}, exact: exact}
	case *ql.Term:
		return p.term(n)
	case *ql.Near:
		left, right := p.tokens(n.Left.Value), p.tokens(n.Right.Value)
		if len(left) == 0 || len(right) == 0 {
			// As compiler.near: the other side alone, as a phrase.
			pl := p.term(&ql.Term{Field: n.Left.Field, Value: n.Left.Value + " " + n.Right.Value})
			return plan{clauses: pl.clauses}
		}
		return plan{clauses: p.textClauses(n.Left.Field, append(left, right...))}
	}
	// NOT, date ranges: nothing a document must contain.
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
		}
		var c clause
		for _, v := range values {
			if v != "" {
				c = append(c, termKey(f.Index, v))
			}
		}
		if len(c) == 0 {
			return plan{exact: true} // anyTerm of nothing: no condition
		}
		return plan{clauses: []clause{c}, exact: true}
	}
	toks := p.tokens(t.Value)
	switch len(toks) {
	case 0:
		return plan{exact: true} // only common words: they do not narrow
	case 1:
		return plan{clauses: p.textClauses(t.Field, toks), exact: true}
	}
	// A phrase: each word is needed, their order only a query can check.
	return plan{clauses: p.textClauses(t.Field, toks)}
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

func (p planner) tokens(s string) []string {
	toks := p.an.Analyze([]byte(s))
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = string(t.Term)
	}
	return out
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

// candidates returns the documents of a batch of n that satisfy every
// clause, given the documents holding each key (a key no document holds
// is absent).
func (pl plan) candidates(n int, holders map[key]docSet) docSet {
	out := newDocSet(n)
	for i := range n {
		out.add(i)
	}
	any := newDocSet(n)
	for _, c := range pl.clauses {
		clear(any)
		for _, k := range c {
			if h, ok := holders[k]; ok {
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

// batchHolders returns, for each key some plan needs, the documents of
// the batch that hold it. Titles and bodies are analysed once, on every
// core, and only when a plan needs a word.
func batchHolders(docs []Document, plans []plan, an analysis.Analyzer) map[key]docSet {
	needed := map[key]bool{}
	text := false
	for _, pl := range plans {
		for _, c := range pl.clauses {
			for _, k := range c {
				needed[k] = true
				text = text || strings.HasPrefix(string(k), fieldTitle+"\x00") || strings.HasPrefix(string(k), fieldBody+"\x00")
			}
		}
	}
	found := make([][]key, len(docs))
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
	holders := map[key]docSet{}
	for i, keys := range found {
		for _, k := range keys {
			h, ok := holders[k]
			if !ok {
				h = newDocSet(len(docs))
				holders[k] = h
			}
			h.add(i)
		}
	}
	return holders
}

// docKeys returns the needed keys d holds, as indexDoc indexes it.
func docKeys(d *Document, needed map[key]bool, text bool, an analysis.Analyzer) []key {
	var out []key
	add := func(field, v string) {
		if k := termKey(field, v); needed[k] {
			out = append(out, k)
		}
	}
	for _, f := range []struct {
		field  string
		values []string
	}{
		{fieldComponents, d.Components}, {fieldEntities, d.Entities},
		{fieldTechnologies, d.Technologies}, {fieldSource, []string{d.Source}},
		{fieldURL, []string{d.URL}}, {fieldStory, []string{d.Story}},
	} {
		for _, v := range f.values {
			add(f.field, v)
		}
	}
	if text {
		for _, f := range []struct{ field, text string }{{fieldTitle, d.Title}, {fieldBody, d.Body}} {
			for _, t := range an.Analyze([]byte(f.text)) {
				add(f.field, string(t.Term))
			}
		}
	}
	return out
}
