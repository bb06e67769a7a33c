package tag

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

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
	cands []occurrence // names and aliases found in the field, by first token
	occs  []occurrence // exclude and context phrases found in the field, by first token
	hits  map[hitKey]hit
	// inBody lists the case-sensitive entries the body mentions in their
	// exact case outside an exclude phrase, confirming a title match.
	inBody []int32
	// tracing makes accept record every counted mention in trace, for the
	// mention-level evaluation; Tag never sets it.
	tracing bool
	trace   []mention
	// For the field being scanned: the case-sensitive entries met in
	// lower case ("arm"), met in their case inside a sentence, and their
	// mentions opening a sentence, which settle decides.
	lowerUse, midCase []int32
	doubt             []pending
}

// pending is a mention waiting for settle.
type pending struct {
	p payload
	c occurrence
}

// mention is one counted mention of an entry, recorded when tracing.
type mention struct {
	entry int32
	field int
	span
	cased bool
}

// occurrence is a trie node's phrase found at tokens first to last.
type occurrence struct{ first, last, node int32 }

type hitKey struct {
	entry int32
	field int
}

type span struct{ start, end int }

// hit is what scan records for an entry in a field: the first counting
// mention, for evidence, and how many counted, for salience.
type hit struct {
	span
	first int32 // token index of the first counting mention
	last  int32 // token index of the latest counted mention, so that two rules matching one mention count once
	count int
	cased bool // the first mention matched a case-sensitive name
}

// Tag sets doc.Components, doc.Entities, doc.Technologies and doc.Evidence
// from doc.Title, doc.Body and the source's configured components (invalid
// slugs among them are ignored). Any previous tags are replaced. All four
// slices are sorted, free of duplicates and never nil.
func (t *Tagger) Tag(doc *index.Document, sourceComponents []string) {
	s := t.pool.Get().(*scratch)
	defer t.release(s)
	clear(s.hits)
	s.inBody = s.inBody[:0]
	t.scan(s, doc.Title, fieldTitle)
	t.scan(s, doc.Body, fieldBody)
	bodyHasWords := len(s.toks) > 0

	var comps, fromSource uint // bit r: index.Components[r]
	entities := []string{}
	technologies := []string{}
	evidence := []index.Evidence{}
	for k, h := range s.hits {
		e := &t.entries[k.entry]
		text := doc.Title
		if k.field == fieldBody {
			text = doc.Body
		} else if h.cased && bodyHasWords && !slices.Contains(s.inBody, k.entry) && !possessive(text, h.end) {
			// Headlines capitalise ordinary words ("Robotic Arm Maker",
			// "New Frontier for 5G"), so case cannot tell a name from
			// a word there; the body, which has a mention of a firm
			// named in the title, has to confirm it.
			delete(s.hits, k)
			continue
		}
		evidence = append(evidence, index.Evidence{
			Entity: e.name, Component: e.component, Matched: text[h.start:h.end],
			Field: fieldName(k.field), Excerpt: excerpt(text, h.start, h.end),
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
	t.salience(s, doc, sourceComponents)
}

// release returns s to the pool unless a huge document grew it: one 10 MB
// page should not pin tens of megabytes of tokens.
func (t *Tagger) release(s *scratch) {
	if cap(s.toks) <= maxPooledTokens && cap(s.cands) <= maxPooledTokens && cap(s.occs) <= maxPooledTokens {
		t.pool.Put(s)
	}
}

const maxPooledTokens = 1 << 16

// scan finds the names in one field and records the first span of each.
// First it walks the trie from every token as far as the text follows it,
// collecting every name and every exclude or context phrase that ends on
// the way. Then, per kind, it goes through the names by their first token
// and keeps the longest that counts; matches of one kind do not overlap.
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
	if !t.keepTechnical {
		skipTechnical(text, s.toks, s.ids)
	}
	s.cands, s.occs = s.cands[:0], s.occs[:0]
	s.lowerUse, s.midCase, s.doubt = s.lowerUse[:0], s.midCase[:0], s.doubt[:0]
	for i := range s.toks {
		if s.ids[i] < 0 {
			continue
		}
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
				s.cands = append(s.cands, occurrence{int32(i), int32(j), node})
			}
			if t.filter[node] {
				s.occs = append(s.occs, occurrence{int32(i), int32(j), node})
			}
		}
	}
	for kind := range numKinds {
		free := int32(0) // the first token a new match may start at
		for g := 0; g < len(s.cands); {
			h := g + 1
			for h < len(s.cands) && s.cands[h].first == s.cands[g].first {
				h++
			}
			if s.cands[g].first >= free {
				for k := h - 1; k >= g; k-- { // longest first
					if t.accept(s, text, field, s.cands[k], kind) {
						free = s.cands[k].last + 1
						break
					}
				}
			}
			g = h
		}
	}
	t.settle(s, field)
}

func lookup(m map[string]int32, key []byte) int32 {
	if id, ok := m[string(key)]; ok {
		return id
	}
	return -1
}

// accept records the entries of the given kind whose phrase is c and
// reports whether there were any. A mention counts if it has the entry's
// case (when case-sensitive), lies in no exclude phrase of the entry and,
// if the entry has context words, has one near it. A case-sensitive
// mention opening a sentence of the body is put off until the field is
// scanned (see settle).
func (t *Tagger) accept(s *scratch, text string, field int, c occurrence, kind int) bool {
	matched := false
	for _, p := range t.nodes[c.node] {
		e := &t.entries[p.entry]
		if e.kind != kind {
			continue
		}
		if !t.sameCase(s, text, int(c.first), p.cased) {
			if p.cased != nil && isLower(text[s.toks[c.first].start:s.toks[c.first].end]) && !slices.Contains(s.lowerUse, p.entry) {
				s.lowerUse = append(s.lowerUse, p.entry)
			}
			continue
		}
		r := &t.rules[p.rule]
		if len(r.exclude) > 0 && s.near(c, 0, t.maxFilter, r.exclude) {
			continue
		}
		if r.cased && field == fieldBody && !slices.Contains(s.inBody, p.entry) {
			s.inBody = append(s.inBody, p.entry)
		}
		if len(r.context) > 0 && !s.near(c, int32(r.window), t.maxFilter, r.context) {
			continue
		}
		if len(e.veto) > 0 && s.near(c, int32(e.vetoWindow), t.maxFilter, e.veto) {
			continue
		}
		if e.kind == kindEntity && venue(text, s.toks, int(c.last)) {
			continue
		}
		matched = true
		switch {
		case !r.cased || field != fieldBody:
			s.record(p, r.cased, c, field)
		case sentenceStart(text, s.toks[c.first].start):
			s.doubt = append(s.doubt, pending{p, c})
		default:
			if !slices.Contains(s.midCase, p.entry) {
				s.midCase = append(s.midCase, p.entry)
			}
			s.record(p, r.cased, c, field)
		}
	}
	return matched
}

// settle decides the case-sensitive body mentions that open a sentence,
// where a capital says nothing: "Arm still bent behind his head". One
// counts if the field also has the name in its case inside a sentence,
// or never has it in lower case ("his arm").
func (t *Tagger) settle(s *scratch, field int) {
	for _, d := range s.doubt {
		if slices.Contains(s.midCase, d.p.entry) || !slices.Contains(s.lowerUse, d.p.entry) {
			s.record(d.p, true, d.c, field)
		}
	}
}

// record counts the mention c of p's entry in field.
func (s *scratch) record(p payload, cased bool, c occurrence, field int) {
	k := hitKey{p.entry, field}
	h, ok := s.hits[k]
	if !ok || c.first < h.first {
		// A mention settled after the scan can come before the first.
		h.span, h.first, h.cased = span{s.toks[c.first].start, s.toks[c.last].end}, c.first, cased
		if !ok {
			h.last = -1
		}
	}
	if h.last != c.first {
		h.count++
		h.last = c.first
		if s.tracing {
			s.trace = append(s.trace, mention{p.entry, field, span{s.toks[c.first].start, s.toks[c.last].end}, cased})
		}
	}
	s.hits[k] = h
}

// sentenceStart reports whether the word at i opens a sentence, a
// paragraph, a quotation or the field.
func sentenceStart(text string, i int) bool {
	for i > 0 {
		r, w := utf8.DecodeLastRuneInString(text[:i])
		switch {
		case r == '\n':
			return true
		case unicode.IsSpace(r):
			i -= w
			continue
		}
		return strings.ContainsRune(".!?\"“”‘’'", r)
	}
	return true
}

// isLower reports whether w has letters and none of them upper-case.
func isLower(w string) bool {
	letter := false
	for _, r := range w {
		if unicode.IsUpper(r) {
			return false
		}
		letter = letter || unicode.IsLetter(r)
	}
	return letter
}

// near reports whether one of the filter phrases ending at nodes occurs
// within window tokens of c (overlapping it, for window 0). maxLen is the
// most tokens any filter phrase has; s.occs is sorted by first token.
func (s *scratch) near(c occurrence, window int32, maxLen int, nodes []int32) bool {
	lo := c.first - window - int32(maxLen) + 1
	i, _ := slices.BinarySearchFunc(s.occs, lo, func(o occurrence, first int32) int { return cmp.Compare(o.first, first) })
	for ; i < len(s.occs) && s.occs[i].first <= c.last+window; i++ {
		o := s.occs[i]
		if o.last >= c.first-window && slices.Contains(nodes, o.node) {
			return true
		}
	}
	return false
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

// possessive reports whether the name ending at end takes a possessive
// 's, which headlines give names and not the ordinary words they
// capitalise.
func possessive(text string, end int) bool {
	rest := text[end:]
	for _, q := range []string{"'s", "’s"} {
		if strings.HasPrefix(rest, q) {
			r, _ := utf8.DecodeRuneInString(rest[len(q):])
			return len(rest) == len(q) || !unicode.IsLetter(r)
		}
	}
	return false
}

// venue reports whether the name ending at token last begins the name of
// a sponsored venue ("Verizon Wireless Arena", "Nokia Arena"): a venue
// word after at most two more capitalised words. The firm sponsors the
// hall; the story is a concert or a match there.
func venue(text string, toks []token, last int) bool {
	for i := last + 1; i < len(toks) && i <= last+3; i++ {
		w := text[toks[i].start:toks[i].end]
		for _, v := range [...]string{"arena", "stadium", "amphitheatre", "amphitheater", "ballpark", "coliseum"} {
			if strings.EqualFold(w, v) {
				return true
			}
		}
		if r, _ := utf8.DecodeRuneInString(w); !unicode.IsUpper(r) {
			return false
		}
	}
	return false
}
