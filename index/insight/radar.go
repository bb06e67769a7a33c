package insight

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/techintel/techintel/index"
)

// Trends a technology can have.
const (
	Rising  = "rising"
	Steady  = "steady"
	Falling = "falling"
)

// Radar sizes and the trend rule.
const (
	// radarWeeks is the window of a trend: the 12 complete weeks before
	// now, split into the last recentWeeks and the ones before.
	radarWeeks, recentWeeks = 12, 4
	// minTrendDocs is how many documents the rising (recent) or falling
	// (earlier) side needs: below it, a change is noise.
	minTrendDocs = 3
	// TrendRule states the rule for readers of the API and the pages.
	TrendRule = "over the 12 complete weeks before today: rising when the last 4 weeks average at least 1.5 times " +
		"the weekly average of the 8 before (and have at least 3 documents); falling when they average at most half of it " +
		"(and the 8 weeks before had at least 3 documents); steady otherwise"
)

// RadarEntry is one watched technology on the radar.
type RadarEntry struct {
	Technology string `json:"technology"`
	// Weeks are its documents per ISO week, oldest first.
	Weeks []WeekCount `json:"weeks"`
	Trend string      `json:"trend"` // Rising, Steady or Falling
	// FirstSeen is the publication date of its oldest document (nil:
	// none yet).
	FirstSeen *time.Time `json:"first_seen"`
	// Active lists, per role, the watched organisations named with it in
	// the 12 weeks, most first.
	Active map[string][]NameCount `json:"active"`
	// Own and Competitors count its documents of the 12 weeks naming our
	// own firm and naming a competitor; Position compares them:
	// "ahead", "level", "behind", or "absent" when neither appears.
	Own         int    `json:"own"`
	Competitors int    `json:"competitors"`
	Position    string `json:"position"`
}

// Radar is the technology radar as of a date.
type Radar struct {
	Rule         string       `json:"rule"`
	Technologies []RadarEntry `json:"technologies"`
}

// NewRadar builds the radar of the watched technologies.
func NewRadar(ctx context.Context, s Searcher, now time.Time, technologies []string, watch []Entity) (*Radar, error) {
	starts, weeks, err := weekly(ctx, s, now, radarWeeks, max(len(technologies)+1, 100))
	if err != nil {
		return nil, err
	}
	roles := roleOf(watch)
	since := starts[0]
	rd := &Radar{Rule: TrendRule, Technologies: []RadarEntry{}}
	for _, t := range technologies {
		e := RadarEntry{Technology: t, Weeks: []WeekCount{}, Active: map[string][]NameCount{}}
		counts := make([]int, len(weeks))
		for i, f := range weeks {
			counts[i] = f.Technologies[t]
			e.Weeks = append(e.Weeks, WeekCount{Week: weekName(starts[i]), From: starts[i], Count: counts[i]})
		}
		e.Trend = Trend(counts)
		res, err := s.Search(ctx, index.Query{Technologies: []string{t}, Since: since, Until: weekStart(now), Limit: 1,
			FacetSize: len(watch) + 1})
		if err != nil {
			return nil, fmt.Errorf("insight: radar %s: %w", t, err)
		}
		for name, n := range res.Facets.Entities {
			r, ok := roles[name]
			if !ok || n == 0 {
				continue
			}
			e.Active[r] = append(e.Active[r], NameCount{name, n})
			switch r {
			case "own":
				e.Own += n
			case "competitor":
				e.Competitors += n
			}
		}
		for _, l := range e.Active {
			sortCounts(l)
		}
		e.Position = position(e.Own, e.Competitors)
		if e.FirstSeen, err = firstSeen(ctx, s, t); err != nil {
			return nil, err
		}
		rd.Technologies = append(rd.Technologies, e)
	}
	slices.SortStableFunc(rd.Technologies, func(a, b RadarEntry) int {
		return cmp.Compare(trendRank(a.Trend), trendRank(b.Trend))
	})
	return rd, nil
}

// Trend applies TrendRule to weekly counts, oldest first; the last
// recentWeeks are the recent side.
func Trend(counts []int) string {
	if len(counts) <= recentWeeks {
		return Steady
	}
	split := len(counts) - recentWeeks
	var earlier, recent int
	for i, n := range counts {
		if i < split {
			earlier += n
		} else {
			recent += n
		}
	}
	// Compare weekly rates without division: recent/4 vs earlier/8.
	r, e := recent*split, earlier*recentWeeks
	switch {
	case recent >= minTrendDocs && 2*r >= 3*e:
		return Rising
	case earlier >= minTrendDocs && 2*r <= e:
		return Falling
	}
	return Steady
}

func trendRank(t string) int {
	switch t {
	case Rising:
		return 0
	case Falling:
		return 1
	}
	return 2
}

func position(own, competitors int) string {
	switch {
	case own == 0 && competitors == 0:
		return "absent"
	case own > competitors:
		return "ahead"
	case own == competitors:
		return "level"
	}
	return "behind"
}

// firstSeen finds the publication date of a technology's oldest document:
// the last one in date order (searches sort newest first). Past
// index.MaxWindow documents it is the oldest of the newest MaxWindow, a
// date by which the technology was certainly known.
func firstSeen(ctx context.Context, s Searcher, t string) (*time.Time, error) {
	q := index.Query{Technologies: []string{t}, Sort: index.SortDate, Limit: 1, NoFacets: true}
	res, err := s.Search(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("insight: first seen %s: %w", t, err)
	}
	if res.Total == 0 {
		return nil, nil
	}
	q.Offset = int(min(res.Total, index.MaxWindow) - 1)
	if res, err = s.Search(ctx, q); err != nil {
		return nil, fmt.Errorf("insight: first seen %s: %w", t, err)
	}
	if len(res.Hits) == 0 {
		return nil, nil
	}
	p := res.Hits[0].Published.UTC()
	return &p, nil
}
