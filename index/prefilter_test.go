package index

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// prefilterWorld is a small vocabulary of words that stem alike and apart,
// stop words, tags and sources, for random documents and queries.
type prefilterWorld struct {
	r                        *rand.Rand
	words, ents, techs, srcs []string
	components               []string
	urls                     []string
	resolve                  Resolver
}

func newPrefilterWorld(seed uint64) *prefilterWorld {
	w := &prefilterWorld{
		r:     rand.New(rand.NewPCG(seed, 19)),
		words: []string{"radio", "radios", "network", "networks", "slicing", "sliced", "core", "cloud", "open", "ran", "trial", "the", "of", "antenna", "spectrum", "5G", "deal", "Nokia's", "open-ran"},
		ents:  []string{"Nokia", "Ericsson", "Vodafone", "Deutsche Telekom"},
		techs: []string{"5G", "Open RAN", "Wi-Fi"},
		srcs:  []string{"s", "t", "u"},
	}
	w.components = Components[:4]
	ents := w.ents
	w.resolve = func(field, v string) []string {
		for _, e := range ents {
			if field == "entity" && strings.EqualFold(e, v) {
				return []string{e}
			}
		}
		if field == "entity" && strings.EqualFold(v, "dt") {
			return []string{"Deutsche Telekom"}
		}
		return nil
	}
	return w
}

func (w *prefilterWorld) word() string { return w.words[w.r.IntN(len(w.words))] }

func (w *prefilterWorld) sentence(n int) string {
	out := make([]string, n)
	for i := range out {
		out[i] = w.word()
	}
	return strings.Join(out, " ")
}

func (w *prefilterWorld) pick(from []string) []string {
	var out []string
	for _, v := range from {
		if w.r.IntN(3) == 0 {
			out = append(out, v)
		}
	}
	return out
}

func (w *prefilterWorld) docs(n int) []Document {
	var out []Document
	for i := range n {
		u := fmt.Sprintf("https://p.example/%d/%d", w.r.IntN(1000), i)
		w.urls = append(w.urls, u)
		d := Document{ID: DocID(u), URL: u, Title: w.sentence(1 + w.r.IntN(5)), Body: w.sentence(w.r.IntN(30)),
			Source:     w.srcs[w.r.IntN(len(w.srcs))],
			Published:  time.Date(2026, 11, 1+w.r.IntN(20), 0, 0, 0, 0, time.UTC),
			Components: w.pick(w.components), Entities: w.pick(w.ents), Technologies: w.pick(w.techs),
			Story: fmt.Sprintf("story-%d", w.r.IntN(5)),
		}
		d.Salient = w.pick(append(slices.Clone(d.Entities), d.Technologies...))
		out = append(out, d)
	}
	if n > 2 {
		out = append(out, out[0]) // the same document twice in one batch
		out[len(out)-1].Title = "radio"
	}
	return out
}

// query returns a random query of the language, nested up to depth.
func (w *prefilterWorld) query(depth int) string {
	n := 14
	if depth > 0 {
		n = 18
	}
	switch w.r.IntN(n) {
	case 0:
		return w.word()
	case 1:
		return "+" + w.word() + " +" + w.word()
	case 2:
		return fmt.Sprintf("%q", w.sentence(2+w.r.IntN(3)))
	case 3:
		return "title:" + w.word()
	case 4:
		return "body:" + w.word()[:2] + "*"
	case 5:
		if depth == 3 {
			return "" // only at the top: "()" does not parse
		}
		return "the of"
	case 6:
		return fmt.Sprintf("%s NEAR/%d %s", w.word(), w.r.IntN(4), w.word())
	case 7:
		return "entity:" + []string{"nokia", "dt", "ericsson", "acme"}[w.r.IntN(4)]
	case 8:
		return "component:" + strings.ToUpper(w.components[w.r.IntN(len(w.components))])
	case 9:
		return "source:" + w.srcs[w.r.IntN(len(w.srcs))]
	case 10:
		return fmt.Sprintf("published:>=2026-11-%02d", 1+w.r.IntN(20))
	case 11:
		return fmt.Sprintf("url:%q", w.urls[w.r.IntN(len(w.urls))])
	case 12:
		return fmt.Sprintf("story:story-%d", w.r.IntN(6))
	case 13:
		if w.r.IntN(2) == 0 {
			return "salient:" + []string{"nokia", "dt", "5G", "acme"}[w.r.IntN(4)]
		}
		return "technology:" + []string{"5G", `"Open RAN"`, "wi-fi"}[w.r.IntN(3)]
	case 14:
		return "(" + w.query(depth-1) + ") OR (" + w.query(depth-1) + ")"
	case 15:
		return "(" + w.query(depth-1) + ") (" + w.query(depth-1) + ")"
	case 16:
		return "NOT (" + w.query(depth-1) + ")"
	default:
		return "-" + w.word() + " (" + w.query(depth-1) + ")"
	}
}

func (w *prefilterWorld) standing(id string) Standing {
	s := Standing{ID: id, Q: w.query(3), Resolve: w.resolve}
	if w.r.IntN(3) == 0 {
		s.Entities = w.pick(w.ents)
	}
	if w.r.IntN(3) == 0 {
		s.Components = w.pick(w.components)
	}
	if w.r.IntN(4) == 0 {
		s.Technologies = w.pick(w.techs)
	}
	if w.r.IntN(4) == 0 {
		s.Sources = append(w.pick(w.srcs), "")
	}
	if w.r.IntN(5) == 0 {
		s.Since = time.Date(2026, 11, 1+w.r.IntN(20), 0, 0, 0, 0, time.UTC)
	}
	return s
}

func sortedMatches(m map[string][]string) map[string][]string {
	out := map[string][]string{}
	for k, v := range m {
		out[k] = slices.Sorted(slices.Values(v))
	}
	return out
}

// TestPrefilterEqualsFullEvaluation is a property test: over many random
// documents and standing searches (every node of the query language,
// nested, with every filter), percolating with the pre-filter matches
// exactly what running every search over the whole batch matches.
func TestPrefilterEqualsFullEvaluation(t *testing.T) {
	ctx := context.Background()
	skipped, exact := 0, 0
	for round := range 8 {
		w := newPrefilterWorld(uint64(round))
		docs := w.docs(10 + w.r.IntN(120))
		var standing []Standing
		for i := range 150 {
			standing = append(standing, w.standing(fmt.Sprint(i)))
		}
		want, wantFailed, err := percolate(ctx, docs, standing, false)
		if err != nil {
			t.Fatal(err)
		}
		got, gotFailed, err := percolate(ctx, docs, standing, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(wantFailed) > 0 || len(gotFailed) > 0 {
			t.Fatalf("round %d: failed: full %v, pre-filtered %v", round, wantFailed, gotFailed)
		}
		want, got = sortedMatches(want), sortedMatches(got)
		for _, s := range standing {
			if !slices.Equal(got[s.ID], want[s.ID]) {
				t.Errorf("round %d: %q %+v: pre-filtered %v, full %v", round, s.Q, s, got[s.ID], want[s.ID])
			}
		}
		if !maps.EqualFunc(got, want, slices.Equal) {
			t.Errorf("round %d: the match sets differ", round)
		}
		an := newMapping(false).AnalyzerNamed("en")
		plans := make([]plan, len(standing))
		for i, s := range standing {
			plans[i] = planner{an: an, resolve: s.Resolve}.plan(s)
		}
		batch := lastOfEach(docs)
		terms := analyseBatch(batch, plans, an)
		for _, pl := range plans {
			if pl.cond != nil {
				exact++
			}
			if len(pl.clauses) > 0 && pl.candidates(terms).empty() {
				skipped++
			}
		}
	}
	// The property is only worth something if the plans do work.
	if exact == 0 || skipped == 0 {
		t.Errorf("of %d random searches, %d had an exact plan and %d were skipped: the property tests nothing", 8*150, exact, skipped)
	}
}

// TestPlan pins the plans of the query shapes: which terms a match needs
// and whether they settle it.
func TestPlan(t *testing.T) {
	w := newPrefilterWorld(1)
	an := newMapping(false).AnalyzerNamed("en")
	for _, c := range []struct {
		s     Standing
		want  string
		exact bool
	}{
		{Standing{Q: "radios"}, "[title:radio body:radio]", true},
		{Standing{Q: "the"}, "", true},
		{Standing{Q: "radios networks"}, "[title:radio body:radio] [title:network body:network]", true},
		{Standing{Q: "radio OR title:core"}, "[title:radio body:radio title:core]", true},
		{Standing{Q: `"open ran"`}, "[title:open body:open] [title:ran body:ran]", true},
		{Standing{Q: "open-ran"}, "[title:open body:open] [title:ran body:ran]", true},
		{Standing{Q: "radio -core"}, "[title:radio body:radio]", true},
		{Standing{Q: "radio OR NOT core"}, "", true},
		{Standing{Q: "radio OR core*"}, "", false},
		{Standing{Q: "NOT radi*"}, "", false},
		{Standing{Q: "radio OR the"}, "", true},
		{Standing{Q: "radi*"}, "", false},
		{Standing{Q: "radio NEAR/2 core"}, "[title:radio body:radio] [title:core body:core]", false},
		{Standing{Q: "entity:dt component:RAN"}, "[entities:Deutsche Telekom] [components:ran]", true},
		{Standing{Q: "radio", Entities: []string{"Nokia", "", "Ericsson"}, Sources: []string{""}}, "[title:radio body:radio] [entities:Nokia entities:Ericsson]", true},
		{Standing{Q: "radio", Since: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}, "[title:radio body:radio]", false},
		{Standing{Q: "published:2026-01"}, "", false},
		{Standing{Q: "(radio"}, "", false},
	} {
		pl := planner{an: an, resolve: w.resolve}.plan(c.s)
		var parts []string
		for _, cl := range pl.clauses {
			var ks []string
			for _, k := range cl {
				ks = append(ks, strings.Replace(string(k), "\x00", ":", 1))
			}
			parts = append(parts, "["+strings.Join(ks, " ")+"]")
		}
		if got := strings.Join(parts, " "); got != c.want || (pl.cond != nil) != c.exact {
			t.Errorf("%q %v: plan %s exact %v, want %s exact %v", c.s.Q, c.s, got, pl.cond != nil, c.want, c.exact)
		}
	}
}

// FuzzPrefilter: whatever the query, the pre-filter matches what the full
// evaluation matches, and fails where it fails.
func FuzzPrefilter(f *testing.F) {
	for _, s := range []string{"radio", `"open ran" OR core`, "radio NEAR/1 core -the", "entity:dt OR title:radio*", "(a OR (b c)) NOT d", `"radio the radio" -"open of"`, "published:>=2026-11-05 spectrum"} {
		f.Add(s)
	}
	w := newPrefilterWorld(99)
	docs := w.docs(40)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, q string) {
		standing := []Standing{{ID: "q", Q: q, Resolve: w.resolve}}
		want, wantFailed, err := percolate(ctx, docs, standing, false)
		if err != nil {
			t.Fatal(err)
		}
		got, gotFailed, err := percolate(ctx, docs, standing, true)
		if err != nil {
			t.Fatal(err)
		}
		// A query the pre-filter skips cannot fail; one that runs fails
		// as it does in full.
		if gotFailed["q"] != nil && wantFailed["q"] == nil || wantFailed["q"] != nil && gotFailed["q"] == nil && len(got["q"]) > 0 {
			t.Fatalf("%q: failed: full %v, pre-filtered %v", q, wantFailed["q"], gotFailed["q"])
		}
		want, got = sortedMatches(want), sortedMatches(got)
		if !slices.Equal(got["q"], want["q"]) {
			t.Fatalf("%q: pre-filtered %v, full %v", q, got["q"], want["q"])
		}
	})
}
