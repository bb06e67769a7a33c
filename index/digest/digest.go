// Package digest builds the weekly digest that decision-makers read: an
// executive summary of what moved (stories per component against their
// 12-week average, the organisations and technologies that rose or fell
// most, partners gone quiet); then per intelligence component its top
// stories, each story once, under its primary component (the component of
// the entity it is most about), with the other components it concerns;
// per watched organisation, its count this week and the week before; the
// technologies that appeared; and the watched pages that changed. It
// renders the digest as JSON, Markdown or a self-contained HTML page.
package digest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/techintel/techintel/index"
)

// ErrBadWeek: the week is not of the form YYYY-Www.
var ErrBadWeek = errors.New("digest: week must look like 2026-W47")

// Digest sizes.
const (
	// topPerComponent is how many stories each component lists.
	topPerComponent = 5
	// newTechLookback is how far back a technology must be absent to
	// count as new.
	newTechLookback = 12 * 7 * 24 * time.Hour
	// maxChanged caps the changed pages listed.
	maxChanged = 20
)

// Searcher is what the digest needs from the index.
type Searcher interface {
	Search(ctx context.Context, q index.Query) (*index.Result, error)
}

// Entity is a watched organisation.
type Entity struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// Digest is one week's digest (the README's HTTP API section).
type Digest struct {
	Week       string               `json:"week"`
	From       time.Time            `json:"from"`
	To         time.Time            `json:"to"`
	Summary    Summary              `json:"summary"`
	Components map[string]Component `json:"components"`
	Entities   []EntityCount        `json:"entities"`
	// NewTechnologies are the technologies mentioned this week and in
	// none of the twelve weeks before, most mentioned first.
	NewTechnologies []TechnologyCount `json:"new_technologies"`
	// Changed lists pages of watched sites whose content changed this
	// week after they were first gathered, most recent change first.
	Changed []index.Hit `json:"changed"`
	// Alliances and Radar are the alliance review and the technology
	// radar as of the week's end, when AddReviews was called.
	Alliances []PartnerLine `json:"alliances,omitempty"`
	Radar     []RadarLine   `json:"radar,omitempty"`
}

// Component is one component's activity in the week.
type Component struct {
	Count int `json:"count"` // documents tagged with the component
	// Stories counts the distinct stories whose primary component this
	// is; a story mentioning the component in passing is told elsewhere.
	Stories int     `json:"stories"`
	Top     []Story `json:"top"` // one per story, with its other sources in also
}

// Story is one story of the digest: its best document, with the other
// components it concerns besides the one it is listed under.
type Story struct {
	index.Hit
	AlsoConcerns []string `json:"also_concerns"`
}

// TechnologyCount is a technology and how many documents mention it.
type TechnologyCount struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// EntityCount is one watched organisation's activity.
type EntityCount struct {
	Name          string `json:"name"`
	Role          string `json:"role"`
	Count         int    `json:"count"`
	PreviousCount int    `json:"previous_count"`
}

// The years a week may name.
const (
	MinYear = 1900
	MaxYear = 2200
)

// ParseWeek returns the Monday 00:00 UTC that starts an ISO week
// ("2026-W47").
func ParseWeek(s string) (time.Time, error) {
	y, w, ok := strings.Cut(s, "-W")
	year, err1 := strconv.Atoi(y)
	week, err2 := strconv.Atoi(w)
	if !ok || err1 != nil || err2 != nil || len(y) != 4 || len(w) != 2 || week < 1 || week > 53 {
		return time.Time{}, fmt.Errorf("%w, got %q", ErrBadWeek, s)
	}
	// The index keeps times as nanoseconds since 1970 in an int64, which
	// ends in 2262 and starts in 1677; weeks far outside are typos.
	if year < MinYear || year > MaxYear {
		return time.Time{}, fmt.Errorf("%w: year %d is outside %d-%d", ErrBadWeek, year, MinYear, MaxYear)
	}
	// ISO week 1 holds January 4th.
	jan4 := time.Date(year, 1, 4, 0, 0, 0, 0, time.UTC)
	monday := jan4.AddDate(0, 0, -((int(jan4.Weekday())+6)%7)+(week-1)*7)
	if yy, ww := monday.ISOWeek(); yy != year || ww != week {
		return time.Time{}, fmt.Errorf("%w: %d has no week %d", ErrBadWeek, year, week)
	}
	return monday, nil
}

// WeekOf names the ISO week that contains t.
func WeekOf(t time.Time) string {
	y, w := t.UTC().ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// LastCompleteWeek names the last ISO week that ended before now.
func LastCompleteWeek(now time.Time) string {
	return WeekOf(now.UTC().AddDate(0, 0, -7))
}

// Build computes the digest of a week from the index. watch is the watch
// list; sites names the sources whose pages are watched for changes
// (crawled sites).
func Build(ctx context.Context, s Searcher, week string, watch []Entity, sites []string) (*Digest, error) {
	from, err := ParseWeek(week)
	if err != nil {
		return nil, err
	}
	to := from.AddDate(0, 0, 7)
	d := &Digest{Week: week, From: from, To: to, Components: map[string]Component{}, Entities: []EntityCount{},
		NewTechnologies: []TechnologyCount{}, Changed: []index.Hit{}}
	byComponent := map[string][]index.Hit{}
	if err := eachStory(ctx, s, from, to, func(h index.Hit) {
		if c := primaryOf(h); c != "" {
			byComponent[c] = append(byComponent[c], h)
		}
	}); err != nil {
		return nil, err
	}
	for _, c := range index.Components {
		res, err := s.Search(ctx, index.Query{Components: []string{c}, Since: from, Until: to, Limit: 1, NoFacets: true})
		if err != nil {
			return nil, fmt.Errorf("digest: %s: %w", c, err)
		}
		hits := byComponent[c]
		rank(hits)
		top := []Story{}
		for _, h := range hits[:min(topPerComponent, len(hits))] {
			also := []string{}
			for _, o := range h.Components {
				if o != c {
					also = append(also, o)
				}
			}
			top = append(top, Story{Hit: h, AlsoConcerns: also})
		}
		d.Components[c] = Component{Count: int(res.Total), Stories: len(hits), Top: top}
	}
	this, err := counts(ctx, s, from, to, len(watch))
	if err != nil {
		return nil, err
	}
	prev, err := counts(ctx, s, from.AddDate(0, 0, -7), from, len(watch))
	if err != nil {
		return nil, err
	}
	for _, e := range watch {
		d.Entities = append(d.Entities, EntityCount{Name: e.Name, Role: e.Role, Count: this.Entities[e.Name], PreviousCount: prev.Entities[e.Name]})
	}
	if d.NewTechnologies, err = newTechnologies(ctx, s, from, this.Technologies); err != nil {
		return nil, err
	}
	if d.Changed, err = changed(ctx, s, from, to, sites); err != nil {
		return nil, err
	}
	if err := summarise(ctx, s, d, watch, this); err != nil {
		return nil, err
	}
	return d, nil
}

// rank orders a week's stories for the top of a component: first by how
// many sources reported the story, then by how many watched entities and
// technologies it concerns (its relevance to the watch list), then newest
// first. The sort is stable, so equal stories keep the search's order.
func rank(hits []index.Hit) {
	key := func(h index.Hit) (sources, tags int) {
		seen := map[string]bool{h.Source: true}
		for _, c := range h.Also {
			seen[c.Source] = true
		}
		return len(seen), len(h.Entities) + len(h.Technologies)
	}
	slices.SortStableFunc(hits, func(a, b index.Hit) int {
		as, at := key(a)
		bs, bt := key(b)
		if c := cmp.Compare(bs, as); c != 0 {
			return c
		}
		if c := cmp.Compare(bt, at); c != 0 {
			return c
		}
		return b.Published.Compare(a.Published)
	})
}

// counts returns the facets of the documents published in [from, to),
// with room for n entities.
func counts(ctx context.Context, s Searcher, from, to time.Time, n int) (index.Facets, error) {
	res, err := s.Search(ctx, index.Query{Since: from, Until: to, Limit: 1, FacetSize: max(n+1, 1000)})
	if err != nil {
		return index.Facets{}, fmt.Errorf("digest: counts: %w", err)
	}
	return res.Facets, nil
}

// newTechnologies returns the technologies of this week's counts that no
// document mentioned in the lookback before from.
func newTechnologies(ctx context.Context, s Searcher, from time.Time, this map[string]int) ([]TechnologyCount, error) {
	out := []TechnologyCount{}
	if len(this) == 0 {
		return out, nil
	}
	before, err := s.Search(ctx, index.Query{Since: from.Add(-newTechLookback), Until: from, Limit: 1, FacetSize: len(this) + 1000})
	if err != nil {
		return nil, fmt.Errorf("digest: technologies: %w", err)
	}
	for name, n := range this {
		if n > 0 && before.Facets.Technologies[name] == 0 {
			out = append(out, TechnologyCount{Name: name, Count: n})
		}
	}
	slices.SortFunc(out, func(a, b TechnologyCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Name, b.Name))
	})
	return out, nil
}

// changed returns the pages of the sites whose content changed in [from,
// to) after they were first gathered.
func changed(ctx context.Context, s Searcher, from, to time.Time, sites []string) ([]index.Hit, error) {
	out := []index.Hit{}
	if len(sites) == 0 {
		return out, nil
	}
	res, err := s.Search(ctx, index.Query{Sources: sites, UpdatedSince: from, UpdatedUntil: to, Sort: index.SortDate,
		Limit: index.MaxLimit, NoFacets: true})
	if err != nil {
		return nil, fmt.Errorf("digest: changed pages: %w", err)
	}
	for _, h := range res.Hits {
		if h.Updated.After(h.Fetched) && len(out) < maxChanged {
			out = append(out, h)
		}
	}
	slices.SortStableFunc(out, func(a, b index.Hit) int { return b.Updated.Compare(a.Updated) })
	return out, nil
}
