package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/techintel/techintel/index"
)

func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	q, err := ParseSearchQuery(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	res, err := s.search.Search(r.Context(), q)
	if errors.Is(err, index.ErrBadQuery) {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if errors.Is(err, ErrSearchTimeout) {
		// The server is fine; this query is too heavy for it.
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	out := searchResponse{Result: res}
	if res.Total == 0 && IndexEmpty(r.Context(), s.search) {
		out.Hint = EmptyIndexHint
	}
	writeJSON(w, http.StatusOK, out)
}

// ParseSearchQuery reads the parameters of GET /api/v1/search; the CLI
// uses it too, so both accept exactly the same input.
func ParseSearchQuery(v url.Values) (index.Query, error) {
	for k := range v {
		switch k {
		case "q", "component", "entity", "technology", "source", "since", "until", "sort", "limit", "offset", "after", "collapse",
			"salient", "facets":
		default:
			return index.Query{}, fmt.Errorf("unknown parameter %q", k)
		}
	}
	q := index.Query{
		Q:            v.Get("q"),
		Components:   nonEmpty(v["component"]),
		Entities:     nonEmpty(v["entity"]),
		Technologies: nonEmpty(v["technology"]),
		Sources:      nonEmpty(v["source"]),
		Sort:         v.Get("sort"),
		After:        v.Get("after"),
	}
	if err := CheckQuery("q", q.Q); err != nil {
		return q, err
	}
	for _, l := range []struct {
		field string
		vs    []string
	}{{"component", q.Components}, {"entity", q.Entities}, {"technology", q.Technologies}, {"source", q.Sources}} {
		if err := checkList(l.field, l.vs); err != nil {
			return q, err
		}
	}
	for _, c := range q.Components {
		if !index.ValidComponent(c) {
			return q, fmt.Errorf("component: unknown component %q (want one of %s)", c, strings.Join(index.Components, ", "))
		}
	}
	var err error
	if q.Since, err = parseTime(v.Get("since"), false); err != nil {
		return q, fmt.Errorf("since: %w", err)
	}
	if q.Until, err = parseTime(v.Get("until"), true); err != nil {
		return q, fmt.Errorf("until: %w", err)
	}
	if q.Limit, err = intParam(v, "limit", index.DefaultLimit); err != nil {
		return q, err
	}
	if q.Limit < 1 || q.Limit > index.MaxLimit {
		return q, fmt.Errorf("limit: must be between 1 and %d", index.MaxLimit)
	}
	if q.Offset, err = intParam(v, "offset", 0); err != nil {
		return q, err
	}
	if f, ok := v["facets"]; ok {
		q.Facets, q.NoFacets, err = parseFacets(f)
		if err != nil {
			return q, err
		}
	}
	switch q.Sort {
	case "", index.SortRelevance, index.SortDate, index.SortRecency:
	default:
		return q, fmt.Errorf("sort: %q is not one of relevance, date, recency", q.Sort)
	}
	switch c := v.Get("collapse"); c {
	case "":
	case "story":
		q.Collapse = true
	default:
		return q, fmt.Errorf("collapse: %q is not supported (want \"story\")", c)
	}
	switch sal := v.Get("salient"); sal {
	case "", "false":
	case "true":
		q.Salient = true // entity and technology filters match what documents are about
	default:
		return q, fmt.Errorf("salient: %q is not a boolean (want \"true\" or \"false\")", sal)
	}
	return q, nil
}

// parseFacets reads facets=: names separated by commas (the parameter may
// repeat); empty or "none" computes none.
func parseFacets(vs []string) (names []string, none bool, err error) {
	names = []string{}
	for _, v := range vs {
		for _, n := range strings.Split(v, ",") {
			n = strings.TrimSpace(n)
			switch {
			case n == "" || n == "none":
			case slices.Contains(index.FacetNames(), n):
				if !slices.Contains(names, n) {
					names = append(names, n)
				}
			default:
				return nil, false, fmt.Errorf("facets: unknown facet %q (want %s, or none)", n, strings.Join(index.FacetNames(), ", "))
			}
		}
	}
	return names, len(names) == 0, nil
}

func nonEmpty(vs []string) []string {
	var out []string
	for _, s := range vs {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func intParam(v url.Values, name string, def int) (int, error) {
	s := v.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%s: %q is not a number", name, s)
	}
	return n, nil
}

// parseTime accepts a date (YYYY-MM-DD, UTC) or an RFC 3339 time. A date
// used as an upper bound means the end of that day, so until=2026-11-02
// includes the whole of the 2nd.
func parseTime(s string, endOfDay bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		if endOfDay {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a date (2026-11-02) nor an RFC 3339 time", s)
	}
	return t.UTC(), nil
}

// documentResponse is a Hit plus body and evidence.
type documentResponse struct {
	index.Hit
	Author   string           `json:"author,omitempty"`
	Updated  time.Time        `json:"updated"`
	Gone     time.Time        `json:"gone,omitzero"`
	Body     string           `json:"body"`
	Evidence []index.Evidence `json:"evidence"`
}

func (s *Server) handleDocument(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	d, err := s.search.Get(r.Context(), id)
	if errors.Is(err, index.ErrNotFound) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no document with id %q", id))
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, documentResponse{
		Hit:    index.HitOf(d),
		Author: d.Author, Updated: d.Updated, Gone: d.Gone, Body: d.Body, Evidence: d.Evidence,
	})
}
