// Package digest builds the weekly digest that decision-makers read: per
// intelligence component, how many documents the week brought and the top
// ones; per watched organisation, its count this week and the week before.
// It renders the digest as JSON, Markdown or a self-contained HTML page.
package digest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/techintel/techintel/index"
)

// ErrBadWeek: the week is not of the form YYYY-Www.
var ErrBadWeek = errors.New("digest: week must look like 2026-W47")

// topPerComponent is how many documents each component lists.
const topPerComponent = 5

// Searcher is what the digest needs from the index.
type Searcher interface {
	Search(ctx context.Context, q index.Query) (*index.Result, error)
}

// Entity is a watched organisation.
type Entity struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// Digest is one week's digest (CONTRACT.md).
type Digest struct {
	Week       string               `json:"week"`
	From       time.Time            `json:"from"`
	To         time.Time            `json:"to"`
	Components map[string]Component `json:"components"`
	Entities   []EntityCount        `json:"entities"`
}

// Component is one component's activity in the week.
type Component struct {
	Count int         `json:"count"`
	Top   []index.Hit `json:"top"`
}

// EntityCount is one watched organisation's activity.
type EntityCount struct {
	Name          string `json:"name"`
	Role          string `json:"role"`
	Count         int    `json:"count"`
	PreviousCount int    `json:"previous_count"`
}

// ParseWeek returns the Monday 00:00 UTC that starts an ISO week
// ("2026-W47").
func ParseWeek(s string) (time.Time, error) {
	y, w, ok := strings.Cut(s, "-W")
	year, err1 := strconv.Atoi(y)
	week, err2 := strconv.Atoi(w)
	if !ok || err1 != nil || err2 != nil || len(y) != 4 || len(w) != 2 || week < 1 || week > 53 {
		return time.Time{}, fmt.Errorf("%w, got %q", ErrBadWeek, s)
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

// Build computes the digest of a week from the index.
func Build(ctx context.Context, s Searcher, week string, watch []Entity) (*Digest, error) {
	from, err := ParseWeek(week)
	if err != nil {
		return nil, err
	}
	to := from.AddDate(0, 0, 7)
	d := &Digest{Week: week, From: from, To: to, Components: map[string]Component{}, Entities: []EntityCount{}}
	for _, c := range index.Components {
		res, err := s.Search(ctx, index.Query{Components: []string{c}, Since: from, Until: to, Sort: index.SortDate, Limit: topPerComponent, NoFacets: true})
		if err != nil {
			return nil, fmt.Errorf("digest: %s: %w", c, err)
		}
		d.Components[c] = Component{Count: int(res.Total), Top: res.Hits}
	}
	this, err := entityCounts(ctx, s, from, to, len(watch))
	if err != nil {
		return nil, err
	}
	prev, err := entityCounts(ctx, s, from.AddDate(0, 0, -7), from, len(watch))
	if err != nil {
		return nil, err
	}
	for _, e := range watch {
		d.Entities = append(d.Entities, EntityCount{Name: e.Name, Role: e.Role, Count: this[e.Name], PreviousCount: prev[e.Name]})
	}
	return d, nil
}

// entityCounts counts documents per entity published in [from, to).
func entityCounts(ctx context.Context, s Searcher, from, to time.Time, n int) (map[string]int, error) {
	res, err := s.Search(ctx, index.Query{Since: from, Until: to, Limit: 1, FacetSize: n + 1})
	if err != nil {
		return nil, fmt.Errorf("digest: entities: %w", err)
	}
	return res.Facets.Entities, nil
}
