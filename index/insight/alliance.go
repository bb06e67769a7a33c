package insight

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/techintel/techintel/index"
)

// Alliance review sizes.
const (
	// DefaultReviewEvery is a partner's review cadence when its watch
	// entry sets none, in days.
	DefaultReviewEvery = 90
	// reviewWeeks is how far back activity goes: 12 months, with the
	// last 26 weeks (6 months) summed apart.
	reviewWeeks, halfWeeks = 52, 26
	// latestStories is how many salient stories a review lists.
	latestStories = 5
	// topTechnologies caps the technologies a review lists.
	topTechnologies = 8
)

// Review is one partner's alliance review.
type Review struct {
	Name string `json:"name"`
	// Weeks is the partner's documents per ISO week over the 52 complete
	// weeks before now, oldest first.
	Weeks    []WeekCount `json:"weeks"`
	Months6  int         `json:"months_6"`  // documents in the last 26 weeks
	Months12 int         `json:"months_12"` // and the last 52
	// QuietWeeks counts the complete weeks since its last document (52
	// when there is none in the year).
	QuietWeeks int `json:"quiet_weeks"`
	// Technologies are those its documents of the last 12 months
	// mention, most first.
	Technologies []NameCount `json:"technologies"`
	// WithOwn counts its documents that also name our own firm;
	// WithCompetitors, per competitor, those that name a competitor.
	WithOwn         int         `json:"with_own"`
	WithCompetitors []NameCount `json:"with_competitors"`
	// Signals are its salient stories that also name a competitor: a
	// partner announcing with a competitor.
	Signals []Signal `json:"signals"`
	// Latest are its latest salient stories (stories about it).
	Latest []index.Hit `json:"latest"`
	// ReviewEvery is the cadence in days; Reviewed the last review (nil:
	// never); Due when the next is due (now for a partner never
	// reviewed); Overdue whether Due has passed.
	ReviewEvery int        `json:"review_every"`
	Reviewed    *time.Time `json:"reviewed"`
	Due         time.Time  `json:"due"`
	Overdue     bool       `json:"overdue"`
}

// Signal is a story that names a partner and a competitor together.
type Signal struct {
	Competitor string    `json:"competitor"`
	Title      string    `json:"title"`
	URL        string    `json:"url"`
	Published  time.Time `json:"published"`
}

// Alliances reviews every partner (role "partner") of the watch list as
// of now; reviewed holds the last review date per partner.
func Alliances(ctx context.Context, s Searcher, now time.Time, watch []Entity, reviewed map[string]time.Time) ([]Review, error) {
	starts, weeks, err := weekly(ctx, s, now, reviewWeeks, len(watch)+1)
	if err != nil {
		return nil, err
	}
	out := []Review{}
	for _, e := range watch {
		if e.Role != "partner" {
			continue
		}
		r, err := review(ctx, s, now, e, watch, starts, weeks, reviewed)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, nil
}

// Alliance reviews one partner; ok is false when name is not a partner
// of the watch list.
func Alliance(ctx context.Context, s Searcher, now time.Time, name string, watch []Entity, reviewed map[string]time.Time) (*Review, bool, error) {
	i := slices.IndexFunc(watch, func(e Entity) bool { return e.Name == name && e.Role == "partner" })
	if i < 0 {
		return nil, false, nil
	}
	starts, weeks, err := weekly(ctx, s, now, reviewWeeks, len(watch)+1)
	if err != nil {
		return nil, false, err
	}
	r, err := review(ctx, s, now, watch[i], watch, starts, weeks, reviewed)
	return r, err == nil, err
}

func review(ctx context.Context, s Searcher, now time.Time, e Entity, watch []Entity, starts []time.Time,
	weeks []index.Facets, reviewed map[string]time.Time) (*Review, error) {
	r := &Review{Name: e.Name, Weeks: []WeekCount{}, Technologies: []NameCount{}, WithCompetitors: []NameCount{},
		Signals: []Signal{}, Latest: []index.Hit{}, ReviewEvery: cmp.Or(e.ReviewEvery, DefaultReviewEvery)}
	for i, f := range weeks {
		n := f.Entities[e.Name]
		r.Weeks = append(r.Weeks, WeekCount{Week: weekName(starts[i]), From: starts[i], Count: n})
		r.Months12 += n
		if i >= len(weeks)-halfWeeks {
			r.Months6 += n
		}
	}
	for i := len(r.Weeks) - 1; i >= 0 && r.Weeks[i].Count == 0; i-- {
		r.QuietWeeks++
	}
	since := weekStart(now).AddDate(0, 0, -7*reviewWeeks)
	res, err := s.Search(ctx, index.Query{Entities: []string{e.Name}, Since: since, Until: now, Limit: 1, FacetSize: max(len(watch)+1, 100)})
	if err != nil {
		return nil, fmt.Errorf("insight: %s: %w", e.Name, err)
	}
	r.Technologies = topCounts(res.Facets.Technologies, topTechnologies)
	roles := roleOf(watch)
	for name, n := range res.Facets.Entities {
		switch roles[name] {
		case "own":
			r.WithOwn += n
		case "competitor":
			r.WithCompetitors = append(r.WithCompetitors, NameCount{name, n})
		}
	}
	sortCounts(r.WithCompetitors)
	about, err := s.Search(ctx, index.Query{Entities: []string{e.Name}, Salient: true, Since: since, Until: now, Sort: index.SortDate,
		Limit: index.MaxLimit, Collapse: true, NoFacets: true})
	if err != nil {
		return nil, fmt.Errorf("insight: %s: stories: %w", e.Name, err)
	}
	for _, h := range about.Hits {
		if len(r.Latest) < latestStories {
			r.Latest = append(r.Latest, h)
		}
		for _, other := range h.Entities {
			if roles[other] == "competitor" {
				r.Signals = append(r.Signals, Signal{Competitor: other, Title: h.Title, URL: h.URL, Published: h.Published})
			}
		}
	}
	r.Due = now
	if t, ok := reviewed[e.Name]; ok {
		t := t.UTC()
		r.Reviewed = &t
		r.Due = t.AddDate(0, 0, r.ReviewEvery)
	}
	r.Overdue = !now.Before(r.Due)
	return r, nil
}

func topCounts(m map[string]int, n int) []NameCount {
	out := make([]NameCount, 0, len(m))
	for k, v := range m {
		if v > 0 {
			out = append(out, NameCount{k, v})
		}
	}
	sortCounts(out)
	return out[:min(n, len(out))]
}

func sortCounts(s []NameCount) {
	slices.SortFunc(s, func(a, b NameCount) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Name, b.Name)) })
}
