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
	list, err := h.o.Subs.ListSubscriptions()
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
	s, err := h.o.Subs.GetSubscription(id)
	if errors.Is(err, api.ErrNotFound) {
		h.errorPage(w, r, http.StatusNotFound, "There is no subscription with id "+id+"; it may have been deleted.")
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	after := r.URL.Query().Get("after")
	alerts, next, err := h.o.Subs.Alerts(id, after, alertsPerPage)
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
	Backfill                bool
	Components              []option
	Entities                []option
	Dropped                 []string // search filters an alert cannot keep
	Error                   string
	Preview                 *api.Preview
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
	v := r.URL.Query()
	q := strings.TrimSpace(v.Get("q"))
	comps, ents := nonEmpty(v["component"]), nonEmpty(v["entity"])
	name := q
	if name == "" {
		name = strings.Join(append(slices.Clone(ents), comps...), ", ")
	}
	f := h.newForm(r, name, q, "", comps, ents)
	for _, k := range []string{"technology", "source"} {
		for _, val := range nonEmpty(v[k]) {
			f.Dropped = append(f.Dropped, k+" "+val)
		}
	}
	if q != "" || len(comps) > 0 || len(ents) > 0 {
		p, err := h.o.Subs.Preview(r.Context(), api.SubscriptionRequest{Name: "preview", Query: q, Components: comps, Entities: ents})
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
	pf := r.PostForm
	req := api.SubscriptionRequest{
		Name:       strings.TrimSpace(pf.Get("name")),
		Query:      strings.TrimSpace(pf.Get("query")),
		Components: nonEmpty(pf["component"]),
		Entities:   nonEmpty(pf["entity"]),
		WebhookURL: strings.TrimSpace(pf.Get("webhook_url")),
		Backfill:   pf.Get("backfill") != "",
	}
	sub, err := h.o.Subs.CreateSubscription(req)
	if errors.Is(err, api.ErrInvalid) {
		f := h.newForm(r, req.Name, req.Query, req.WebhookURL, req.Components, req.Entities)
		f.Backfill = req.Backfill
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

func (h *Handler) handleDeleteSubscription(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := h.o.Subs.DeleteSubscription(id)
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
