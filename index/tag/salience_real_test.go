package tag

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/techintel/techintel/index"
)

const realSalienceLabels = "testdata/mentions/salience.json"

// Floors for "primary entity" on real text, the measured figures rounded
// down: 0.812 and 0.839 on 90 documents (0.788 and 0.839 before headlines'
// publisher suffixes stopped counting as title mentions). The errors left:
// headlines naming a firm the body never does ("Apple Is Ready to Ditch
// the Mac", which the tagger cannot tell from a headline's capitals), a
// firm named once in a short item that is not about it (a record label's
// copyright line, "Full Forecast at Yahoo! Weather"), a site's own name
// as its headline ("Yahoo News - Latest News"), and a review that names
// the firm nineteen times but never in the title or lead.
const (
	minRealSaliencePrecision = 0.81
	minRealSalienceRecall    = 0.83
)

// TestRealSalienceEvaluation measures Document.Salient (organisations
// only) against who each real document of the mention evaluation is
// about, micro-averaged over (document, organisation) pairs. It adds
// pages and feeds nobody on the project wrote to the written items of
// TestSalienceEvaluation.
func TestRealSalienceEvaluation(t *testing.T) {
	docs := realDocs(t)
	ents, techs := loadMentionWatch(t)
	tg, err := New(ents, techs)
	if err != nil {
		t.Fatal(err)
	}
	var labels struct {
		Comment string              `json:"comment"`
		About   map[string][]string `json:"about"`
	}
	decodeStrict(t, realSalienceLabels, &labels)
	isEntity := map[string]bool{}
	for _, e := range ents {
		isEntity[e.Name] = true
	}
	per := map[string]*counts{}
	for name := range isEntity {
		per[name] = &counts{}
	}
	var all counts
	var errs []string
	found := 0
	for _, md := range docs {
		want, ok := labels.About[md.ref]
		if !ok {
			continue
		}
		found++
		for _, w := range want {
			if !isEntity[w] {
				t.Fatalf("%s: label %q is not on the watch list", md.ref, w)
			}
		}
		doc := md.doc
		tg.Tag(&doc, nil)
		var got []string
		for _, n := range doc.Salient {
			if isEntity[n] {
				got = append(got, n)
			}
		}
		fps, fns := tally(per, &all, got, want)
		for _, e := range fps {
			errs = append(errs, fmt.Sprintf("%s FP %-10s %q %s", md.ref, e, doc.Title, scoreOf(&doc, e)))
		}
		for _, e := range fns {
			errs = append(errs, fmt.Sprintf("%s FN %-10s %q %s", md.ref, e, doc.Title, scoreOf(&doc, e)))
		}
	}
	if found != len(labels.About) {
		t.Errorf("%d labelled documents, %d of them in the corpora", len(labels.About), found)
	}
	about := 0
	for _, w := range labels.About {
		if len(w) > 0 {
			about++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d real documents naming a watched organisation, %d about one or more\n", len(labels.About), about)
	fmt.Fprintf(&b, "%-24s   TP   FP   FN   prec.  recall\n", "primary entity")
	fmt.Fprintf(&b, "%-24s %s\n", "all entities", all)
	if len(errs) > 0 {
		slices.Sort(errs)
		fmt.Fprintf(&b, "\nerrors:\n  %s\n", strings.Join(errs, "\n  "))
	}
	t.Log("\n" + b.String())
	if p, r := all.precision(), all.recall(); p < minRealSaliencePrecision || r < minRealSalienceRecall {
		t.Errorf("primary entity on real text: precision %.3f, recall %.3f; want at least %.3f and %.3f", p, r, minRealSaliencePrecision, minRealSalienceRecall)
	}
}

func TestPublisherSuffix(t *testing.T) {
	for _, tc := range []struct{ title, suffix string }{
		{"Mozilla - Wikipedia", "Wikipedia"},
		{"Samantha and The Great Big Lie - John C. Welch - Medium", "Medium"},
		{"Get your Frontend JavaScript Code Covered | Code", "Code"},
		{"Google - Site Reliability Engineering", "Site Reliability Engineering"},
		{"Nokia wins Elisa deal", ""},
		{"A - this part is far too long to be the name of any publisher at all", ""},
	} {
		if got := tc.title[publisherSuffix(tc.title):]; got != tc.suffix {
			t.Errorf("%q: suffix %q, want %q", tc.title, got, tc.suffix)
		}
	}
	tg, err := New([]Entity{{Name: "Yahoo", Role: "other"}, {Name: "Google", Role: "partner"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	doc := &index.Document{Title: "New app for Google Play - Yahoo News", Body: "The app is out on Google Play today."}
	tg.Tag(doc, nil)
	if !slices.Equal(doc.Entities, []string{"Google", "Yahoo"}) || !slices.Equal(doc.Salient, []string{"Google"}) {
		t.Errorf("entities %q, salient %q; want both tagged and only Google salient", doc.Entities, doc.Salient)
	}
}
