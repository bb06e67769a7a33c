package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/index"
)

// alertsPerPage is how many alerts a subscription's page lists.
const alertsPerPage = 50

// subscriptionView is one subscription with what the pages show about it.
// Webhook delivery state will add a line in "subscription-extra".
type subscriptionView struct {
	api.Subscription
	FeedURL   string
	SearchURL string
}

func (h *Handler) subscriptionView(r *http.Request, s api.Subscription) subscriptionView {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	v := url.Values{}
	if s.Query != "" {
		v.Set("q", s.Query)
	}
	v["component"] = s.Components
	v["entity"] = s.Entities
	return subscriptionView{
		Subscription: s,
		FeedURL:      scheme + "://" + r.Host + "/api/v1/subscriptions/" + url.PathEscape(s.ID) + "/feed.atom",
		SearchURL:    pageURL(v),
	}
}

type alertsView struct {
	Subs   []subscriptionView
	Bearer bool // tokens are configured: feed readers need one
}

func (h *Handler) handleAlerts(w http.ResponseWriter, r *http.Request) {
	list, err := h.o.Subs.ListSubscriptions(r.Context())
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	v := alertsView{Bearer: len(h.o.Tokens) > 0}
	for _, s := range list {
		v.Subs = append(v.Subs, h.subscriptionView(r, s))
	}
	h.render(w, r, http.StatusOK, "alerts", "Alerts", "alerts", v)
}

type subscriptionPage struct {
	Sub     subscriptionView
	Alerts  []api.Alert
	First   bool
	NextURL string
	Bearer  bool
}

func (h *Handler) handleSubscription(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s, err := h.o.Subs.GetSubscription(r.Context(), id)
	if errors.Is(err, api.ErrNotFound) {
		h.errorPage(w, r, http.StatusNotFound, "There is no subscription with id "+id+"; it may have been deleted.")
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	after := r.URL.Query().Get("after")
	alerts, next, err := h.o.Subs.Alerts(r.Context(), id, after, alertsPerPage)
	if errors.Is(err, api.ErrInvalid) {
		h.errorPage(w, r, http.StatusBadRequest, err.Error())
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	v := subscriptionPage{Sub: h.subscriptionView(r, s), Alerts: alerts, First: after == "", Bearer: len(h.o.Tokens) > 0}
	if next != "" && len(alerts) == alertsPerPage { // a short page is the last, for now
		v.NextURL = "/alerts/" + url.PathEscape(id) + "?" + url.Values{"after": {next}}.Encode()
	}
	h.render(w, r, http.StatusOK, "subscription", s.Name, "alerts", v)
}

// subscriptionForm is the create form, filled from a search or from what
// was sent, so that a rejected form loses nothing.
type subscriptionForm struct {
	Name, Query, WebhookURL string
	// Technologies and Sources are comma-separated; Since and Until are
	// dates: the search's other filters, kept by the alert.
	Technologies, Sources, Since, Until string
	Backfill                            bool
	Components                          []option
	Entities                            []option
	Error                               string
	Preview                             *api.Preview
}

// formRequest reads the alert form, sent by POST to create or by GET to
// preview (the search page's link uses the search's parameter names).
func formRequest(v url.Values) api.SubscriptionRequest {
	q := v.Get("query")
	if q == "" {
		q = v.Get("q")
	}
	list := func(many, one string) []string {
		out := nonEmpty(v[one])
		for _, s := range v[many] {
			out = append(out, nonEmpty(strings.Split(s, ","))...)
		}
		return out
	}
	return api.SubscriptionRequest{
		Name:         strings.TrimSpace(v.Get("name")),
		Query:        strings.TrimSpace(q),
		Components:   nonEmpty(v["component"]),
		Entities:     nonEmpty(v["entity"]),
		Technologies: list("technologies", "technology"),
		Sources:      list("sources", "source"),
		Since:        strings.TrimSpace(v.Get("since")),
		Until:        strings.TrimSpace(v.Get("until")),
		WebhookURL:   strings.TrimSpace(v.Get("webhook_url")),
		Backfill:     v.Get("backfill") != "",
	}
}

// formOf fills the form from a request, so that nothing typed is lost.
func (h *Handler) formOf(r *http.Request, req api.SubscriptionRequest) subscriptionForm {
	f := h.newForm(r, req.Name, req.Query, req.WebhookURL, req.Components, req.Entities)
	f.Technologies, f.Sources = strings.Join(req.Technologies, ", "), strings.Join(req.Sources, ", ")
	f.Since, f.Until, f.Backfill = req.Since, req.Until, req.Backfill
	return f
}

type option struct {
	Value, Label string
	Checked      bool
}

func (h *Handler) newForm(r *http.Request, name, query, webhook string, components, entities []string) subscriptionForm {
	f := subscriptionForm{Name: name, Query: query, WebhookURL: webhook}
	for _, c := range index.Components {
		f.Components = append(f.Components, option{Value: c, Label: componentTitles[c], Checked: slices.Contains(components, c)})
	}
	var names []string
	if h.o.Entities != nil {
		if list, err := h.o.Entities.Entities(r.Context()); err == nil {
			for _, e := range list {
				names = append(names, e.Name)
			}
		}
	}
	for _, e := range entities {
		if !slices.Contains(names, e) {
			names = append(names, e)
		}
	}
	for _, n := range names {
		f.Entities = append(f.Entities, option{Value: n, Label: n, Checked: slices.Contains(entities, n)})
	}
	return f
}

func (h *Handler) handleNewSubscription(w http.ResponseWriter, r *http.Request) {
	req := formRequest(r.URL.Query())
	if req.Name == "" {
		req.Name = req.Query
		if req.Name == "" {
			req.Name = strings.Join(slices.Concat(req.Entities, req.Technologies, req.Sources, req.Components), ", ")
		}
	}
	f := h.formOf(r, req)
	if req.Query != "" || len(req.Components)+len(req.Entities)+len(req.Technologies)+len(req.Sources) > 0 {
		preview := req
		preview.Name = "preview"
		p, err := h.o.Subs.Preview(r.Context(), preview)
		switch {
		case errors.Is(err, api.ErrInvalid):
			f.Error = err.Error()
		case err != nil:
			h.serverError(w, r, err)
			return
		default:
			f.Preview = p
		}
	}
	h.render(w, r, http.StatusOK, "newsub", "New alert", "alerts", f)
}

func (h *Handler) handleCreateSubscription(w http.ResponseWriter, r *http.Request) {
	req := formRequest(r.PostForm)
	sub, err := h.o.Subs.CreateSubscription(r.Context(), req)
	if errors.Is(err, api.ErrInvalid) {
		f := h.formOf(r, req)
		f.Error = err.Error()
		h.render(w, r, http.StatusBadRequest, "newsub", "New alert", "alerts", f)
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/alerts/"+url.PathEscape(sub.ID), http.StatusSeeOther)
}

// confirmView is the page that asks before a subscription is deleted.
type confirmView struct {
	Sub api.Subscription
}

// handleDeleteSubscription deletes a subscription once confirmed: the
// delete buttons post without confirm=yes and get a page that asks, with
// the subscription's name, before anything is lost.
func (h *Handler) handleDeleteSubscription(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if r.PostForm.Get("confirm") != "yes" {
		s, err := h.o.Subs.GetSubscription(r.Context(), id)
		if errors.Is(err, api.ErrNotFound) {
			h.errorPage(w, r, http.StatusNotFound, "There is no subscription with id "+id+"; it may have been deleted already.")
			return
		}
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		h.render(w, r, http.StatusOK, "confirmdelete", "Delete "+s.Name+"?", "alerts", confirmView{Sub: s})
		return
	}
	err := h.o.Subs.DeleteSubscription(r.Context(), id)
	if errors.Is(err, api.ErrNotFound) {
		h.errorPage(w, r, http.StatusNotFound, "There is no subscription with id "+id+"; it may have been deleted already.")
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/alerts", http.StatusSeeOther)
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
