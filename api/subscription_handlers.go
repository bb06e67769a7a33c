package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/techintel/techintel/index"
)

// Subscriptions stores saved searches and the alerts they raise.
type Subscriptions interface {
	// CreateSubscription validates and stores a subscription; invalid
	// input gives an error wrapping ErrInvalid.
	CreateSubscription(ctx context.Context, r SubscriptionRequest) (Subscription, error)
	ListSubscriptions(ctx context.Context) ([]Subscription, error)
	// GetSubscription and DeleteSubscription give errors wrapping
	// ErrNotFound for an unknown ID.
	GetSubscription(ctx context.Context, id string) (Subscription, error)
	DeleteSubscription(ctx context.Context, id string) error
	// Alerts lists alerts after a cursor, oldest first.
	Alerts(ctx context.Context, subscription, after string, limit int) (alerts []Alert, next string, err error)
	// Preview says what a subscription would have matched in each of the
	// last weeks; invalid input gives an error wrapping ErrInvalid.
	Preview(ctx context.Context, r SubscriptionRequest) (*Preview, error)
}

// Preview is the answer of POST /api/v1/subscriptions/preview.
type Preview struct {
	Weeks    []PreviewWeek `json:"weeks"` // oldest first, the current week last
	Examples []index.Hit   `json:"examples"`
}

// PreviewWeek is one week of a preview.
type PreviewWeek struct {
	Week  string    `json:"week"`
	From  time.Time `json:"from"`
	Count int       `json:"count"`
}

// Errors a Subscriptions implementation returns for the API to map.
var (
	ErrInvalid  = errors.New("invalid")
	ErrNotFound = errors.New("not found")
)

// SubscriptionRequest is the body of POST /api/v1/subscriptions.
type SubscriptionRequest struct {
	Name       string   `json:"name"`
	Query      string   `json:"query"`
	Components []string `json:"components"`
	Entities   []string `json:"entities"`
	// Technologies, Sources, Since and Until are the other filters of the
	// search the subscription comes from (since and until as the search
	// parameters take them).
	Technologies []string `json:"technologies,omitempty"`
	Sources      []string `json:"sources,omitempty"`
	Since        string   `json:"since,omitempty"`
	Until        string   `json:"until,omitempty"`
	WebhookURL   string   `json:"webhook_url"`
	// Backfill raises alerts for matching documents published in the last
	// BackfillDays days (default 7) too, not only for new ones.
	Backfill     bool `json:"backfill,omitempty"`
	BackfillDays int  `json:"backfill_days,omitempty"`
}

// Subscription is a stored subscription (the README documents its fields).
type Subscription struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Query        string    `json:"query"`
	Components   []string  `json:"components"`
	Entities     []string  `json:"entities"`
	Technologies []string  `json:"technologies"`
	Sources      []string  `json:"sources"`
	Since        string    `json:"since,omitempty"`
	Until        string    `json:"until,omitempty"`
	WebhookURL   string    `json:"webhook_url"`
	Created      time.Time `json:"created"`
	// WebhookSecret signs the webhook deliveries. Only the answer that
	// creates the subscription carries it: GET is open to read tokens,
	// and whoever holds the secret can forge deliveries.
	WebhookSecret string `json:"webhook_secret,omitempty"`
	// Delivery is the state of webhook delivery, for a subscription with
	// a webhook URL.
	Delivery *DeliveryStatus `json:"delivery,omitempty"`
}

// DeliveryStatus sums up a subscription's webhook deliveries.
type DeliveryStatus struct {
	Pending     int        `json:"pending"`
	Delivered   int        `json:"delivered"`
	Failed      int        `json:"failed"`
	LastAttempt *time.Time `json:"last_attempt"`
	LastSuccess *time.Time `json:"last_success"`
	LastError   string     `json:"last_error"`
}

// Alert is one alert with the document that raised it.
type Alert struct {
	ID           string    `json:"id"`
	Subscription string    `json:"subscription"`
	Created      time.Time `json:"created"`
	Document     index.Hit `json:"document"`
}

// Query is the search a subscription request runs: the same filters, so
// that its preview, its backfill and its alerts match what the search
// shows. Dates that do not parse give an error naming the field.
func (r SubscriptionRequest) SearchQuery() (index.Query, error) {
	q := index.Query{Q: r.Query, Components: r.Components, Entities: r.Entities,
		Technologies: r.Technologies, Sources: r.Sources}
	var err error
	if q.Since, err = parseTime(r.Since, false); err != nil {
		return q, fmt.Errorf("since: %w", err)
	}
	if q.Until, err = parseTime(r.Until, true); err != nil {
		return q, fmt.Errorf("until: %w", err)
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since) {
		return q, errors.New("until: must be after since")
	}
	return q, nil
}

// maxBody caps request bodies.
const maxBody = 1 << 20

// decodeJSON reads a JSON body strictly: one object, no unknown fields,
// at most maxBody bytes.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return fmt.Errorf("body larger than %d bytes", maxBody)
		}
		return fmt.Errorf("malformed JSON body: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("malformed JSON body: more than one value")
	}
	return nil
}

func (s *Server) handleCreateSubscription(w http.ResponseWriter, r *http.Request) {
	var req SubscriptionRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := checkSubscriptionRequest(req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	sub, err := s.subs.CreateSubscription(r.Context(), req)
	if errors.Is(err, ErrInvalid) {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/subscriptions/"+sub.ID)
	writeJSON(w, http.StatusCreated, sub)
}

func (s *Server) handleListSubscriptions(w http.ResponseWriter, r *http.Request) {
	list, err := s.subs.ListSubscriptions(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"subscriptions": list})
}

func (s *Server) handleGetSubscription(w http.ResponseWriter, r *http.Request) {
	sub, err := s.subs.GetSubscription(r.Context(), r.PathValue("id"))
	if errors.Is(err, ErrNotFound) {
		writeError(w, http.StatusNotFound, "no subscription with id "+strconv.Quote(r.PathValue("id")))
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sub)
}

func (s *Server) handleDeleteSubscription(w http.ResponseWriter, r *http.Request) {
	err := s.subs.DeleteSubscription(r.Context(), r.PathValue("id"))
	if errors.Is(err, ErrNotFound) {
		writeError(w, http.StatusNotFound, "no subscription with id "+strconv.Quote(r.PathValue("id")))
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleAlerts(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	for k := range v {
		if k != "subscription" && k != "after" && k != "limit" {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("unknown parameter %q", k))
			return
		}
	}
	limit, err := intParam(v, "limit", 50)
	if err != nil || limit < 1 || limit > 500 {
		writeError(w, http.StatusBadRequest, "limit: must be a number between 1 and 500")
		return
	}
	sub := v.Get("subscription")
	if sub != "" {
		if _, err := s.subs.GetSubscription(r.Context(), sub); errors.Is(err, ErrNotFound) {
			writeError(w, http.StatusNotFound, "no subscription with id "+strconv.Quote(sub))
			return
		}
	}
	alerts, next, err := s.subs.Alerts(r.Context(), sub, v.Get("after"), limit)
	if errors.Is(err, ErrInvalid) {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": alerts, "next": next})
}

func (s *Server) handlePreviewSubscription(w http.ResponseWriter, r *http.Request) {
	var req SubscriptionRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := checkSubscriptionRequest(req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	p, err := s.subs.Preview(r.Context(), req)
	if errors.Is(err, ErrInvalid) {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}
