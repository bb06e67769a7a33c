package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/techintel/techintel/index"
)

// Entities answers questions about the watched organisations.
type Entities interface {
	Entities(ctx context.Context) ([]EntityStatus, error)
	// Timeline gives errors wrapping ErrNotFound for an unknown entity.
	Timeline(ctx context.Context, name string, weeks int) (*Timeline, error)
	Matrix(ctx context.Context) (*Matrix, error)
}

// EntityStatus is one entry of GET /api/v1/entities.
type EntityStatus struct {
	Name      string   `json:"name"`
	Role      string   `json:"role"`
	Component string   `json:"component"`
	Aliases   []string `json:"aliases"`
	Documents int      `json:"documents"`
}

// Timeline is an entity's weekly activity.
type Timeline struct {
	Entity    string         `json:"entity"`
	Role      string         `json:"role"`
	Component string         `json:"component"`
	Weeks     []TimelineWeek `json:"weeks"`
}

// TimelineWeek is one ISO week of a timeline.
type TimelineWeek struct {
	Week       string         `json:"week"`
	From       time.Time      `json:"from"`
	Count      int            `json:"count"`
	Components map[string]int `json:"components"`
	Top        []index.Hit    `json:"top"`

	// Salient counts the week's documents about the entity (it is
	// salient in them), not merely mentioning it.
	Salient int `json:"salient"`
}

// Matrix counts documents per entity and technology.
type Matrix struct {
	Entities     []string `json:"entities"`
	Technologies []string `json:"technologies"`
	Counts       [][]int  `json:"counts"` // [entity][technology]
}

func (s *Server) handleEntities(w http.ResponseWriter, r *http.Request) {
	list, err := s.entities.Entities(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"entities": list})
}

func (s *Server) handleTimeline(w http.ResponseWriter, r *http.Request) {
	weeks := 12
	if v := r.URL.Query().Get("weeks"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 104 {
			writeError(w, http.StatusBadRequest, "weeks: must be a number between 1 and 104")
			return
		}
		weeks = n
	}
	tl, err := s.entities.Timeline(r.Context(), r.PathValue("name"), weeks)
	if errors.Is(err, ErrNotFound) {
		writeError(w, http.StatusNotFound, "no watched entity named "+strconv.Quote(r.PathValue("name")))
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, tl)
}

func (s *Server) handleMatrix(w http.ResponseWriter, r *http.Request) {
	m, err := s.entities.Matrix(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}
