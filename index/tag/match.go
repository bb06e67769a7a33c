package tag

import (
	"cmp"
	"slices"
	"strings"

	"github.com/techintel/techintel/index"
)

// Fields of a document, in the order evidence lists them.
const (
	fieldTitle = iota
	fieldBody
	fieldSource
)

// scratch holds one Tag call's working memory; it is pooled.
type scratch struct {
	toks  []token
	ids   []int32 // per token: token id, or -1 if no name has it
	gaps  []int32 // per token: id of the gap before it, or -1 if no name has it
	buf   []byte
	ends  []terminal
	hits  map[hitKey]span
	found [numKinds]int // per kind: the first token a new match may start at
}

type terminal struct {
	node int32
	last int // index of the phrase's last token
}

type hitKey struct {
	entry int32
	field int
}

type span struct{ start, end int }

// Tag sets doc.Components, doc.Entities, doc.Technologies and doc.Evidence
// from doc.Title, doc.Body and the source's configured components (invalid
// slugs among them are ignored). Any previous tags are replaced. All four
// slices are sorted, free of duplicates and never nil.
func (t *Tagger) Tag(doc *index.Document, sourceComponents []string) {
	s := t.pool.Get().(*scratch)
	defer t.release(s)
	clear(s.hits)
	t.scan(s, doc.Title, fieldTitle)
	t.scan(s, doc.Body, fieldBody)

	var comps, fromSource uint // bit r: index.Components[r]
	entities := []string{}
	technologies := []string{}
	evidence := []index.Evidence{}
	for k, sp := range s.hits {
		e := t.entries[k.entry]
		text := doc.Title
		if k.field == fieldBody {
			text = doc.Body
		}
		evidence = append(evidence, index.Evidence{
			Entity: e.name, Component: e.component, Matched: text[sp.start:sp.end], Field: fieldName(k.field),
		})
		if e.kind == kindTechnology {
			technologies = append(technologies, e.name)
			continue
		}
		entities = append(entities, e.name)
		comps |= 1 << componentRank(e.component)
	}
	for _, c := range sourceComponents {
		if r := componentRank(c); r >= 0 && fromSource&(1<<r) == 0 {
			fromSource |= 1 << r
			evidence = append(evidence, index.Evidence{Component: c, Matched: doc.Source, Field: "source"})
		}
	}
	components := []string{}
	for i, c := range index.Components {
		if (comps|fromSource)&(1<<i) != 0 {
			components = append(components, c)
		}
	}
	slices.Sort(entities)
	slices.Sort(technologies)
	slices.SortFunc(evidence, compareEvidence)
	doc.Components = components
	doc.Entities = slices.Compact(entities)
	doc.Technologies = slices.Compact(technologies)
	doc.Evidence = evidence
}

// release returns s to the pool unless a huge document grew it: one 10 MB
// page should not pin tens of megabytes of tokens.
func (t *Tagger) release(s *scratch) {
	if cap(s.toks) <= maxPooledTokens {
		t.pool.Put(s)
	}
}

const maxPooledTokens = 1 << 16

// scan finds the names in one field and records the first span of each.
// At every token it walks the trie as far as the text follows it and, per
// kind, keeps the longest phrase that matches; matches of one kind do not
// overlap.
func (t *Tagger) scan(s *scratch, text string, field int) {
	s.toks = tokenize(s.toks[:0], text)
	s.ids, s.gaps = s.ids[:0], s.gaps[:0]
	prevEnd := 0
	for _, tk := range s.toks {
		s.buf = appendFold(s.buf[:0], text[tk.start:tk.end], true)
		s.ids = append(s.ids, lookup(t.vocab, s.buf))
		var gap int32 // soft, the common case, needs no lookup
		if s.buf = appendGapSignature(s.buf[:0], text[prevEnd:tk.start]); len(s.buf) > 0 {
			gap = lookup(t.gaps, s.buf)
		}
		s.gaps = append(s.gaps, gap)
		prevEnd = tk.end
	}
	s.found = [numKinds]int{}
	for i := range s.toks {
		if s.ids[i] < 0 {
			continue
		}
		s.ends = s.ends[:0]
		node := int32(0)
		for j := i; j < len(s.toks) && s.ids[j] >= 0; j++ {
			var gap int32
			if j > i {
				gap = s.gaps[j]
			}
			next, ok := t.edges[edge{node, s.ids[j], gap}]
			if !ok {
				break
			}
			node = next
			if len(t.nodes[node]) > 0 {
				s.ends = append(s.ends, terminal{node, j})
			}
		}
		for kind := range numKinds {
			if i < s.found[kind] {
				continue
			}
			for k := len(s.ends) - 1; k >= 0; k-- {
				if t.accept(s, text, field, i, s.ends[k], kind) {
					s.found[kind] = s.ends[k].last + 1
					break
				}
			}
		}
	}
}

func lookup(m map[string]int32, key []byte) int32 {
	if id, ok := m[string(key)]; ok {
		return id
	}
	return -1
}

// accept records the entries of the given kind whose phrase ends at end and
// reports whether there were any. Case-sensitive phrases count only if the
// text has their exact case.
func (t *Tagger) accept(s *scratch, text string, field, first int, end terminal, kind int) bool {
	matched := false
	for _, p := range t.nodes[end.node] {
		if t.entries[p.entry].kind != kind || !t.sameCase(s, text, first, p.cased) {
			continue
		}
		matched = true
		k := hitKey{p.entry, field}
		if _, ok := s.hits[k]; !ok {
			s.hits[k] = span{s.toks[first].start, s.toks[end.last].end}
		}
	}
	return matched
}

// sameCase reports whether the tokens from first on spell cased exactly
// (after accent folding); a nil cased accepts any case.
func (t *Tagger) sameCase(s *scratch, text string, first int, cased []string) bool {
	for i, want := range cased {
		tk := s.toks[first+i]
		s.buf = appendFold(s.buf[:0], text[tk.start:tk.end], false)
		if string(s.buf) != want {
			return false
		}
	}
	return true
}

func fieldName(f int) string {
	switch f {
	case fieldTitle:
		return "title"
	case fieldBody:
		return "body"
	}
	return "source"
}

func fieldRank(name string) int {
	switch name {
	case "title":
		return fieldTitle
	case "body":
		return fieldBody
	}
	return fieldSource
}

// compareEvidence orders evidence by name, then component in canonical
// order, then field (title, body, source).
func compareEvidence(a, b index.Evidence) int {
	return cmp.Or(
		strings.Compare(a.Entity, b.Entity),
		cmp.Compare(componentRank(a.Component), componentRank(b.Component)),
		cmp.Compare(fieldRank(a.Field), fieldRank(b.Field)),
	)
}
