package tag

import (
	"bytes"
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"

	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/plaintext"
)

// The mention-level evaluation on real text: every occurrence of a watched
// name, in any case, as a plural or an alias, in pages and feeds nobody on
// the project wrote, labelled by reading its context (is this the firm or
// the technology the watch list means?), against what the tagger counts.
//
// Candidates are what a case-blind tagger with no exclude, context or veto
// rules and plurals on finds, inside URLs, markup and code too, so every
// way a strict rule can go wrong is among them. The first mentionsPerEntity
// candidates of each (document, field, entry) are the sample: one long
// page naming Google sixty times would otherwise be the whole set.
//
// Documents are split by a hash of their reference: a third are held out.
// The rules of mentionWatch were tuned on the errors of the other two
// thirds only; the test reports both parts and logs only the tuning
// part's errors.
const (
	mentionWatch      = "testdata/mentions/watch.json"
	mentionLabels     = "testdata/mentions/labels.json"
	mentionFeeds      = "../../../shared/corpora/feeds"
	mentionsPerEntity = 3

	// Floors: the figures measured (rounded down), so that a change that
	// loses a single mention fails here. Before the rules of this set
	// (markup, patterns, file names, sentence-initial capitals, headline
	// possessives, venues, and the watch list's X Windows, Rust context
	// and lower-case android rule) the tagger scored 0.944 and 0.973
	// overall, 0.965 and 0.976 on the held-out part; now 0.989 and
	// 0.981 overall (0.993 and 0.982 on the tuning part), 0.976 and
	// 0.976 held out. The errors left are a verb ("Google "<noun>.js""),
	// an artificial intelligence in a game's lore, lower-case names
	// ("java objects", "OK google") and a headline naming Apple that the
	// body never does.
	minMentionPrecision     = 0.988
	minMentionRecall        = 0.980
	minHeldOutMentionPrec   = 0.975
	minHeldOutMentionRecall = 0.975
)

var dumpMentions = flag.Bool("mentions.dump", false,
	"rewrite "+mentionLabels+" with the current sample, keeping the labels made and leaving new candidates unlabelled")

type mentionLabel struct {
	Doc     string `json:"doc"`
	Field   string `json:"field"`
	Entry   string `json:"entry"`
	Offset  int    `json:"offset"` // of the mention in the field, in bytes
	Text    string `json:"text"`
	Context string `json:"context"`
	Correct *bool  `json:"correct"`
}

func (l mentionLabel) key() string {
	return fmt.Sprintf("%s|%s|%s|%d", l.Doc, l.Field, l.Entry, l.Offset)
}

type mentionDoc struct {
	ref string
	doc index.Document
}

// realDocs returns the readability pages and the feed items of the corpora,
// by reference; it skips the test if the corpora are missing.
func realDocs(tb testing.TB) []mentionDoc {
	tb.Helper()
	var docs []mentionDoc
	// Feeds in the corpora repeat items (one feed in three encodings, one
	// share bar under every item): a repeated text is labelled once.
	seen := map[string]bool{}
	add := func(ref string, doc index.Document) {
		if k := doc.Title + "\x00" + doc.Body; !seen[k] {
			seen[k] = true
			docs = append(docs, mentionDoc{ref, doc})
		}
	}
	dirs, err := os.ReadDir(realPages)
	if err != nil {
		tb.Skipf("real-text corpus missing (%v): the readability test pages are expected at %s", err, realPages)
	}
	for _, d := range dirs {
		html, err := os.ReadFile(filepath.Join(realPages, d.Name(), "expected.html"))
		if err != nil {
			continue
		}
		var meta struct {
			Title string `json:"title"`
		}
		if b, err := os.ReadFile(filepath.Join(realPages, d.Name(), "expected-metadata.json")); err == nil {
			_ = json.Unmarshal(b, &meta) // a page without metadata has no title
		}
		add("readability/"+d.Name(), index.Document{Title: meta.Title, Body: plaintext.FromHTML(string(html))})
	}
	for _, sub := range []string{"node-feedparser", "rome"} {
		files, err := os.ReadDir(filepath.Join(mentionFeeds, sub))
		if err != nil {
			tb.Skipf("feed corpus missing (%v): expected at %s", err, mentionFeeds)
		}
		for _, f := range files {
			b, err := os.ReadFile(filepath.Join(mentionFeeds, sub, f.Name()))
			if err != nil || f.Name() == "LICENSE" {
				continue
			}
			feed, err := gofeed.NewParser().Parse(bytes.NewReader(b))
			if err != nil {
				continue // not a feed, or one gofeed cannot read: no text to label
			}
			for i, it := range feed.Items {
				body := it.Content
				if len(it.Description) > len(body) {
					body = it.Description
				}
				add(fmt.Sprintf("feed/%s/%s#%d", sub, f.Name(), i),
					index.Document{Title: plaintext.FromHTML(it.Title), Body: plaintext.FromHTML(body)})
			}
		}
	}
	return docs
}

// mentions returns the mentions of doc that t counts, as Tag would: a
// case-sensitive name in the title counts only if the body confirms it or
// the title's first mention is a possessive.
func (t *Tagger) mentions(doc *index.Document) []mention {
	s := t.pool.Get().(*scratch)
	defer func() { s.tracing, s.trace = false, nil; t.release(s) }()
	clear(s.hits)
	s.inBody = s.inBody[:0]
	s.tracing, s.trace = true, nil
	t.scan(s, doc.Title, fieldTitle)
	t.scan(s, doc.Body, fieldBody)
	bodyHasWords := len(s.toks) > 0
	return slices.DeleteFunc(s.trace, func(m mention) bool {
		return m.field == fieldTitle && m.cased && bodyHasWords && !slices.Contains(s.inBody, m.entry) &&
			!possessive(doc.Title, s.hits[hitKey{m.entry, fieldTitle}].end)
	})
}

// looseList is the watch list with every rule relaxed: any case, plurals,
// no exclude, context or veto, alias rules as plain aliases.
func looseList(ents []Entity, techs []Technology) ([]Entity, []Technology) {
	relax := func(aliases []string, rules []Alias) []string {
		out := slices.Clone(aliases)
		for _, a := range rules {
			out = append(out, a.Name)
		}
		return out
	}
	var le []Entity
	for _, e := range ents {
		le = append(le, Entity{Name: e.Name, Role: e.Role, Aliases: relax(e.Aliases, e.AliasRules), Plurals: true})
	}
	var lt []Technology
	for _, e := range techs {
		lt = append(lt, Technology{Name: e.Name, Aliases: relax(e.Aliases, e.AliasRules), Plurals: true})
	}
	return le, lt
}

func snippet(text string, sp span) string {
	const reach = 80
	lo, hi := max(0, sp.start-reach), min(len(text), sp.end+reach)
	for lo > 0 && lo < sp.start && !isRuneStart(text[lo]) {
		lo--
	}
	for hi < len(text) && !isRuneStart(text[hi]) {
		hi++
	}
	clean := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	return clean(text[lo:sp.start]) + " [[" + text[sp.start:sp.end] + "]] " + clean(text[sp.end:hi])
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

func heldOut(doc string) bool {
	h := fnv.New32a()
	h.Write([]byte(doc))
	return h.Sum32()%3 == 0
}

func loadMentionWatch(tb testing.TB) ([]Entity, []Technology) {
	var watch struct {
		Comment      string      `json:"comment"`
		Entities     []realEntry `json:"entities"`
		Technologies []realEntry `json:"technologies"`
	}
	decodeStrict(tb, mentionWatch, &watch)
	conv := func(e realEntry) ([]Alias, Alias) {
		var rules []Alias
		for _, a := range e.AliasRules {
			rules = append(rules, Alias{Name: a.Name, CaseSensitive: a.CaseSensitive,
				Exclude: a.Exclude, Context: a.Context, ContextWindow: a.ContextWindow, Plurals: a.Plurals})
		}
		return rules, Alias{}
	}
	var ents []Entity
	for _, e := range watch.Entities {
		rules, _ := conv(e)
		ents = append(ents, Entity{Name: e.Name, Role: e.Role, Aliases: e.Aliases, CaseSensitive: e.CaseSensitive,
			Exclude: e.Exclude, Context: e.Context, ContextWindow: e.ContextWindow,
			Veto: e.Veto, VetoWindow: e.VetoWindow, Plurals: e.Plurals, AliasRules: rules})
	}
	var techs []Technology
	for _, e := range watch.Technologies {
		rules, _ := conv(e)
		techs = append(techs, Technology{Name: e.Name, Aliases: e.Aliases, CaseSensitive: e.CaseSensitive,
			Exclude: e.Exclude, Context: e.Context, ContextWindow: e.ContextWindow,
			Veto: e.Veto, VetoWindow: e.VetoWindow, Plurals: e.Plurals, AliasRules: rules})
	}
	return ents, techs
}

func TestMentionEvaluation(t *testing.T) {
	docs := realDocs(t)
	ents, techs := loadMentionWatch(t)
	strict, err := New(ents, techs)
	if err != nil {
		t.Fatal(err)
	}
	loose, err := New(looseList(ents, techs))
	if err != nil {
		t.Fatal(err)
	}
	loose.keepTechnical = true
	var file struct {
		Comment  string         `json:"comment"`
		Mentions []mentionLabel `json:"mentions"`
	}
	decodeStrict(t, mentionLabels, &file)
	labels := map[string]mentionLabel{}
	for _, l := range file.Mentions {
		labels[l.key()] = l
	}

	type tallies struct{ all, held counts }
	var sample []mentionLabel
	var res tallies
	perEntry := map[string]*counts{}
	var errs []string
	docsWith := map[string]bool{}
	for _, md := range docs {
		doc := md.doc
		accepted := map[[3]int]bool{} // entry, field, start
		for _, m := range strict.mentions(&doc) {
			accepted[[3]int{int(m.entry), m.field, m.start}] = true
		}
		seen := map[[2]int]int{} // entry, field → candidates so far
		for _, m := range loose.mentions(&doc) {
			k := [2]int{int(m.entry), m.field}
			n := seen[k]
			seen[k]++
			if n >= mentionsPerEntity {
				delete(accepted, [3]int{int(m.entry), m.field, m.start}) // outside the sample
				continue
			}
			text := doc.Title
			if m.field == fieldBody {
				text = doc.Body
			}
			l := mentionLabel{Doc: md.ref, Field: fieldName(m.field), Entry: loose.entries[m.entry].name,
				Offset: m.start, Text: text[m.start:m.end], Context: snippet(text, m.span)}
			got := accepted[[3]int{int(m.entry), m.field, m.start}]
			delete(accepted, [3]int{int(m.entry), m.field, m.start})
			if old, ok := labels[l.key()]; ok {
				if old.Context != l.Context || old.Text != l.Text {
					t.Errorf("%s: the text changed since it was labelled (%q, now %q): relabel with -mentions.dump", l.key(), old.Context, l.Context)
				}
				l.Correct = old.Correct
			}
			sample = append(sample, l)
			if l.Correct == nil {
				continue
			}
			docsWith[md.ref] = true
			c := perEntry[l.Entry]
			if c == nil {
				c = &counts{}
				perEntry[l.Entry] = c
			}
			held := heldOut(md.ref)
			add := func(c *counts) {
				switch {
				case got && *l.Correct:
					c.tp++
				case got:
					c.fp++
				case *l.Correct:
					c.fn++
				}
			}
			add(c)
			add(&res.all)
			if held {
				add(&res.held)
			} else if got != *l.Correct {
				kind := "FN"
				if got {
					kind = "FP"
				}
				errs = append(errs, fmt.Sprintf("%s %s %-10s %s", kind, md.ref, l.Entry, l.Context))
			}
		}
		for k := range accepted {
			// A strict rule found what the case-blind one did not: the
			// candidates are incomplete, and the mention is unlabelled.
			t.Errorf("%s: %s counted at byte %d of the %s, which is no candidate", md.ref, strict.entries[k[0]].name, k[2], fieldName(k[1]))
		}
	}
	if *dumpMentions {
		slices.SortStableFunc(sample, func(a, b mentionLabel) int { return cmp.Compare(a.Doc, b.Doc) })
		file.Mentions = sample
		b, err := json.MarshalIndent(file, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(mentionLabels, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	unlabelled := 0
	for _, l := range sample {
		if l.Correct == nil {
			unlabelled++
		}
	}
	if unlabelled > 0 {
		t.Errorf("%d sampled mentions are unlabelled: label them in %s", unlabelled, mentionLabels)
	}
	tune := counts{res.all.tp - res.held.tp, res.all.fp - res.held.fp, res.all.fn - res.held.fn}
	var b strings.Builder
	fmt.Fprintf(&b, "%d documents, %d with labelled mentions; %d labelled mentions\n", len(docs), len(docsWith), len(sample)-unlabelled)
	fmt.Fprintf(&b, "%-24s   TP   FP   FN   prec.  recall\n", "entry")
	names := make([]string, 0, len(perEntry))
	for n := range perEntry {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if c := perEntry[n]; c.tp+c.fp+c.fn > 0 {
			fmt.Fprintf(&b, "%-24s %s\n", n, c)
		}
	}
	fmt.Fprintf(&b, "%-24s %s\n%-24s %s\n%-24s %s\n", "tuning part", tune, "held-out part", res.held, "all", res.all)
	if len(errs) > 0 {
		fmt.Fprintf(&b, "\nerrors in the tuning part:\n  %s\n", strings.Join(errs, "\n  "))
	}
	t.Log("\n" + b.String())
	if len(docsWith) < 100 {
		t.Errorf("%d documents with labelled mentions, want at least 100", len(docsWith))
	}
	if p, r := res.all.precision(), res.all.recall(); p < minMentionPrecision || r < minMentionRecall {
		t.Errorf("mentions: precision %.3f, recall %.3f; want at least %.3f and %.3f", p, r, minMentionPrecision, minMentionRecall)
	}
	if p, r := res.held.precision(), res.held.recall(); p < minHeldOutMentionPrec || r < minHeldOutMentionRecall {
		t.Errorf("held-out mentions: precision %.3f, recall %.3f; want at least %.3f and %.3f", p, r, minHeldOutMentionPrec, minHeldOutMentionRecall)
	}
}
