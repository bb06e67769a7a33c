package api

import "net/http"

func (s *Server) handleRadar(w http.ResponseWriter, r *http.Request) {
	if !onlyParams(w, r) {
		return
	}
	rd, err := s.reviews.Radar(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rd)
}
