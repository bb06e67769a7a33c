package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/techintel/techintel/index/digest"
)

// Digests builds weekly digests.
type Digests interface {
	Digest(ctx context.Context, week string) (*digest.Digest, error)
	// LastCompleteWeek names the default week.
	LastCompleteWeek() string
}

func (s *Server) handleDigest(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	for k := range v {
		if k != "week" && k != "format" {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("unknown parameter %q", k))
			return
		}
	}
	week := v.Get("week")
	if week == "" {
		week = s.digests.LastCompleteWeek()
	}
	format := v.Get("format")
	if format == "" {
		format = "json"
	}
	if format != "json" && format != "markdown" && format != "html" {
		writeError(w, http.StatusBadRequest, `format: must be "json", "markdown" or "html"`)
		return
	}
	d, err := s.digests.Digest(r.Context(), week)
	if errors.Is(err, digest.ErrBadWeek) {
		writeError(w, http.StatusBadRequest, "week: "+err.Error())
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if format == "json" {
		writeJSON(w, http.StatusOK, d)
		return
	}
	var buf bytes.Buffer
	ctype := "text/markdown; charset=utf-8"
	if format == "html" {
		ctype = "text/html; charset=utf-8"
		err = digest.WriteHTML(&buf, d)
		// The page is self-contained: nothing may load or run.
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
	} else {
		err = digest.WriteMarkdown(&buf, d)
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}
