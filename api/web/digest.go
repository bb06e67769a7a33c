package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/digest"
)

// digestView is the digest of a week as the HTML digest shows it (per
// component the count and top documents; per watched organisation this
// week against the week before), with links to the weeks around it.
type digestView struct {
	Week             string
	Digest           *digest.Digest
	Sections         []digestSection
	Chart            digestChart
	PrevURL, NextURL string
	Error            string
	APIURL           string
}

type digestSection struct {
	Slug, Title string
	digest.Component
}

// digestChart is the digest's bar chart of documents per organisation.
type digestChart struct {
	Width, Height int
	Bars          []digestBar
}

type digestBar struct {
	Label                 string
	Y, TextY, W, PrevW, X int
	Count, Prev           int
}

func newDigestChart(d *digest.Digest) digestChart {
	const labelW, barW, rowH = 170, 330, 22
	top := 1
	for _, e := range d.Entities {
		top = max(top, e.Count, e.PreviousCount)
	}
	c := digestChart{Width: labelW + barW + 70, Height: max(len(d.Entities)*rowH, rowH)}
	for i, e := range d.Entities {
		w := e.Count * barW / top
		c.Bars = append(c.Bars, digestBar{Label: e.Name, Y: i * rowH, TextY: i*rowH + 14, Count: e.Count, Prev: e.PreviousCount,
			W: w, PrevW: e.PreviousCount * barW / top, X: labelW + max(w, e.PreviousCount*barW/top) + 6})
	}
	return c
}

func (h *Handler) handleDigest(w http.ResponseWriter, r *http.Request) {
	week := r.URL.Query().Get("week")
	if week == "" {
		week = h.o.Digests.LastCompleteWeek()
	}
	v := digestView{Week: week, APIURL: "/api/v1/digest?" + url.Values{"week": {week}}.Encode()}
	from, err := digest.ParseWeek(week)
	if err != nil {
		v.Error = err.Error()
		h.render(w, r, http.StatusBadRequest, "digest", "Digest", "digest", v)
		return
	}
	d, err := h.o.Digests.Digest(r.Context(), week)
	if errors.Is(err, digest.ErrBadWeek) {
		v.Error = err.Error()
		h.render(w, r, http.StatusBadRequest, "digest", "Digest", "digest", v)
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	v.Digest = d
	for _, c := range index.Components {
		v.Sections = append(v.Sections, digestSection{Slug: c, Title: componentTitles[c], Component: d.Components[c]})
	}
	v.Chart = newDigestChart(d)
	v.PrevURL = "/digest?week=" + digest.WeekOf(from.AddDate(0, 0, -7))
	v.NextURL = "/digest?week=" + digest.WeekOf(from.AddDate(0, 0, 7))
	h.render(w, r, http.StatusOK, "digest", "Digest "+week, "digest", v)
}
