package web

import (
	"cmp"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/index"
)

// The search page's URL takes exactly the parameters of GET
// /api/v1/search, parsed by the same function, so that a page is
// shareable and its JSON is one link away.

// chip is one filter value: a link that adds or removes it.
type chip struct {
	Label  string
	Value  string
	Count  int
	Active bool
	URL    string
}

// facetGroup is the chips of one filter.
type facetGroup struct {
	Param, Label string
	Chips        []chip
}

type searchView struct {
	Q, Sort, Since, Until string
	Limit                 int
	Err                   string
	Searched              bool
	Total                 uint64
	TookMS                float64
	From, To              int
	Hits                  []index.Hit
	Groups                []facetGroup
	Active                []chip // every active filter, to remove it
	Hidden                []hidden
	PrevURL, NextURL      string
	APIURL, AlertURL      string
	// Collapsed: one hit per story (the default; collapse=none shows
	// every copy). CollapseURL switches.
	Collapsed   bool
	Stories     int
	CollapseURL string
	// Empty: the index holds no documents at all, so "no documents
	// match" would mislead.
	Empty bool
	// Hist: the hits-over-time bars.
	Hist *histView
}

// hidden is a form field that keeps a filter when the query box is sent.
type hidden struct{ Name, Value string }

// filterParams are the repeatable filters, in the order the page shows them.
var filterParams = []struct{ param, label string }{
	{"component", "Components"}, {"entity", "Entities"}, {"technology", "Technologies"}, {"source", "Sources"},
}

func (h *Handler) handleSearch(w http.ResponseWriter, r *http.Request) {
	vals := r.URL.Query()
	v := searchView{Q: vals.Get("q"), Sort: vals.Get("sort"), Since: vals.Get("since"), Until: vals.Get("until")}
	if v.Sort == "" {
		v.Sort = index.SortRelevance
	}
	v.APIURL = "/api/v1/search"
	if len(vals) > 0 {
		v.APIURL += "?" + vals.Encode()
	}
	for _, f := range filterParams {
		for _, val := range vals[f.param] {
			v.Hidden = append(v.Hidden, hidden{f.param, val})
		}
	}
	for _, k := range []string{"limit", "collapse"} {
		if s := vals.Get(k); s != "" {
			v.Hidden = append(v.Hidden, hidden{k, s})
		}
	}
	// One hit per story unless the page asks for every copy.
	qvals := clone(vals)
	switch qvals.Get("collapse") {
	case "none":
		qvals.Del("collapse")
		v.CollapseURL = withValue(without(vals, "collapse"), "offset", "0")
	case "":
		qvals.Set("collapse", "story")
		v.Collapsed = true
		v.CollapseURL = withValue(vals, "collapse", "none")
	default:
		v.Collapsed = true
		v.CollapseURL = withValue(vals, "collapse", "none")
	}
	q, err := api.ParseSearchQuery(qvals)
	v.Limit = cmp.Or(q.Limit, index.DefaultLimit)
	if err != nil {
		v.Err = err.Error()
		h.render(w, r, http.StatusBadRequest, "search", "Search", "search", v)
		return
	}
	edges, unit := histogramEdges(q, h.o.Now())
	q.Histogram = edges
	res, err := h.o.Searcher.Search(r.Context(), q)
	if errors.Is(err, index.ErrBadQuery) {
		v.Err = err.Error()
		h.render(w, r, http.StatusBadRequest, "search", "Search", "search", v)
		return
	}
	if errors.Is(err, api.ErrSearchTimeout) {
		v.Err = err.Error()
		h.render(w, r, http.StatusServiceUnavailable, "search", "Search", "search", v)
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	v.Searched = true
	v.Empty = res.Total == 0 && api.IndexEmpty(r.Context(), h.o.Searcher)
	v.Hist = histogramView(res.Histogram, unit, vals)
	v.Total, v.TookMS, v.Hits, v.Stories = res.Total, res.TookMS, res.Hits, res.Stories
	v.From, v.To = q.Offset+1, q.Offset+len(res.Hits)
	v.Groups, v.Active = chips(vals, res.Facets)
	if q.Offset > 0 && q.After == "" {
		v.PrevURL = withValue(vals, "offset", strconv.Itoa(max(q.Offset-v.Limit, 0)))
	}
	total := int(res.Total)
	if q.Collapse {
		total = res.Stories
	}
	if q.Offset+len(res.Hits) < total && q.After == "" && q.Offset+2*v.Limit <= index.MaxWindow {
		v.NextURL = withValue(vals, "offset", strconv.Itoa(q.Offset+v.Limit))
	}
	alert := url.Values{}
	for _, k := range []string{"q", "component", "entity", "technology", "source", "since", "until"} { // every filter: the alert keeps them all
		if vs := vals[k]; len(vs) > 0 {
			alert[k] = vs
		}
	}
	v.AlertURL = "/alerts/new"
	if len(alert) > 0 {
		v.AlertURL += "?" + alert.Encode()
	}
	title := "Search"
	if v.Q != "" {
		title = v.Q + " · Search"
	}
	h.render(w, r, http.StatusOK, "search", title, "search", v)
}

// chips builds the filter chips from the facets: every value with its
// count, active ones first, each a link that toggles it and goes back to
// the first page.
func chips(vals url.Values, f index.Facets) (groups []facetGroup, active []chip) {
	counts := map[string]map[string]int{
		"component": f.Components, "entity": f.Entities, "technology": f.Technologies, "source": f.Sources,
	}
	for _, fp := range filterParams {
		g := facetGroup{Param: fp.param, Label: fp.label}
		seen := map[string]bool{}
		add := func(value string, n int) {
			if seen[value] {
				return
			}
			seen[value] = true
			on := slices.Contains(vals[fp.param], value)
			label := value
			if fp.param == "component" {
				label = componentLabels[value]
			}
			c := chip{Label: label, Value: value, Count: n, Active: on, URL: toggle(vals, fp.param, value)}
			g.Chips = append(g.Chips, c)
			if on {
				active = append(active, c)
			}
		}
		if fp.param == "component" {
			for _, c := range index.Components {
				add(c, f.Components[c])
			}
		} else {
			for _, val := range vals[fp.param] {
				add(val, counts[fp.param][val])
			}
			keys := make([]string, 0, len(counts[fp.param]))
			for k := range counts[fp.param] {
				keys = append(keys, k)
			}
			m := counts[fp.param]
			slices.SortFunc(keys, func(a, b string) int { return cmp.Or(m[b]-m[a], cmp.Compare(a, b)) })
			for _, k := range keys {
				add(k, m[k])
			}
		}
		groups = append(groups, g)
	}
	return groups, active
}

// toggle returns the search URL with value added to or removed from
// param, back on the first page.
func toggle(vals url.Values, param, value string) string {
	nv := clone(vals)
	nv.Del("offset")
	nv.Del("after")
	cur := nv[param]
	if i := slices.Index(cur, value); i >= 0 {
		nv[param] = slices.Delete(slices.Clone(cur), i, i+1)
	} else {
		nv[param] = append(slices.Clone(cur), value)
	}
	return pageURL(nv)
}

// withValue returns the search URL with one parameter set.
func withValue(vals url.Values, k, v string) string {
	nv := clone(vals)
	nv.Set(k, v)
	if k == "offset" && v == "0" {
		nv.Del(k)
	}
	return pageURL(nv)
}

func clone(vals url.Values) url.Values {
	nv := url.Values{}
	for k, vs := range vals {
		if len(vs) > 0 && !(len(vs) == 1 && vs[0] == "") {
			nv[k] = slices.Clone(vs)
		}
	}
	return nv
}

func pageURL(v url.Values) string {
	if len(v) == 0 || len(clone(v)) == 0 {
		return "/"
	}
	return "/?" + clone(v).Encode()
}

// without returns a copy of vals without key k.
func without(vals url.Values, k string) url.Values {
	nv := clone(vals)
	nv.Del(k)
	return nv
}
