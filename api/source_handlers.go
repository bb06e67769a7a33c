package api

import (
	"errors"
	"net/http"
	"time"
)

func (s *Server) handleSources(w http.ResponseWriter, r *http.Request) {
	list, err := s.sources.Sources(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if list == nil {
		list = []SourceStatus{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"sources": list})
}

func (s *Server) handleRunSource(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	// The answer comes when the run is done: past the usual write timeout.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(LongWrite))
	res, err := s.sources.RunSource(r.Context(), name)
	switch {
	case errors.Is(err, ErrUnknownSource):
		writeError(w, http.StatusNotFound, "no source named "+name)
	case errors.Is(err, ErrSourceRunning):
		writeError(w, http.StatusConflict, "source "+name+" is already running")
	case err != nil && res.Source == "":
		s.serverError(w, r, err)
	default:
		// A run that failed still answers with what it did and why.
		if res.Errors == nil {
			res.Errors = []string{}
		}
		writeJSON(w, http.StatusOK, res)
	}
}
