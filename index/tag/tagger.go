package tag

import (
	"fmt"
	"slices"
	"strings"
	"sync"
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
	gaps    map[string]int32 // gap signature → gap id; 0 is the soft gap
	edges   map[edge]int32   // trie over token and gap ids; node 0 is the root
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

// edge leads from node over a token preceded by a gap; edges from the root
// have gap 0.
type edge struct{ node, tok, gap int32 }

// payload is a name or alias ending at a trie node.
type payload struct {
	entry int32
	cased []string // the phrase's tokens folded but not lower-cased; nil unless CaseSensitive
}

// New builds a Tagger for the watch list and the technologies. It fails on an
// empty name, an unknown role, a duplicate name, or a name or alias with no
// letters or digits to match.
func New(entities []Entity, technologies []Technology) (*Tagger, error) {
	t := &Tagger{
		vocab: map[string]int32{},
		gaps:  map[string]int32{"": 0},
		edges: map[edge]int32{},
		nodes: [][]payload{nil},
	}
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
		if err := checkEdges(phrase, toks); err != nil {
			return err
		}
		node := int32(0)
		var cased []string
		for k, tk := range toks {
			buf = appendFold(buf[:0], phrase[tk.start:tk.end], true)
			tok := intern(t.vocab, buf)
			var gap int32
			if k > 0 {
				buf = appendGapSignature(buf[:0], phrase[toks[k-1].end:tk.start])
				gap = intern(t.gaps, buf)
			}
			next, ok := t.edges[edge{node, tok, gap}]
			if !ok {
				next = int32(len(t.nodes))
				t.nodes = append(t.nodes, nil)
				t.edges[edge{node, tok, gap}] = next
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

func intern(m map[string]int32, key []byte) int32 {
	id, ok := m[string(key)]
	if !ok {
		id = int32(len(m))
		m[string(key)] = id
	}
	return id
}

// checkEdges rejects a name whose first or last token is glued to symbols
// that matching would drop: "C++" would otherwise match every "C", and ".NET"
// every "net". Quotes, brackets, sentence punctuation and a possessive 's are
// fine.
func checkEdges(phrase string, toks []token) error {
	lead, trail := phrase[:toks[0].start], phrase[toks[len(toks)-1].end:]
	for _, r := range lead {
		if !isSoft(r) && !strings.ContainsRune("\"'‘“«([", r) {
			return fmt.Errorf("alias %q: %q before the first word cannot be matched", phrase, r)
		}
	}
	prev := ' '
	for _, r := range trail {
		if !isSoft(r) && !strings.ContainsRune(".,;:!?\"'’”»)]", r) &&
			!((r == 's' || r == 'S') && isApostrophe(prev)) {
			return fmt.Errorf("alias %q: %q after the last word cannot be matched", phrase, r)
		}
		prev = r
	}
	return nil
}
