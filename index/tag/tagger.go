package tag

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// DefaultContextWindow is how many words either side of a mention are
// searched for a context word when an entry sets Context but no
// ContextWindow: about a sentence's worth.
const DefaultContextWindow = 12

// Entity is one watch-list entry: a firm or body whose mentions give a
// document the component of its Role.
type Entity struct {
	Name          string   // shown in Document.Entities; also matched
	Role          string   // one of Roles()
	Aliases       []string // other names matched for it, under the entry's rules
	CaseSensitive bool     // only exact-case mentions count (for "Arm", "Meta", "Apple")
	// Exclude lists phrases inside which a mention does not count: "Nokia
	// Arena" for Nokia, "apple pie" for Apple. They are matched like names
	// but always ignoring case.
	Exclude []string
	// Context, when set, makes a mention count only if one of these words
	// or phrases occurs within ContextWindow words of it in the same field
	// ("Finland", "operator" for Elisa). Matched ignoring case.
	Context []string
	// ContextWindow is the reach of Context in words either side of the
	// mention; 0 means DefaultContextWindow. Only valid with Context.
	ContextWindow int
	// Veto lists words or phrases that cancel a mention when they occur
	// within VetoWindow words of it in the same field, whichever name or
	// alias matched: "JavaScript", "module" for AMD, "chess" for Amazon.
	Veto []string
	// VetoWindow is the reach of Veto; 0 means DefaultContextWindow.
	VetoWindow int
	// Plurals also matches the name and aliases with an "s" added to
	// their last word ("many Nokias"); off by default because "Arms" and
	// "Apples" are usually not firms.
	Plurals bool
	// AliasRules are aliases with rules of their own, for names that
	// need them where the entry's name does not: "MS" in exact case and
	// only near "Windows" or "Office" for Microsoft, "Redhat" ignoring
	// case for a case-sensitive "Red Hat". The entry's CaseSensitive,
	// Exclude, Context and Plurals do not apply to them; Veto does.
	AliasRules []Alias
}

// Alias is a name matched for an entry under its own rules; the fields
// mean what the entry's fields of the same name mean.
type Alias struct {
	Name          string
	CaseSensitive bool
	Exclude       []string
	Context       []string
	ContextWindow int
	Plurals       bool
}

// Technology is one technology topic tracked; it gives no component.
// The other fields work as for an Entity.
type Technology struct {
	Name          string
	Aliases       []string
	CaseSensitive bool
	Exclude       []string
	Context       []string
	ContextWindow int
	Veto          []string
	VetoWindow    int
	Plurals       bool
	AliasRules    []Alias
}

// Tagger tags documents with components, entities and technologies. It is
// built once by New and is safe for concurrent use.
type Tagger struct {
	entries []entry          // entities, then technologies
	vocab   map[string]int32 // normalised token → token id
	gaps    map[string]int32 // gap signature → gap id; 0 is the soft gap
	edges   map[edge]int32   // trie over token and gap ids; node 0 is the root
	nodes   [][]payload      // per node: the names and aliases that end there
	rules   []rule
	filter  []bool // per node: an exclude or context phrase ends there
	// maxFilter is the most tokens in any exclude or context phrase, so a
	// search for the phrases near a mention knows how far back to look.
	maxFilter int
	// keepTechnical matches names inside URLs and code too; only the
	// evaluation's case-blind candidate finder sets it.
	keepTechnical bool
	pool          sync.Pool // *scratch
}

// entry is an entity or a technology.
type entry struct {
	name       string
	component  string  // "" for technologies
	kind       int     // kindEntity or kindTechnology
	veto       []int32 // trie nodes of the veto phrases
	vetoWindow int
}

// rule is how the mentions of one name or alias count: in exact case or
// not, outside which exclude phrases, near which context phrases.
type rule struct {
	cased   bool
	exclude []int32
	context []int32 // trie nodes of the exclude and context phrases
	window  int
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
	rule  int32    // index in Tagger.rules
	cased []string // the phrase's tokens folded but not lower-cased; nil unless the rule is cased
}

// spec is what Entity and Technology have in common.
type spec struct {
	aliases    []string
	alias      Alias // the entry-level rules, Name unused
	veto       []string
	vetoWindow int
	rules      []Alias
}

// New builds a Tagger for the watch list and the technologies. It fails on an
// empty name, an unknown role, a duplicate name, a name, alias, exclude or
// context phrase with no letters or digits to match, or a bad ContextWindow.
func New(entities []Entity, technologies []Technology) (*Tagger, error) {
	t := &Tagger{
		vocab:  map[string]int32{},
		gaps:   map[string]int32{"": 0},
		edges:  map[edge]int32{},
		nodes:  [][]payload{nil},
		filter: []bool{false},
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
		sp := spec{aliases: e.Aliases, veto: e.Veto, vetoWindow: e.VetoWindow, rules: e.AliasRules,
			alias: Alias{CaseSensitive: e.CaseSensitive, Exclude: e.Exclude, Context: e.Context,
				ContextWindow: e.ContextWindow, Plurals: e.Plurals}}
		if err := t.add(entry{name: e.Name, component: comp, kind: kindEntity}, sp); err != nil {
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
		sp := spec{aliases: tech.Aliases, veto: tech.Veto, vetoWindow: tech.VetoWindow, rules: tech.AliasRules,
			alias: Alias{CaseSensitive: tech.CaseSensitive, Exclude: tech.Exclude, Context: tech.Context,
				ContextWindow: tech.ContextWindow, Plurals: tech.Plurals}}
		if err := t.add(entry{name: tech.Name, kind: kindTechnology}, sp); err != nil {
			return nil, fmt.Errorf("tag: technology %q: %w", tech.Name, err)
		}
	}
	t.pool.New = func() any { return &scratch{hits: map[hitKey]hit{}} }
	return t, nil
}

// add inserts an entry's name and aliases into the trie, and its exclude,
// context and veto phrases as filter nodes.
func (t *Tagger) add(e entry, sp spec) error {
	switch {
	case sp.vetoWindow < 0:
		return fmt.Errorf("veto window %d is negative", sp.vetoWindow)
	case sp.vetoWindow > 0 && len(sp.veto) == 0:
		return fmt.Errorf("veto window %d without veto words", sp.vetoWindow)
	case sp.vetoWindow == 0:
		sp.vetoWindow = DefaultContextWindow
	}
	var err error
	if e.veto, err = t.addFilters("veto", sp.veto); err != nil {
		return err
	}
	e.vetoWindow = sp.vetoWindow
	id := int32(len(t.entries))
	if err := t.addRule(id, append([]string{e.name}, sp.aliases...), sp.alias); err != nil {
		return err
	}
	for i, a := range sp.rules {
		if a.Name == "" {
			return fmt.Errorf("alias rule %d: empty name", i+1)
		}
		if err := t.addRule(id, []string{a.Name}, a); err != nil {
			return fmt.Errorf("alias %q: %w", a.Name, err)
		}
	}
	t.entries = append(t.entries, e)
	return nil
}

// addRule inserts phrases for entry id, matched under the rules of a.
func (t *Tagger) addRule(id int32, phrases []string, a Alias) error {
	switch {
	case a.ContextWindow < 0:
		return fmt.Errorf("context window %d is negative", a.ContextWindow)
	case a.ContextWindow > 0 && len(a.Context) == 0:
		return fmt.Errorf("context window %d without context words", a.ContextWindow)
	case a.ContextWindow == 0:
		a.ContextWindow = DefaultContextWindow
	}
	r := rule{cased: a.CaseSensitive, window: a.ContextWindow}
	var err error
	if r.exclude, err = t.addFilters("exclude", a.Exclude); err != nil {
		return err
	}
	if r.context, err = t.addFilters("context", a.Context); err != nil {
		return err
	}
	rid := int32(len(t.rules))
	t.rules = append(t.rules, r)
	for _, phrase := range phrases {
		variants := []string{phrase}
		if a.Plurals {
			if p, ok := plural(phrase); ok {
				variants = append(variants, p)
			}
		}
		for _, v := range variants {
			node, cased, err := t.insert("alias", v, r.cased)
			if err != nil {
				return err
			}
			if !slices.ContainsFunc(t.nodes[node], func(q payload) bool {
				return q.entry == id && slices.Equal(q.cased, cased)
			}) {
				t.nodes[node] = append(t.nodes[node], payload{entry: id, rule: rid, cased: cased})
			}
		}
	}
	return nil
}

// plural returns phrase with an "s" after its last word ("Nokia" →
// "Nokias", "Open RAN" → "Open RANs"), keeping trailing punctuation; ok is
// false when the last word already ends in s or in a digit, where an
// added s reads as another name ("5Gs", "Siemenss").
func plural(phrase string) (string, bool) {
	toks := tokenize(nil, phrase)
	if len(toks) == 0 {
		return "", false
	}
	last := toks[len(toks)-1]
	r, _ := utf8.DecodeLastRuneInString(phrase[last.start:last.end])
	if r == 's' || r == 'S' || !unicode.IsLetter(r) {
		return "", false
	}
	// Acronyms take a lower-case s too: "RANs", "SIMs".
	return phrase[:last.end] + "s" + phrase[last.end:], true
}

// addFilters inserts exclude or context phrases and returns their nodes.
func (t *Tagger) addFilters(what string, phrases []string) ([]int32, error) {
	var nodes []int32
	for _, phrase := range phrases {
		node, _, err := t.insert(what, phrase, false)
		if err != nil {
			return nil, err
		}
		t.filter[node] = true
		t.maxFilter = max(t.maxFilter, len(tokenize(nil, phrase)))
		if !slices.Contains(nodes, node) {
			nodes = append(nodes, node)
		}
	}
	return nodes, nil
}

// insert adds the path of phrase to the trie and returns its last node and,
// if cased, its tokens folded but not lower-cased. what names the phrase's
// kind in errors ("alias", "exclude", "context").
func (t *Tagger) insert(what, phrase string, cased bool) (int32, []string, error) {
	toks := tokenize(nil, phrase)
	if len(toks) == 0 {
		return 0, nil, fmt.Errorf("%s %q has no letters or digits to match", what, phrase)
	}
	if err := checkEdges(phrase, toks); err != nil {
		return 0, nil, fmt.Errorf("%s %q: %w", what, phrase, err)
	}
	var buf []byte
	var exact []string
	node := int32(0)
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
			t.filter = append(t.filter, false)
			t.edges[edge{node, tok, gap}] = next
		}
		node = next
		if cased {
			exact = append(exact, string(appendFold(nil, phrase[tk.start:tk.end], false)))
		}
	}
	return node, exact, nil
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
			return fmt.Errorf("%q before the first word cannot be matched", r)
		}
	}
	prev := ' '
	for _, r := range trail {
		if !isSoft(r) && !strings.ContainsRune(".,;:!?\"'’”»)]", r) &&
			!((r == 's' || r == 'S') && isApostrophe(prev)) {
			return fmt.Errorf("%q after the last word cannot be matched", r)
		}
		prev = r
	}
	return nil
}
