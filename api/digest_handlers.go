package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
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
	// The page is self-contained: nothing may load or run.
	s.writeRendered(w, r, format, "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
		func(w io.Writer) error { return digest.WriteMarkdown(w, d) },
		func(w io.Writer) error { return digest.WriteHTML(w, d) })
}

// writeRendered answers with a Markdown or HTML (format) rendering; an
// HTML page gets csp as its Content-Security-Policy.
func (s *Server) writeRendered(w http.ResponseWriter, r *http.Request, format, csp string, markdown, html func(io.Writer) error) {
	var buf bytes.Buffer
	ctype, render := "text/markdown; charset=utf-8", markdown
	if format == "html" {
		ctype, render = "text/html; charset=utf-8", html
	}
	if err := render(&buf); err != nil {
		s.serverError(w, r, err)
		return
	}
	if format == "html" {
		w.Header().Set("Content-Security-Policy", csp)
	}
	w.Header().Set("Content-Type", ctype)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}
