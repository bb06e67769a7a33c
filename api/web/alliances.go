package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/index/insight"
)

// sparkline is a row of weekly bars drawn as inline SVG with presentation
// attributes only; its labels are HTML around it, so that they keep their
// size when the chart scales to the screen.
type sparkline struct {
	Width, Height int
	Max           int
	Bars          []sparkBar
	First, Last   string // the first and last week's names
}

type sparkBar struct {
	X, Y, W, H int
	Title      string
	Recent     bool // in the last 26 weeks
}

func newSparkline(weeks []insight.WeekCount, recentFrom int) sparkline {
	const h, step = 40, 10
	s := sparkline{Width: max(len(weeks), 1) * step, Height: h, Max: 1}
	for _, w := range weeks {
		s.Max = max(s.Max, w.Count)
	}
	for i, w := range weeks {
		bh := w.Count * (h - 2) / s.Max
		if w.Count > 0 {
			bh = max(bh, 3)
		}
		s.Bars = append(s.Bars, sparkBar{X: i*step + 1, Y: h - bh, W: step - 2, H: bh,
			Title: fmt.Sprintf("%s: %d", w.Week, w.Count), Recent: i >= recentFrom})
	}
	if len(weeks) > 0 {
		s.First, s.Last = weeks[0].Week, weeks[len(weeks)-1].Week
	}
	return s
}

type allianceRow struct {
	insight.Review
	Chart sparkline
	URL   string
}

type alliancesView struct {
	Partners []allianceRow
	Overdue  int
}

func (h *Handler) handleAlliances(w http.ResponseWriter, r *http.Request) {
	rs, err := h.o.Reviews.Alliances(r.Context())
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	v := alliancesView{}
	for _, rv := range rs {
		v.Partners = append(v.Partners, allianceRow{Review: rv, Chart: newSparkline(rv.Weeks, len(rv.Weeks)-26),
			URL: "/alliances/" + url.PathEscape(rv.Name)})
		if rv.Overdue {
			v.Overdue++
		}
	}
	// Overdue reviews first: they are what the page is for.
	slices.SortStableFunc(v.Partners, func(a, b allianceRow) int {
		switch {
		case a.Overdue == b.Overdue:
			return 0
		case a.Overdue:
			return -1
		}
		return 1
	})
	h.render(w, r, http.StatusOK, "alliances", "Alliance review", "alliances", v)
}

type allianceView struct {
	allianceRow
	Done   bool // a review was just recorded
	Export struct{ Markdown, HTML, JSON string }
}

func (h *Handler) handleAlliance(w http.ResponseWriter, r *http.Request) {
	h.alliancePage(w, r, false)
}

func (h *Handler) handleMarkReviewed(w http.ResponseWriter, r *http.Request) {
	if _, err := h.o.Reviews.MarkReviewed(r.Context(), r.PathValue("name")); err != nil {
		h.allianceError(w, r, err)
		return
	}
	h.alliancePage(w, r, true)
}

func (h *Handler) alliancePage(w http.ResponseWriter, r *http.Request, done bool) {
	name := r.PathValue("name")
	rv, err := h.o.Reviews.Alliance(r.Context(), name)
	if err != nil {
		h.allianceError(w, r, err)
		return
	}
	v := allianceView{allianceRow: allianceRow{Review: *rv, Chart: newSparkline(rv.Weeks, len(rv.Weeks)-26),
		URL: "/alliances/" + url.PathEscape(rv.Name)}, Done: done}
	api := "/api/v1/alliances/" + url.PathEscape(rv.Name)
	v.Export.Markdown, v.Export.HTML, v.Export.JSON = api+"?format=markdown", api+"?format=html", api
	h.render(w, r, http.StatusOK, "alliance", "Alliance review: "+rv.Name, "alliances", v)
}

func (h *Handler) allianceError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, api.ErrNotFound) {
		h.errorPage(w, r, http.StatusNotFound, fmt.Sprintf("%q is not a partner on the watch list.", r.PathValue("name")))
		return
	}
	h.serverError(w, r, err)
}

type radarRow struct {
	insight.RadarEntry
	Chart  sparkline
	Roles  []radarRole
	Search string
}

type radarRole struct {
	Role  string
	Names []insight.NameCount
}

type radarView struct {
	Rule string
	Rows []radarRow
}

func (h *Handler) handleRadar(w http.ResponseWriter, r *http.Request) {
	rd, err := h.o.Reviews.Radar(r.Context())
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	v := radarView{Rule: rd.Rule}
	for _, e := range rd.Technologies {
		row := radarRow{RadarEntry: e, Chart: newSparkline(e.Weeks, len(e.Weeks)-4),
			Search: "/?" + url.Values{"technology": {e.Technology}}.Encode()}
		for _, role := range []string{"own", "partner", "competitor", "customer", "standards", "other"} {
			if l := e.Active[role]; len(l) > 0 {
				row.Roles = append(row.Roles, radarRole{Role: role, Names: l})
			}
		}
		v.Rows = append(v.Rows, row)
	}
	h.render(w, r, http.StatusOK, "radar", "Technology radar", "radar", v)
}
