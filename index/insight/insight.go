// Package insight turns the index into the two reviews a technology
// strategy asks for beyond lists of news: the alliance review (is each
// partner still active, in what, with whom, and is its review due?) and
// the technology radar (which technologies rise or fall, who works on
// them, and where we stand against competitors). It reads the index
// through a Searcher and keeps no state; the review dates come from the
// caller.
package insight

import (
	"context"
	"fmt"
	"time"

	"github.com/techintel/techintel/index"
)

// Searcher is what the reviews need from the index.
type Searcher interface {
	Search(ctx context.Context, q index.Query) (*index.Result, error)
}

// Entity is a watched organisation.
type Entity struct {
	Name string `json:"name"`
	Role string `json:"role"`
	// ReviewEvery is a partner's review cadence in days; 0 means
	// DefaultReviewEvery.
	ReviewEvery int `json:"review_every"`
}

// NameCount is a name and how many documents go with it.
type NameCount struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// WeekCount is one ISO week's documents.
type WeekCount struct {
	Week  string    `json:"week"`
	From  time.Time `json:"from"`
	Count int       `json:"count"`
}

// weekStart is the Monday 00:00 UTC of t's ISO week.
func weekStart(t time.Time) time.Time {
	t = t.UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

func weekName(t time.Time) string {
	y, w := t.ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// weekly returns the facets of each of the n complete ISO weeks before
// now's week, oldest first, with room for size values per facet: one
// search per week for every entity and technology at once.
func weekly(ctx context.Context, s Searcher, now time.Time, n, size int) ([]time.Time, []index.Facets, error) {
	end := weekStart(now)
	starts := make([]time.Time, n)
	out := make([]index.Facets, n)
	for i := range n {
		from := end.AddDate(0, 0, -7*(n-i))
		res, err := s.Search(ctx, index.Query{Since: from, Until: from.AddDate(0, 0, 7), Limit: 1, FacetSize: size})
		if err != nil {
			return nil, nil, fmt.Errorf("insight: week of %s: %w", from.Format(time.DateOnly), err)
		}
		starts[i], out[i] = from, res.Facets
	}
	return starts, out, nil
}

// roleOf maps watched names to roles.
func roleOf(watch []Entity) map[string]string {
	m := make(map[string]string, len(watch))
	for _, e := range watch {
		m[e.Name] = e.Role
	}
	return m
}
