package tag

import (
	"slices"
	"strings"
	"testing"

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
	tg := newTestTagger(f)
	f.Fuzz(func(t *testing.T, title, body, source string) {
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
				if e.Matched != source || e.Entity != "" {
					t.Errorf("source evidence %+v", e)
				}
				continue
			default:
				t.Fatalf("evidence field %q", e.Field)
			}
			if e.Matched == "" || !strings.Contains(field, e.Matched) {
				t.Errorf("evidence %+v: matched text is not in the %s", e, e.Field)
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
	})
}
