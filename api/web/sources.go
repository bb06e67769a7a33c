package web

import (
	"errors"
	"net/http"

	"github.com/techintel/techintel/api"
)

type sourcesView struct {
	Sources []api.SourceStatus
	Ran     *api.RunResult // the run just done, if any
	RanErr  string
}

func (h *Handler) handleSources(w http.ResponseWriter, r *http.Request) {
	h.sourcesPage(w, r, http.StatusOK, sourcesView{})
}

func (h *Handler) sourcesPage(w http.ResponseWriter, r *http.Request, status int, v sourcesView) {
	list, err := h.o.Sources.Sources(r.Context())
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	// A backoff that has ended is no news ("backing off until 15:42"
	// read at 15:56): the row shows the next run only.
	now := h.o.Now()
	for i := range list {
		if b := list[i].BackoffUntil; b != nil && !b.After(now) {
			list[i].BackoffUntil = nil
		}
	}
	v.Sources = list
	h.render(w, r, status, "sources", "Sources", "sources", v)
}

// handleRunSource runs a source now and shows what it did on the sources
// page; the run is synchronous, as in the JSON API.
func (h *Handler) handleRunSource(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	res, err := h.o.Sources.RunSource(r.Context(), name)
	switch {
	case errors.Is(err, api.ErrUnknownSource):
		h.errorPage(w, r, http.StatusNotFound, "There is no source named "+name+".")
	case errors.Is(err, api.ErrSourceRunning):
		h.sourcesPage(w, r, http.StatusConflict, sourcesView{RanErr: "Source " + name + " is already running; its results will show here when it is done."})
	case err != nil && res.Source == "":
		h.serverError(w, r, err)
	default:
		h.sourcesPage(w, r, http.StatusOK, sourcesView{Ran: &res})
	}
}
