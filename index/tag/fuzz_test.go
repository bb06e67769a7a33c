package tag

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/techintel/techintel/index"
)

func FuzzTag(f *testing.F) {
	seeds := [][2]string{
		{"Intel’s O-RAN", "Nokia Bell\nLabs and Telefo\u0301nica"},
		{"AT&T's 5G-Advanced", "3GPP2 3GPP E.ON e.on TCP/IP 802.11.3"},
		{"", "Tele\u00adfónica ＩＮＴＥＬ \xff\xfe Arm's arm"},
		{"'s", "&&& ... ’s Nokia's Bell Labs"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], "source")
	}
	f.Add("Robotic Arm Maker", "Elisa Rossi, Finnish operator Elisa. Nokia Arena and Nokia", "x")
	f.Add("Apple Pie", "the Big Apple; Meta-analysis of Meta; RAN Intelligent Controller radio RAN", "")
	f.Add("MS Windows", "www.ietf.org Net::Amazon::S3 xf86-video-intel a@b.c /usr/intel many Nokias\u00a0AMD module", "")
	f.Add("Google's Arm", "<!DOCTYPE html> <a <b> (google|intel) .arm text/html pic.intel.com/x Verizon Arena. Arm still. his arm “Arm <", "")
	plain := newTestTagger(f)
	filtered, err := New(filterEntities, filterTechnologies)
	if err != nil {
		f.Fatal(err)
	}
	controlled, err := New([]Entity{
		{Name: "AMD", Role: "competitor", CaseSensitive: true, Veto: []string{"module"}},
		{Name: "Microsoft", Role: "partner", AliasRules: []Alias{{Name: "MS", CaseSensitive: true, Context: []string{"Windows"}}}},
		{Name: "Nokia", Role: "own", Plurals: true},
		{Name: "Intel", Role: "partner"}, {Name: "IETF", Role: "standards"}, {Name: "Amazon", Role: "partner"},
	}, []Technology{{Name: "Open RAN", Plurals: true, Veto: []string{"closed"}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, title, body, source string) {
		checkTag(t, plain, title, body, source)
		checkTag(t, filtered, title, body, source)
		checkTag(t, controlled, title, body, source)
	})
}

// checkTag tags a document and checks the invariants of the output.
func checkTag(t *testing.T, tg *Tagger, title, body, source string) {
	t.Helper()
	doc := &index.Document{Title: title, Body: body, Source: source}
	tg.Tag(doc, []string{"own", "bogus"})
	if doc.Components == nil || doc.Entities == nil || doc.Technologies == nil || doc.Evidence == nil {
		t.Fatal("nil output slice")
	}
	if !slices.IsSorted(doc.Entities) || len(slices.Compact(slices.Clone(doc.Entities))) != len(doc.Entities) {
		t.Errorf("entities not sorted and unique: %q", doc.Entities)
	}
	if !slices.IsSorted(doc.Technologies) || len(slices.Compact(slices.Clone(doc.Technologies))) != len(doc.Technologies) {
		t.Errorf("technologies not sorted and unique: %q", doc.Technologies)
	}
	if !slices.IsSortedFunc(doc.Components, func(a, b string) int { return componentRank(a) - componentRank(b) }) ||
		!slices.Contains(doc.Components, "own") {
		t.Errorf("components = %q", doc.Components)
	}
	for _, c := range doc.Components {
		if !index.ValidComponent(c) {
			t.Errorf("invalid component %q", c)
		}
	}
	for _, e := range doc.Evidence {
		var field string
		switch e.Field {
		case "title":
			field = title
		case "body":
			field = body
		case "source":
			if e.Matched != source || e.Entity != "" || e.Excerpt != "" {
				t.Errorf("source evidence %+v", e)
			}
			continue
		default:
			t.Fatalf("evidence field %q", e.Field)
		}
		if e.Matched == "" || !strings.Contains(field, e.Matched) {
			t.Errorf("evidence %+v: matched text is not in the %s", e, e.Field)
		}
		if m := strings.Join(strings.Fields(e.Matched), " "); !strings.Contains(e.Excerpt, m) {
			t.Errorf("evidence %+v: excerpt lacks the match", e)
		}
		if n, m := utf8.RuneCountInString(e.Excerpt), utf8.RuneCountInString(e.Matched); n > m+2*excerptRadius+2 {
			t.Errorf("evidence %+v: excerpt of %d characters", e, n)
		}
		if len(tokenize(nil, e.Matched)) == 0 {
			t.Errorf("evidence %+v: matched text has no words", e)
		}
		if !slices.Contains(doc.Entities, e.Entity) && !slices.Contains(doc.Technologies, e.Entity) {
			t.Errorf("evidence %+v names no tag", e)
		}
		if e.Component != "" && !slices.Contains(doc.Components, e.Component) {
			t.Errorf("evidence %+v: component not on the document", e)
		}
	}
	// Salience: one entry per tag, scores in [0, 1], Salient a subset of
	// the tags, Primary a component of the document.
	if len(doc.Salience) != len(doc.Entities)+len(doc.Technologies) {
		t.Errorf("%d salience entries for %d tags", len(doc.Salience), len(doc.Entities)+len(doc.Technologies))
	}
	for _, sl := range doc.Salience {
		if sl.Score < 0 || sl.Score > 1 || sl.Mentions < 1 || sl.Salient != (sl.Score >= SalientScore) {
			t.Errorf("salience %+v", sl)
		}
	}
	for _, n := range doc.Salient {
		if !slices.Contains(doc.Entities, n) && !slices.Contains(doc.Technologies, n) {
			t.Errorf("salient %q is not a tag", n)
		}
	}
	if doc.Primary != "" && !slices.Contains(doc.Components, doc.Primary) {
		t.Errorf("primary %q not among components %q", doc.Primary, doc.Components)
	}
}
