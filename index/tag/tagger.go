package tag

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/techintel/techintel/index"
)

// Entity is one watch-list entry: a firm or body whose mentions give a
// document the component of its Role.
type Entity struct {
	Name          string   // shown in Document.Entities; also matched
	Role          string   // one of Roles()
	Aliases       []string // other names matched for it
	CaseSensitive bool     // only exact-case mentions count (for "Arm", "Meta", "Apple")
}

// Technology is one technology topic tracked; it gives no component.
type Technology struct {
	Name          string
	Aliases       []string
	CaseSensitive bool
}

// Tagger tags documents with components, entities and technologies. It is
// built once by New and is safe for concurrent use.
type Tagger struct {
	entries []entry          // entities, then technologies
	vocab   map[string]int32 // normalised token → token id
	edges   map[edge]int32   // trie over token ids; node 0 is the root
	nodes   [][]payload      // per node: the phrases that end there
	pool    sync.Pool        // *scratch
}

// entry is an entity or a technology.
type entry struct {
	name      string
	component string // "" for technologies
	kind      int    // kindEntity or kindTechnology
}

// Entities and technologies are matched independently: a longer entity name
// never hides a technology ("O-RAN Alliance" still tags the technology
// "O-RAN") and vice versa.
const (
	kindEntity = iota
	kindTechnology
	numKinds
)

type edge struct{ node, tok int32 }

// payload is a name or alias ending at a trie node.
type payload struct {
	entry int32
	cased []string // the phrase's tokens folded but not lower-cased; nil unless CaseSensitive
}

// New builds a Tagger for the watch list and the technologies. It fails on an
// empty name, an unknown role, a duplicate name, or a name or alias with no
// letters or digits to match.
func New(entities []Entity, technologies []Technology) (*Tagger, error) {
	t := &Tagger{vocab: map[string]int32{}, edges: map[edge]int32{}, nodes: [][]payload{nil}}
	seen := map[string]bool{}
	for i, e := range entities {
		if e.Name == "" {
			return nil, fmt.Errorf("tag: entity %d: empty name", i+1)
		}
		comp, ok := ComponentForRole(e.Role)
		if !ok {
			return nil, fmt.Errorf("tag: entity %q: unknown role %q (want one of %s)",
				e.Name, e.Role, strings.Join(Roles(), ", "))
		}
		if seen[e.Name] {
			return nil, fmt.Errorf("tag: duplicate entity %q", e.Name)
		}
		seen[e.Name] = true
		if err := t.add(entry{e.Name, comp, kindEntity}, e.Aliases, e.CaseSensitive); err != nil {
			return nil, fmt.Errorf("tag: entity %q: %w", e.Name, err)
		}
	}
	clear(seen)
	for i, tech := range technologies {
		if tech.Name == "" {
			return nil, fmt.Errorf("tag: technology %d: empty name", i+1)
		}
		if seen[tech.Name] {
			return nil, fmt.Errorf("tag: duplicate technology %q", tech.Name)
		}
		seen[tech.Name] = true
		if err := t.add(entry{tech.Name, "", kindTechnology}, tech.Aliases, tech.CaseSensitive); err != nil {
			return nil, fmt.Errorf("tag: technology %q: %w", tech.Name, err)
		}
	}
	t.pool.New = func() any { return &scratch{hits: map[hitKey]span{}} }
	return t, nil
}

// add inserts an entry's name and aliases into the trie.
func (t *Tagger) add(e entry, aliases []string, caseSensitive bool) error {
	id := int32(len(t.entries))
	t.entries = append(t.entries, e)
	var toks []token
	var buf []byte
	for _, phrase := range append([]string{e.name}, aliases...) {
		toks = tokenize(toks[:0], phrase)
		if len(toks) == 0 {
			return fmt.Errorf("alias %q has no letters or digits to match", phrase)
		}
		node := int32(0)
		var cased []string
		for _, tk := range toks {
			buf = appendFold(buf[:0], phrase[tk.start:tk.end], true)
			tok, ok := t.vocab[string(buf)]
			if !ok {
				tok = int32(len(t.vocab))
				t.vocab[string(buf)] = tok
			}
			next, ok := t.edges[edge{node, tok}]
			if !ok {
				next = int32(len(t.nodes))
				t.nodes = append(t.nodes, nil)
				t.edges[edge{node, tok}] = next
			}
			node = next
			if caseSensitive {
				cased = append(cased, string(appendFold(nil, phrase[tk.start:tk.end], false)))
			}
		}
		p := payload{entry: id, cased: cased}
		if !slices.ContainsFunc(t.nodes[node], func(q payload) bool {
			return q.entry == id && slices.Equal(q.cased, cased)
		}) {
			t.nodes[node] = append(t.nodes[node], p)
		}
	}
	return nil
}

// Fields of a document, in the order evidence lists them.
const (
	fieldTitle = iota
	fieldBody
	fieldSource
)

// scratch holds one Tag call's working memory; it is pooled.
type scratch struct {
	toks  []token
	ids   []int32
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
	s.ids = s.ids[:0]
	for _, tk := range s.toks {
		s.buf = appendFold(s.buf[:0], text[tk.start:tk.end], true)
		id, ok := t.vocab[string(s.buf)]
		if !ok {
			id = -1
		}
		s.ids = append(s.ids, id)
	}
	s.found = [numKinds]int{}
	for i := range s.toks {
		if s.ids[i] < 0 {
			continue
		}
		s.ends = s.ends[:0]
		node := int32(0)
		for j := i; j < len(s.toks) && s.ids[j] >= 0 && (j == i || s.toks[j].joined); j++ {
			next, ok := t.edges[edge{node, s.ids[j]}]
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
