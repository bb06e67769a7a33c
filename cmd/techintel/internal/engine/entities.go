package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/digest"
	"github.com/techintel/techintel/index/tag"
)

// topPerWeek is how many documents a timeline week lists.
const topPerWeek = 3

// insight answers questions about the watch list from the index: it
// implements api.Entities.
type insight struct {
	watch *liveWatch
	index *index.Index
	now   func() time.Time
}

var _ api.Entities = insight{}

// Entities lists the watch list with the documents about each entity.
func (in insight) Entities(ctx context.Context) ([]api.EntityStatus, error) {
	ws := in.watch.get()
	res, err := in.index.Search(ctx, index.Query{Limit: 1, FacetSize: len(ws.Watch) + 1})
	if err != nil {
		return nil, err
	}
	out := make([]api.EntityStatus, 0, len(ws.Watch))
	for _, w := range ws.Watch {
		c, _ := tag.ComponentForRole(w.Role)
		out = append(out, api.EntityStatus{Name: w.Name, Role: w.Role, Component: c, Aliases: orEmpty(w.Aliases), Documents: res.Facets.Entities[w.Name]})
	}
	return out, nil
}

// Timeline counts an entity's documents per ISO week (the current one
// included) and per component, with the latest documents of each week.
func (in insight) Timeline(ctx context.Context, name string, weeks int) (*api.Timeline, error) {
	ws := in.watch.get()
	var w *Watch
	for i := range ws.Watch {
		if ws.Watch[i].Name == name {
			w = &ws.Watch[i]
		}
	}
	if w == nil {
		return nil, fmt.Errorf("timeline %q: %w", name, api.ErrNotFound)
	}
	c, _ := tag.ComponentForRole(w.Role)
	tl := &api.Timeline{Entity: w.Name, Role: w.Role, Component: c}
	current, _ := digest.ParseWeek(digest.WeekOf(in.now()))
	for i := weeks - 1; i >= 0; i-- {
		from := current.AddDate(0, 0, -7*i)
		res, err := in.index.Search(ctx, index.Query{Entities: []string{w.Name}, Since: from, Until: from.AddDate(0, 0, 7), Sort: index.SortDate, Limit: topPerWeek, Collapse: true})
		if err != nil {
			return nil, err
		}
		about, err := in.index.Search(ctx, index.Query{Entities: []string{w.Name}, Salient: true, Since: from, Until: from.AddDate(0, 0, 7), Limit: 1, NoFacets: true})
		if err != nil {
			return nil, err
		}
		tl.Weeks = append(tl.Weeks, api.TimelineWeek{Week: digest.WeekOf(from), From: from, Count: int(res.Total), Salient: int(about.Total),
			Components: res.Facets.Components, Top: res.Hits})
	}
	return tl, nil
}

// Matrix counts documents per watched entity and technology: one search
// per technology, faceted on entities.
func (in insight) Matrix(ctx context.Context) (*api.Matrix, error) {
	ws := in.watch.get()
	m := &api.Matrix{Entities: []string{}, Technologies: []string{}, Counts: [][]int{}}
	for _, w := range ws.Watch {
		m.Entities = append(m.Entities, w.Name)
		m.Counts = append(m.Counts, make([]int, len(ws.Technologies)))
	}
	for j, t := range ws.Technologies {
		m.Technologies = append(m.Technologies, t.Name)
		res, err := in.index.Search(ctx, index.Query{Technologies: []string{t.Name}, Limit: 1, FacetSize: len(ws.Watch) + 1})
		if err != nil {
			return nil, err
		}
		for i, e := range m.Entities {
			m.Counts[i][j] = res.Facets.Entities[e]
		}
	}
	return m, nil
}
