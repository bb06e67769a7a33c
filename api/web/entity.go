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
	Timeline     *api.Timeline
	Chart        activityChart
	Weeks        []api.TimelineWeek // newest first, for the table
	Stories      []index.Hit
	Total        uint64
	Technologies []chip
	SearchURL    string
	APIURL       string
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
	v := entityView{Timeline: tl, Chart: newActivityChart(tl), Stories: res.Hits, Total: res.Total,
		SearchURL: "/?" + url.Values{"entity": {tl.Entity}}.Encode(),
		APIURL:    "/api/v1/entities/" + url.PathEscape(tl.Entity) + "/timeline"}
	for i := len(tl.Weeks) - 1; i >= 0; i-- {
		v.Weeks = append(v.Weeks, tl.Weeks[i])
	}
	for t, n := range res.Facets.Technologies {
		v.Technologies = append(v.Technologies, chip{Label: t, Value: t, Count: n,
			URL: "/?" + url.Values{"entity": {tl.Entity}, "technology": {t}}.Encode()})
	}
	slices.SortFunc(v.Technologies, func(a, b chip) int { return cmp.Or(b.Count-a.Count, cmp.Compare(a.Label, b.Label)) })
	h.render(w, r, http.StatusOK, "entity", tl.Entity, "entities", v)
}

// activityChart is small multiples: one row of weekly bars per component,
// on a shared scale, drawn as inline SVG with presentation attributes
// only (the pages' CSP allows no inline style).
type activityChart struct {
	Width, Height int
	LabelW        int
	Max           int
	Rows          []chartRow
	WeekLabels    []chartLabel
}

type chartRow struct {
	Component string
	Label     string
	Y, TextY  int
	BaseY     int
	Bars      []chartBar
}

type chartBar struct {
	X, Y, W, H int
	Title      string
}

type chartLabel struct {
	X    int
	Text string
}

func newActivityChart(tl *api.Timeline) activityChart {
	const labelW, plotW, rowH, barMax = 90, 540, 44, 34
	c := activityChart{LabelW: labelW, Width: labelW + plotW, Max: 1}
	for _, wk := range tl.Weeks {
		for _, comp := range index.Components {
			c.Max = max(c.Max, wk.Components[comp])
		}
	}
	n := max(len(tl.Weeks), 1)
	step := plotW / n
	barW := max(step*7/10, 2)
	for i, comp := range index.Components {
		row := chartRow{Component: comp, Label: componentLabels[comp], Y: i * rowH, TextY: i*rowH + rowH/2 + 4, BaseY: i*rowH + rowH - 4}
		for j, wk := range tl.Weeks {
			cnt := wk.Components[comp]
			hgt := cnt * barMax / c.Max
			if cnt > 0 {
				hgt = max(hgt, 2)
			}
			row.Bars = append(row.Bars, chartBar{
				X: labelW + j*step + (step-barW)/2, Y: i*rowH + (rowH - 4) - hgt, W: barW, H: hgt,
				Title: fmt.Sprintf("%s, week %s: %d", componentLabels[comp], wk.Week, cnt),
			})
		}
		c.Rows = append(c.Rows, row)
	}
	for j, wk := range tl.Weeks {
		if j%2 == (len(tl.Weeks)-1)%2 { // every other week, ending with the current one
			c.WeekLabels = append(c.WeekLabels, chartLabel{X: labelW + j*step + step/2, Text: wk.Week[5:]})
		}
	}
	c.Height = len(index.Components)*rowH + 18
	return c
}
