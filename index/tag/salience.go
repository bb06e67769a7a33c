package tag

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/techintel/techintel/index"
)

// Salience weights and threshold. A mention in the title weighs most,
// one in the lead (the body's first LeadTokens words) next, and the
// mention count against the most mentioned entry of the same kind the
// rest. SalientScore makes a title mention enough on its own when the
// entry is mentioned again or nothing else dominates, and a lead mention
// enough only for the most mentioned entry: a firm named once in the
// fourth paragraph tags the document but does not make it its story.
const (
	weightTitle  = 0.45
	weightLead   = 0.25
	weightCount  = 0.30
	SalientScore = 0.5
	LeadTokens   = 30
)

// salience fills doc.Salience, doc.Salient and doc.Primary from the hits
// that counted (s.hits after Tag dropped unconfirmed headline mentions).
func (t *Tagger) salience(s *scratch, doc *index.Document, sourceComponents []string) {
	type acc struct {
		title, lead bool
		mentions    int
		kind        int
		component   string
	}
	per := map[int32]*acc{}
	suffix := publisherSuffix(doc.Title)
	for k, h := range s.hits {
		a := per[k.entry]
		if a == nil {
			e := &t.entries[k.entry]
			a = &acc{kind: e.kind, component: e.component}
			per[k.entry] = a
		}
		a.mentions += h.count
		switch k.field {
		case fieldTitle:
			// The publisher's name after the headline ("... - Yahoo
			// News") says where the story ran, not what it is about.
			a.title = h.start < suffix
		case fieldBody:
			a.lead = a.lead || h.first < LeadTokens
		}
	}
	var most, total [numKinds]int
	for _, a := range per {
		most[a.kind] = max(most[a.kind], a.mentions)
		total[a.kind] += a.mentions
	}
	out := make([]index.Salience, 0, len(per))
	primary, best := "", -1.0
	for id, a := range per {
		score := weightCount * float64(a.mentions) / float64(most[a.kind])
		if a.title {
			score += weightTitle
		}
		if a.lead {
			score += weightLead
		}
		score = math.Round(score*1000) / 1000
		sal := index.Salience{Name: t.entries[id].name, Score: score, Salient: score >= SalientScore,
			Title: a.title, Lead: a.lead, Mentions: a.mentions,
			Share: math.Round(float64(a.mentions)/float64(total[a.kind])*1000) / 1000}
		out = append(out, sal)
		if a.kind == kindEntity && sal.Salient && (score > best ||
			score == best && componentRank(a.component) < componentRank(primary)) {
			primary, best = a.component, score
		}
	}
	slices.SortFunc(out, func(a, b index.Salience) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(b.Mentions, a.Mentions), cmp.Compare(a.Name, b.Name))
	})
	salient := []string{}
	for _, x := range out {
		if x.Salient {
			salient = append(salient, x.Name)
		}
	}
	slices.Sort(salient)
	if primary == "" {
		// No entity is salient: a source configured for a component
		// still makes its documents that component's stories.
		for _, c := range index.Components {
			if slices.Contains(sourceComponents, c) {
				primary = c
				break
			}
		}
	}
	doc.Salience, doc.Salient, doc.Primary = out, slices.Compact(salient), primary
}

// publisherSuffix returns where the publisher's name that ends a headline
// begins ("Mozilla - Wikipedia", "... | Code"): after the last " - ", " | ",
// " – " or " — ", if what follows is short, as a name is; len(title) if
// there is none.
func publisherSuffix(title string) int {
	const maxName = 40
	end := len(title)
	for _, sep := range []string{" - ", " | ", " – ", " — "} {
		if i := strings.LastIndex(title, sep); i > 0 && len(title)-i-len(sep) <= maxName {
			end = min(end, i+len(sep))
		}
	}
	return end
}
