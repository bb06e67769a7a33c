package web

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/insight"
)

// timelineWeeks is how many weeks an entity page charts.
const timelineWeeks = 12

type entitiesView struct {
	Entities []api.EntityStatus
	Matrix   heatMap
}

// heatMap is the entity × technology matrix as table cells with a shade
// class from 0 (none) to 5 (the maximum).
type heatMap struct {
	Technologies []string
	Rows         []heatRow
}

type heatRow struct {
	Entity string
	Cells  []heatCell
}

type heatCell struct {
	Entity, Tech string
	Count        int
	Shade        int
	URL          string
}

func newHeatMap(m *api.Matrix) heatMap {
	hm := heatMap{Technologies: m.Technologies}
	top := 0
	for _, row := range m.Counts {
		for _, n := range row {
			top = max(top, n)
		}
	}
	for i, e := range m.Entities {
		row := heatRow{Entity: e}
		for j, t := range m.Technologies {
			n := 0
			if i < len(m.Counts) && j < len(m.Counts[i]) {
				n = m.Counts[i][j]
			}
			shade := 0
			if n > 0 {
				shade = 1 + (n*5-1)/top // 1..5: any count shows, the maximum is 5
			}
			row.Cells = append(row.Cells, heatCell{Entity: e, Tech: t, Count: n, Shade: shade,
				URL: "/?" + url.Values{"entity": {e}, "technology": {t}}.Encode()})
		}
		hm.Rows = append(hm.Rows, row)
	}
	return hm
}

func (h *Handler) handleEntities(w http.ResponseWriter, r *http.Request) {
	list, err := h.o.Entities.Entities(r.Context())
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	m, err := h.o.Entities.Matrix(r.Context())
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "entities", "Entities", "entities", entitiesView{Entities: list, Matrix: newHeatMap(m)})
}

type entityView struct {
	Timeline *api.Timeline
	// About charts the stories about the entity per week (it is salient
	// in them); Mentioned every document naming it.
	About, Mentioned sparkline
	AboutTotal       int
	Weeks            []api.TimelineWeek // newest first, for the table
	Stories          []index.Hit
	Total            uint64
	Technologies     []chip
	SearchURL        string
	APIURL           string
}

func (h *Handler) handleEntity(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	tl, err := h.o.Entities.Timeline(r.Context(), name, timelineWeeks)
	if errors.Is(err, api.ErrNotFound) {
		h.errorPage(w, r, http.StatusNotFound, fmt.Sprintf("%q is not on the watch list.", name))
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	res, err := h.o.Searcher.Search(r.Context(), index.Query{Entities: []string{tl.Entity}, Sort: index.SortDate, Limit: 10})
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	var about, mentioned []insight.WeekCount
	for _, wk := range tl.Weeks {
		about = append(about, insight.WeekCount{Week: wk.Week, From: wk.From, Count: wk.Salient})
		mentioned = append(mentioned, insight.WeekCount{Week: wk.Week, From: wk.From, Count: wk.Count})
	}
	v := entityView{Timeline: tl, About: newSparkline(about, 0), Mentioned: newSparkline(mentioned, len(mentioned)), Stories: res.Hits, Total: res.Total,
		SearchURL: "/?" + url.Values{"entity": {tl.Entity}}.Encode(),
		APIURL:    "/api/v1/entities/" + url.PathEscape(tl.Entity) + "/timeline"}
	for i := len(tl.Weeks) - 1; i >= 0; i-- {
		v.Weeks = append(v.Weeks, tl.Weeks[i])
		v.AboutTotal += tl.Weeks[i].Salient
	}
	for t, n := range res.Facets.Technologies {
		v.Technologies = append(v.Technologies, chip{Label: t, Value: t, Count: n,
			URL: "/?" + url.Values{"entity": {tl.Entity}, "technology": {t}}.Encode()})
	}
	slices.SortFunc(v.Technologies, func(a, b chip) int { return cmp.Or(b.Count-a.Count, cmp.Compare(a.Label, b.Label)) })
	h.render(w, r, http.StatusOK, "entity", tl.Entity, "entities", v)
}
