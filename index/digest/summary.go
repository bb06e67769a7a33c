package digest

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/techintel/techintel/index"
)

// Summary sizes and rules.
const (
	// baselineWeeks is how many weeks before the digest's week its
	// averages cover.
	baselineWeeks = 12
	// maxMovers caps the risers and the fallers listed each.
	maxMovers = 5
	// minMove is the smallest change against the average that counts as
	// a movement: one document more or less is noise.
	minMove = 2.0
	// quietWeeks: a partner with no document in this many weeks up to
	// and including the digest's week, after at least one in the
	// baseline before them, has gone quiet.
	quietWeeks = 4
)

// Summary is the executive summary that opens the digest: what moved.
type Summary struct {
	// Components: per component, the stories it tells this week (each
	// story counted once, under its primary component) against its
	// weekly average over the 12 weeks before.
	Components []ComponentSummary `json:"components"`
	// Risers and Fallers are the organisations and technologies whose
	// document count this week rose or fell most against their 12-week
	// weekly average (by at least 2), largest change first.
	Risers  []Mover `json:"risers"`
	Fallers []Mover `json:"fallers"`
	// Quiet lists the partners with no document in the last 4 weeks
	// that had some in the 12 weeks before.
	Quiet []Quiet `json:"quiet"`
}

// ComponentSummary is one component's stories this week and on average.
type ComponentSummary struct {
	Component string  `json:"component"`
	Stories   int     `json:"stories"`
	Average   float64 `json:"average"` // stories per week over the 12 weeks before
	Change    float64 `json:"change"`  // Stories - Average
}

// Mover is an organisation or technology whose activity changed.
type Mover struct {
	Name    string  `json:"name"`
	Kind    string  `json:"kind"`           // "organisation" or "technology"
	Role    string  `json:"role,omitempty"` // for organisations
	Count   int     `json:"count"`          // documents this week
	Average float64 `json:"average"`        // documents per week over the 12 weeks before
	Change  float64 `json:"change"`         // Count - Average
}

// Quiet is a partner gone quiet.
type Quiet struct {
	Name string `json:"name"`
	// Before is how many documents named it in the baseline weeks
	// before the quiet ones.
	Before int `json:"before"`
}

// summarise fills d.Summary from d.Components (this week's stories per
// primary component) and this, the week's facets.
func summarise(ctx context.Context, s Searcher, d *Digest, watch []Entity, this index.Facets) error {
	base := d.From.AddDate(0, 0, -7*baselineWeeks)
	stories, err := storiesByComponent(ctx, s, base, d.From)
	if err != nil {
		return err
	}
	for _, c := range index.Components {
		avg := round1(float64(stories[c]) / baselineWeeks)
		n := d.Components[c].Stories
		d.Summary.Components = append(d.Summary.Components, ComponentSummary{
			Component: c, Stories: n, Average: avg, Change: round1(float64(n) - avg)})
	}
	before, err := counts(ctx, s, base, d.From, len(watch))
	if err != nil {
		return err
	}
	var movers []Mover
	for _, e := range watch {
		movers = append(movers, mover(e.Name, "organisation", e.Role, this.Entities[e.Name], before.Entities[e.Name]))
	}
	for name, n := range this.Technologies {
		movers = append(movers, mover(name, "technology", "", n, before.Technologies[name]))
	}
	for name, n := range before.Technologies {
		if _, ok := this.Technologies[name]; !ok {
			movers = append(movers, mover(name, "technology", "", 0, n))
		}
	}
	slices.SortFunc(movers, func(a, b Mover) int {
		return cmp.Or(cmp.Compare(math.Abs(b.Change), math.Abs(a.Change)), cmp.Compare(a.Name, b.Name))
	})
	d.Summary.Risers, d.Summary.Fallers = []Mover{}, []Mover{}
	for _, m := range movers {
		switch {
		case m.Change >= minMove && len(d.Summary.Risers) < maxMovers:
			d.Summary.Risers = append(d.Summary.Risers, m)
		case m.Change <= -minMove && len(d.Summary.Fallers) < maxMovers:
			d.Summary.Fallers = append(d.Summary.Fallers, m)
		}
	}
	recent := d.To.AddDate(0, 0, -7*quietWeeks)
	last, err := counts(ctx, s, recent, d.To, len(watch))
	if err != nil {
		return err
	}
	earlier, err := counts(ctx, s, recent.AddDate(0, 0, -7*baselineWeeks), recent, len(watch))
	if err != nil {
		return err
	}
	d.Summary.Quiet = []Quiet{}
	for _, e := range watch {
		if e.Role == "partner" && last.Entities[e.Name] == 0 && earlier.Entities[e.Name] > 0 {
			d.Summary.Quiet = append(d.Summary.Quiet, Quiet{Name: e.Name, Before: earlier.Entities[e.Name]})
		}
	}
	return nil
}

func mover(name, kind, role string, n, before int) Mover {
	avg := round1(float64(before) / baselineWeeks)
	return Mover{Name: name, Kind: kind, Role: role, Count: n, Average: avg, Change: round1(float64(n) - avg)}
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

// storiesByComponent counts the stories published in [from, to) per
// primary component.
func storiesByComponent(ctx context.Context, s Searcher, from, to time.Time) (map[string]int, error) {
	out := map[string]int{}
	err := eachStory(ctx, s, from, to, func(h index.Hit) {
		if c := primaryOf(h); c != "" {
			out[c]++
		}
	})
	return out, err
}

// eachStory calls fn with the best document of every story published in
// [from, to), newest first.
func eachStory(ctx context.Context, s Searcher, from, to time.Time, fn func(index.Hit)) error {
	for off := 0; off+index.MaxLimit <= index.MaxWindow; off += index.MaxLimit {
		res, err := s.Search(ctx, index.Query{Since: from, Until: to, Sort: index.SortDate, Limit: index.MaxLimit,
			Offset: off, Collapse: true, NoFacets: true})
		if err != nil {
			return fmt.Errorf("digest: stories: %w", err)
		}
		for _, h := range res.Hits {
			fn(h)
		}
		if len(res.Hits) < index.MaxLimit {
			return nil
		}
	}
	return nil
}

// primaryOf is the component a story is told under: its primary
// component, or for documents indexed before salience existed, the first
// of its components.
func primaryOf(h index.Hit) string {
	if h.Primary != "" {
		return h.Primary
	}
	if len(h.Salient) == 0 && len(h.Components) > 0 {
		return h.Components[0]
	}
	return ""
}
