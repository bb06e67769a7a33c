package tag

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/techintel/techintel/index"
)

const salienceLabels = "testdata/eval/salience.json"

// Floors for "primary entity": Document.Salient (entities only) against
// who each item is about. Measured 0.928 and 0.940: the errors are round-ups
// and lists without a name in the title ("Who's who at the forum" makes
// every speaker's firm salient) and the tagging errors themselves.
const (
	minSaliencePrecision = 0.90
	minSalienceRecall    = 0.90
)

// TestSalienceEvaluation measures which entities the tagger says a
// document is about against the labelled set, micro-averaged over
// (item, entity) pairs, beside the tagging figures of TestEvaluation.
func TestSalienceEvaluation(t *testing.T) {
	set, tg := loadEval(t)
	var labels struct {
		Comment string              `json:"comment"`
		About   map[string][]string `json:"about"`
	}
	decodeStrict(t, salienceLabels, &labels)
	if len(labels.About) < 150 {
		t.Errorf("%d labelled items, want at least 150", len(labels.About))
	}
	isEntity := map[string]bool{}
	for _, e := range set.Entities {
		isEntity[e.Name] = true
	}
	per := map[string]*counts{}
	for name := range isEntity {
		per[name] = &counts{}
	}
	var all, passing counts
	var errs []string
	for _, it := range set.Items {
		want, ok := labels.About[it.ID]
		if !ok {
			continue
		}
		doc := &index.Document{Title: it.Title, Body: it.Body}
		tg.Tag(doc, nil)
		var got []string
		for _, n := range doc.Salient {
			if isEntity[n] {
				got = append(got, n)
			}
		}
		fps, fns := tally(per, &all, got, want)
		for _, e := range fps {
			errs = append(errs, fmt.Sprintf("%s FP %-20s %q %s", it.ID, e, it.Title, scoreOf(doc, e)))
		}
		for _, e := range fns {
			errs = append(errs, fmt.Sprintf("%s FN %-20s %q %s", it.ID, e, it.Title, scoreOf(doc, e)))
		}
		// Passing mentions: tagged but not about; how many the tagger
		// also leaves out of Salient.
		for _, e := range doc.Entities {
			if !slices.Contains(want, e) {
				if slices.Contains(got, e) {
					passing.fp++
				} else {
					passing.tp++
				}
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d items; primary entities, micro-averaged over (item, entity) pairs\n", len(labels.About))
	fmt.Fprintf(&b, "%-24s   TP   FP   FN   prec.  recall\n", "primary entity")
	fmt.Fprintf(&b, "%-24s %s\n", "all entities", all)
	fmt.Fprintf(&b, "passing mentions kept out of Salient: %d of %d\n", passing.tp, passing.tp+passing.fp)
	if len(errs) > 0 {
		fmt.Fprintf(&b, "\nerrors:\n  %s\n", strings.Join(errs, "\n  "))
	}
	t.Log("\n" + b.String())
	if p, r := all.precision(), all.recall(); p < minSaliencePrecision || r < minSalienceRecall {
		t.Errorf("primary entity: precision %.3f, recall %.3f; want at least %.2f and %.2f", p, r, minSaliencePrecision, minSalienceRecall)
	}
}

func scoreOf(doc *index.Document, name string) string {
	for _, s := range doc.Salience {
		if s.Name == name {
			return fmt.Sprintf("(score %.2f title %t lead %t mentions %d)", s.Score, s.Title, s.Lead, s.Mentions)
		}
	}
	return "(not tagged)"
}

func TestSalience(t *testing.T) {
	tg, err := New([]Entity{
		{Name: "Nokia", Role: "own"},
		{Name: "Ericsson", Role: "competitor"},
		{Name: "Vodafone", Role: "customer"},
	}, []Technology{{Name: "Open RAN"}})
	if err != nil {
		t.Fatal(err)
	}
	filler := strings.Repeat("The rollout continues across the region this year. ", 8)
	tests := []struct {
		name, title, body string
		salient           []string
		primary           string
	}{
		{"title and body", "Nokia wins Vodafone deal", "Nokia will supply radios to Vodafone.", []string{"Nokia", "Vodafone"}, "industry"},
		{"passing mention deep in the body", "Vodafone expands Open RAN", "Vodafone said Open RAN sites grow. " + filler + "Ericsson also sells radios.",
			[]string{"Open RAN", "Vodafone"}, "industry"},
		{"analyst note naming our firm once", "Market shares in RAN", "Ericsson leads the market. Ericsson grew. Ericsson gained share. " + filler + "Nokia was third.",
			[]string{"Ericsson"}, "others"},
		{"no entity", "Weather report", "Sunny.", []string{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := &index.Document{Title: tc.title, Body: tc.body}
			tg.Tag(doc, nil)
			if !slices.Equal(doc.Salient, tc.salient) || doc.Primary != tc.primary {
				t.Errorf("salient %q primary %q, want %q %q; salience %+v", doc.Salient, doc.Primary, tc.salient, tc.primary, doc.Salience)
			}
			for _, e := range doc.Entities {
				if !slices.ContainsFunc(doc.Salience, func(s index.Salience) bool { return s.Name == e }) {
					t.Errorf("entity %s has no salience", e)
				}
			}
		})
	}
	doc := &index.Document{Title: "Weather", Body: "Sunny."}
	tg.Tag(doc, []string{"alliances"})
	if doc.Primary != "alliances" {
		t.Errorf("source component: primary %q, want alliances", doc.Primary)
	}
}

func TestPrecisionControls(t *testing.T) {
	tg, err := New([]Entity{
		{Name: "AMD", Role: "competitor", CaseSensitive: true, Veto: []string{"JavaScript", "module"}},
		{Name: "Amazon", Role: "partner", CaseSensitive: true, Veto: []string{"chess"}, VetoWindow: 3},
		{Name: "Microsoft", Role: "partner", AliasRules: []Alias{{Name: "MS", CaseSensitive: true, Context: []string{"Windows"}, ContextWindow: 1}}},
		{Name: "Red Hat", Role: "partner", CaseSensitive: true, AliasRules: []Alias{{Name: "Redhat"}}},
		{Name: "Nokia", Role: "own", Plurals: true},
		{Name: "Intel", Role: "partner"},
		{Name: "IETF", Role: "standards"},
		{Name: "Arm", Role: "partner", CaseSensitive: true},
		{Name: "Google", Role: "partner", CaseSensitive: true},
		{Name: "Verizon", Role: "customer"},
	}, []Technology{{Name: "HTML"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		body string
		want []string
	}{
		{"AMD is the JavaScript module format RequireJS loads.", []string{}},
		{"AMD shipped new chips.", []string{"AMD"}},
		{"The amazon moves like a queen and a knight in fairy chess.", []string{}},
		{"Amazon said it would open an office; chess fans cheered elsewhere in town later that year.", []string{"Amazon"}},
		{"It runs on MS Windows 98.", []string{"Microsoft"}},
		{"Latency was 30 MS at best.", []string{}},
		{"I installed redhat on my laptop.", []string{"Red Hat"}},
		{"The red hat was lost.", []string{}},
		{"There were many Nokias in the drawer.", []string{"Nokia"}},
		{"See www.ietf.org and https://intel.com/x for details.", []string{}},
		{"Mail ietf@example.org or load Net::Intel::CPU and xf86-video-intel.", []string{}},
		{"The IETF met; Intel-based servers and intel.Init() were discussed.", []string{"IETF", "Intel"}},
		{"Files under /usr/share/intel/firmware and intel_pstate.", []string{}},
		// Markup, patterns, CSS, file names, media types and URLs without a scheme.
		{`Start with <!DOCTYPE html> <html lang="en"> <meta name="google">`, []string{}},
		{"RewriteCond %{HTTP_USER_AGENT} (google|intel) [OR]", []string{}},
		{".share-link .google { background-position: 0 }", []string{}},
		{`new Request("/intel.html"); reqHeaders.set("Content-Type", "text/html");`, []string{}},
		{"Photo: pic.google.com/E507uaQ1kx by a reader", []string{}},
		{"A 3 < 4 and Intel > AMD comparison.", []string{"AMD", "Intel"}},
		// A capital opening a sentence says nothing when the text has
		// the word in lower case, unless the name also appears inside a
		// sentence.
		{"He raised his arm. Arm still bent, he waved.", []string{}},
		{"“Arm still bent,” he said.", []string{"Arm"}},
		{"He raised his arm. Arm shipped chips; the deal made Arm rich.", []string{"Arm"}},
		// A sponsored venue is not its sponsor.
		{"The concert is at Verizon Wireless Arena tonight.", []string{}},
		{"Verizon won the contract for the arena.", []string{"Verizon"}},
	}
	for _, tc := range tests {
		doc := &index.Document{Title: "x", Body: tc.body}
		tg.Tag(doc, nil)
		if !slices.Equal(doc.Entities, tc.want) {
			t.Errorf("%q: entities %q, want %q", tc.body, doc.Entities, tc.want)
		}
	}
	for _, bad := range []Entity{
		{Name: "X", Role: "own", VetoWindow: 3},
		{Name: "X", Role: "own", Veto: []string{"y"}, VetoWindow: -1},
		{Name: "X", Role: "own", AliasRules: []Alias{{}}},
		{Name: "X", Role: "own", AliasRules: []Alias{{Name: "Y", ContextWindow: 2}}},
		{Name: "X", Role: "own", AliasRules: []Alias{{Name: "C++"}}},
	} {
		if _, err := New([]Entity{bad}, nil); err == nil {
			t.Errorf("New(%+v) succeeded, want an error", bad)
		}
	}
}

// TestHeadlinePossessive: a headline's capitals need the body to confirm
// a case-sensitive name, unless the headline gives it a possessive.
func TestHeadlinePossessive(t *testing.T) {
	tg, err := New([]Entity{{Name: "Google", Role: "partner", CaseSensitive: true}, {Name: "Arm", Role: "partner", CaseSensitive: true}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		title string
		want  []string
	}{
		{"Google's 2005 Halloween Fright Fest", []string{"Google"}},
		{"Google’s plans", []string{"Google"}},
		{"Robotic Arm Maker Raises Funds", []string{}},
		{"Arms Race in Chips", []string{}},
		{"Googles Everywhere", []string{}},
	} {
		doc := &index.Document{Title: tc.title, Body: "A party with costumes and food."}
		tg.Tag(doc, nil)
		if !slices.Equal(doc.Entities, tc.want) {
			t.Errorf("%q: entities %q, want %q", tc.title, doc.Entities, tc.want)
		}
	}
}
