package tag

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/techintel/techintel/index"
)

// The evaluation set: a telecom watch list configured the way a user would
// (aliases, case sensitivity, exclude and context phrases) and hand-labelled
// news items. The labels say what a careful analyst reads in each item, not
// what the tagger does; TestEvaluation measures the gap.
const evalPath = "testdata/eval/eval.json"

// Acceptance bar for every component.
const (
	minPrecision = 0.95
	minRecall    = 0.90
)

type evalSet struct {
	Comment      string      `json:"comment"`
	Entities     []evalEntry `json:"entities"`
	Technologies []evalEntry `json:"technologies"`
	Items        []evalItem  `json:"items"`
}

type evalEntry struct {
	Name          string   `json:"name"`
	Role          string   `json:"role"`
	Aliases       []string `json:"aliases"`
	CaseSensitive bool     `json:"case_sensitive"`
	Exclude       []string `json:"exclude"`
	Context       []string `json:"context"`
	ContextWindow int      `json:"context_window"`
}

type evalItem struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Body       string   `json:"body"`
	Components []string `json:"components"`
	Entities   []string `json:"entities"`
	Story      string   `json:"story"`
}

func loadEval(tb testing.TB) (*evalSet, *Tagger) {
	tb.Helper()
	f, err := os.Open(evalPath)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	var set evalSet
	if err := dec.Decode(&set); err != nil {
		tb.Fatalf("%s: %v", evalPath, err)
	}
	var ents []Entity
	for _, e := range set.Entities {
		ents = append(ents, Entity{Name: e.Name, Role: e.Role, Aliases: e.Aliases, CaseSensitive: e.CaseSensitive,
			Exclude: e.Exclude, Context: e.Context, ContextWindow: e.ContextWindow})
	}
	var techs []Technology
	for _, e := range set.Technologies {
		techs = append(techs, Technology{Name: e.Name, Aliases: e.Aliases, CaseSensitive: e.CaseSensitive,
			Exclude: e.Exclude, Context: e.Context, ContextWindow: e.ContextWindow})
	}
	tg, err := New(ents, techs)
	if err != nil {
		tb.Fatal(err)
	}
	return &set, tg
}

// counts is a confusion tally.
type counts struct{ tp, fp, fn int }

func (c counts) precision() float64 {
	if c.tp+c.fp == 0 {
		return 1
	}
	return float64(c.tp) / float64(c.tp+c.fp)
}

func (c counts) recall() float64 {
	if c.tp+c.fn == 0 {
		return 1
	}
	return float64(c.tp) / float64(c.tp+c.fn)
}

func (c counts) String() string {
	return fmt.Sprintf("%4d %4d %4d   %5.3f  %5.3f", c.tp, c.fp, c.fn, c.precision(), c.recall())
}

// tally adds the (item, label) pairs of got against want to per and all.
func tally(per map[string]*counts, all *counts, got, want []string) (fps, fns []string) {
	for _, g := range got {
		c := per[g]
		if slices.Contains(want, g) {
			c.tp++
			all.tp++
		} else {
			c.fp++
			all.fp++
			fps = append(fps, g)
		}
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			per[w].fn++
			all.fn++
			fns = append(fns, w)
		}
	}
	return fps, fns
}

// TestEvaluation runs the tagger over the evaluation set and measures
// precision and recall, micro-averaged over (item, component) and (item,
// entity) pairs. It fails below minPrecision or minRecall for any
// component or for the entities overall, and logs the figures.
func TestEvaluation(t *testing.T) {
	set, tg := loadEval(t)
	if len(set.Items) < 200 {
		t.Errorf("%d items, want at least 200", len(set.Items))
	}
	role := map[string]string{}
	for _, e := range set.Entities {
		role[e.Name] = e.Role
	}
	perComp := map[string]*counts{}
	for _, c := range index.Components {
		perComp[c] = &counts{}
	}
	perEnt := map[string]*counts{}
	for name := range role {
		perEnt[name] = &counts{}
	}
	var allComp, allEnt counts
	var errs []string
	seen := map[string]bool{}
	for _, it := range set.Items {
		if seen[it.ID] {
			t.Errorf("duplicate item id %q", it.ID)
		}
		seen[it.ID] = true
		// The labels must agree with the contract: an item has a
		// component exactly when it mentions an entity of that role.
		var implied []string
		for _, e := range it.Entities {
			r, ok := role[e]
			if !ok {
				t.Fatalf("item %s: entity %q is not on the watch list", it.ID, e)
			}
			c, _ := ComponentForRole(r)
			implied = append(implied, c)
		}
		slices.SortFunc(implied, func(a, b string) int { return componentRank(a) - componentRank(b) })
		if implied = slices.Compact(implied); !slices.Equal(orEmpty(implied), orEmpty(it.Components)) {
			t.Errorf("item %s: components %q, but its entities imply %q", it.ID, it.Components, implied)
		}

		doc := &index.Document{Title: it.Title, Body: it.Body}
		tg.Tag(doc, nil)
		tally(perComp, &allComp, doc.Components, it.Components)
		fps, fns := tally(perEnt, &allEnt, doc.Entities, it.Entities)
		for _, e := range fps {
			errs = append(errs, fmt.Sprintf("%s FP %-22s %q", it.ID, e, it.Title))
		}
		for _, e := range fns {
			errs = append(errs, fmt.Sprintf("%s FN %-22s %q", it.ID, e, it.Title))
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "%d items; precision and recall micro-averaged over (item, label) pairs\n", len(set.Items))
	fmt.Fprintf(&b, "%-24s   TP   FP   FN   prec.  recall\n", "component")
	for _, c := range index.Components {
		fmt.Fprintf(&b, "%-24s %s\n", c, perComp[c])
	}
	fmt.Fprintf(&b, "%-24s %s\n\n", "all components", allComp)
	fmt.Fprintf(&b, "%-24s   TP   FP   FN   prec.  recall\n", "entity")
	names := make([]string, 0, len(perEnt))
	for n := range perEnt {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(&b, "%-24s %s\n", n, perEnt[n])
	}
	fmt.Fprintf(&b, "%-24s %s\n", "all entities", allEnt)
	if len(errs) > 0 {
		fmt.Fprintf(&b, "\nerrors:\n  %s\n", strings.Join(errs, "\n  "))
	}
	t.Log("\n" + b.String())

	for _, c := range index.Components {
		if p, r := perComp[c].precision(), perComp[c].recall(); p < minPrecision || r < minRecall {
			t.Errorf("component %s: precision %.3f, recall %.3f; want at least %.2f and %.2f", c, p, r, minPrecision, minRecall)
		}
	}
	if p, r := allEnt.precision(), allEnt.recall(); p < minPrecision || r < minRecall {
		t.Errorf("entities: precision %.3f, recall %.3f; want at least %.2f and %.2f", p, r, minPrecision, minRecall)
	}
}
