package tag

import (
	"slices"
	"strings"
	"testing"

	"github.com/techintel/techintel/index"
)

// filterEntities exercise Exclude, Context and case-sensitive titles.
var filterEntities = []Entity{
	{Name: "Nokia", Role: "own", Aliases: []string{"Nokia Bell Labs"}, Exclude: []string{"Nokia Arena", "Nokia Tyres"}},
	{Name: "Bell Labs", Role: "other"},
	{Name: "Apple", Role: "other", CaseSensitive: true, Exclude: []string{"Big Apple", "apple pie"}},
	{Name: "Meta", Role: "other", CaseSensitive: true, Exclude: []string{"meta-analysis"}},
	{Name: "Arm", Role: "partner", CaseSensitive: true},
	{Name: "Orange", Role: "customer", CaseSensitive: true, Exclude: []string{"Orange County"}},
	{Name: "County Council", Role: "customer"},
	{Name: "Elisa", Role: "customer", CaseSensitive: true, Aliases: []string{"Elisa Oyj"},
		Context: []string{"Finland", "Finnish", "mobile operator"}, ContextWindow: 5},
	{Name: "Frontier", Role: "customer", Context: []string{"fiber", "broadband"}},
}

var filterTechnologies = []Technology{
	{Name: "RAN", Context: []string{"radio"}, Exclude: []string{"RAN Intelligent Controller"}},
}

func TestTagFilters(t *testing.T) {
	tg, err := New(filterEntities, filterTechnologies)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		title, body  string
		entities     []string
		technologies []string
		evidence     []string // entity|field|matched, each must be present
	}{
		{name: "exclude contains the name", body: "Fans filled Nokia Arena."},
		{name: "exclude across a line break", body: "at Nokia\nArena tonight"},
		{name: "exclude possessive", body: "Nokia Arena's roof"},
		{name: "other mention still counts", body: "At Nokia Arena, Nokia's CEO spoke.", entities: []string{"Nokia"},
			evidence: []string{"Nokia|body|Nokia"}},
		{name: "exclude overlapping from the left", body: "5G in the Big Apple"},
		{name: "exclude ignores case", body: "An Apple Pie contest"},
		{name: "exclude with hyphen variants", body: "Meta-analysis and a Meta analysis"},
		{name: "exclude in the title", title: "Meta-Analysis Of 5G Trials"},
		{name: "case-sensitive name outside exclude", body: "Meta-analysis: Meta's glasses", entities: []string{"Meta"}},
		{name: "exclude is per entry", body: "Nokia Tyres and Bell Labs", entities: []string{"Bell Labs"}},
		{name: "rejected match hides nothing", body: "Orange County Council", entities: []string{"County Council"}},
		{name: "exclude of an alias prefix", body: "Nokia Bell Labs", entities: []string{"Nokia"}},
		{name: "context before", body: "Finland's Elisa said", entities: []string{"Elisa"},
			evidence: []string{"Elisa|body|Elisa"}},
		{name: "context after within window", body: "Elisa, the biggest mobile operator in", entities: []string{"Elisa"}},
		{name: "context phrase needs all words", body: "Elisa is the biggest mobile network operator"},
		{name: "context out of window", body: "Elisa Rossi said on Tuesday that demand in Finland was weak"},
		{name: "context word forms are words", body: "Elisa Rossi told operators in Finnland"},
		{name: "context in the other field", title: "Finland", body: "Elisa Rossi said"},
		{name: "context overlapping the alias", body: "Elisa Oyj Finland", entities: []string{"Elisa"}},
		{name: "context ignores case", body: "FIBER for Frontier", entities: []string{"Frontier"}},
		{name: "first counting mention is evidence", body: "Frontier AI labs. Frontier adds broadband.",
			entities: []string{"Frontier"}, evidence: []string{"Frontier|body|Frontier"}},
		{name: "technology context and exclude", body: "RAN Intelligent Controller; radio RAN",
			technologies: []string{"RAN"}},
		{name: "technology without context", body: "the RAN market"},
		{name: "case-sensitive title needs the body", title: "Robotic Arm Maker Picks 5G", body: "It makes robots."},
		{name: "case-sensitive title confirmed", title: "Arm Unveils Chip", body: "Arm said on Monday",
			entities: []string{"Arm"}, evidence: []string{"Arm|title|Arm", "Arm|body|Arm"}},
		{name: "case-sensitive title without body", title: "Arm unveils chip", entities: []string{"Arm"}},
		{name: "case-sensitive title, blank body", title: "Arm unveils chip", body: " \n", entities: []string{"Arm"}},
		{name: "body in wrong case confirms nothing", title: "Apple Growers Go 5G", body: "apple growers"},
		{name: "body confirmation ignores context", title: "Elisa Oyj: Finland", body: "Elisa said",
			entities: []string{"Elisa"}, evidence: []string{"Elisa|title|Elisa Oyj"}},
		{name: "body inside exclude confirms nothing", title: "Orange Picks Vendor", body: "Orange County picks a vendor"},
		{name: "case-insensitive title needs no body", title: "Nokia wins", body: "A deal.", entities: []string{"Nokia"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := &index.Document{Title: tt.title, Body: tt.body}
			tg.Tag(doc, nil)
			if want := orEmpty(tt.entities); !slices.Equal(doc.Entities, want) {
				t.Errorf("entities = %q, want %q", doc.Entities, want)
			}
			if want := orEmpty(tt.technologies); !slices.Equal(doc.Technologies, want) {
				t.Errorf("technologies = %q, want %q", doc.Technologies, want)
			}
			var got []string
			for _, e := range doc.Evidence {
				got = append(got, ev(e))
			}
			for _, want := range tt.evidence {
				if !slices.Contains(got, want) {
					t.Errorf("evidence %q missing; got %q", want, got)
				}
			}
		})
	}
}

func TestNewFilterErrors(t *testing.T) {
	tests := []struct {
		name     string
		entities []Entity
		techs    []Technology
		want     string
	}{
		{"empty exclude", []Entity{{Name: "X", Role: "own", Exclude: []string{""}}}, nil,
			`tag: entity "X": exclude "" has no letters or digits`},
		{"blank context", []Entity{{Name: "X", Role: "own", Context: []string{" - "}}}, nil,
			`tag: entity "X": context " - " has no letters or digits`},
		{"negative window", []Entity{{Name: "X", Role: "own", Context: []string{"y"}, ContextWindow: -1}}, nil,
			`tag: entity "X": context window -1 is negative`},
		{"window without context", []Entity{{Name: "X", Role: "own", ContextWindow: 3}}, nil,
			`tag: entity "X": context window 3 without context words`},
		{"unmatchable exclude", nil, []Technology{{Name: "C", Exclude: []string{"C++"}}},
			`tag: technology "C": exclude "C++": '+' after the last word`},
		{"technology context", nil, []Technology{{Name: "C", Context: []string{"?"}}},
			`tag: technology "C": context "?" has no letters or digits`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.entities, tt.techs)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
