package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/techintel/techintel/index/insight"
)

// Reviews answers the alliance review and the technology radar.
type Reviews interface {
	// Alliances reviews every partner of the watch list.
	Alliances(ctx context.Context) ([]insight.Review, error)
	// Alliance reviews one partner; an unknown name or one that is not a
	// partner gives an error wrapping ErrNotFound.
	Alliance(ctx context.Context, name string) (*insight.Review, error)
	// MarkReviewed records a review of the partner now and returns the
	// review with its new due date.
	MarkReviewed(ctx context.Context, name string) (*insight.Review, error)
	Radar(ctx context.Context) (*insight.Radar, error)
}

// AllianceList is the answer of GET /api/v1/alliances.
type AllianceList struct {
	Partners []insight.Review `json:"partners"`
	// Overdue names the partners whose review is due.
	Overdue []string `json:"overdue"`
}

func (s *Server) handleAlliances(w http.ResponseWriter, r *http.Request) {
	if !onlyParams(w, r) {
		return
	}
	rs, err := s.reviews.Alliances(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	out := AllianceList{Partners: rs, Overdue: []string{}}
	for _, p := range rs {
		if p.Overdue {
			out.Overdue = append(out.Overdue, p.Name)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleAlliance(w http.ResponseWriter, r *http.Request) {
	if !onlyParams(w, r, "format") {
		return
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "json"
	}
	if format != "json" && format != "markdown" && format != "html" {
		writeError(w, http.StatusBadRequest, `format: must be "json", "markdown" or "html"`)
		return
	}
	rv, err := s.reviews.Alliance(r.Context(), r.PathValue("name"))
	if s.reviewError(w, r, err) {
		return
	}
	if format == "json" {
		writeJSON(w, http.StatusOK, rv)
		return
	}
	s.writeRendered(w, r, format, "default-src 'none'; style-src 'unsafe-inline'", rv.WriteMarkdown, rv.WriteHTML)
}

func (s *Server) handleMarkReviewed(w http.ResponseWriter, r *http.Request) {
	rv, err := s.reviews.MarkReviewed(r.Context(), r.PathValue("name"))
	if s.reviewError(w, r, err) {
		return
	}
	writeJSON(w, http.StatusOK, rv)
}

// reviewError answers a review's error, if any: 404 for a name that is
// not a partner.
func (s *Server) reviewError(w http.ResponseWriter, r *http.Request, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, "no partner named "+strconv.Quote(r.PathValue("name"))+" on the watch list")
	default:
		s.serverError(w, r, err)
	}
	return true
}

// onlyParams answers 400 and returns false when the query has a parameter
// other than those allowed.
func onlyParams(w http.ResponseWriter, r *http.Request, allowed ...string) bool {
	for k := range r.URL.Query() {
		ok := false
		for _, a := range allowed {
			ok = ok || k == a
		}
		if !ok {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("unknown parameter %q", k))
			return false
		}
	}
	return true
}
