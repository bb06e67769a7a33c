package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/store"
)

// alerter keeps subscriptions and raises their alerts: it implements
// api.Subscriptions over the state store, and percolates every ingest
// batch.
type alerter struct {
	cfg   *Config
	index *index.Index
	store *store.Store
	log   *slog.Logger
	now   func() time.Time
}

var _ api.Subscriptions = (*alerter)(nil)

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{api.ErrInvalid}, args...)...)
}

// CreateSubscription validates a subscription and stores it.
func (a *alerter) CreateSubscription(r api.SubscriptionRequest) (api.Subscription, error) {
	r.Name = strings.TrimSpace(r.Name)
	if r.Name == "" {
		return api.Subscription{}, invalidf("name: required")
	}
	if strings.TrimSpace(r.Query) == "" && len(r.Components) == 0 && len(r.Entities) == 0 {
		return api.Subscription{}, invalidf("query: required unless entities or components narrow the subscription")
	}
	if err := index.ValidateQuery(context.Background(), r.Query); err != nil {
		return api.Subscription{}, invalidf("query: %v", err)
	}
	for _, c := range r.Components {
		if !index.ValidComponent(c) {
			return api.Subscription{}, invalidf("components: unknown component %q (want one of %s)", c, strings.Join(index.Components, ", "))
		}
	}
	for _, e := range r.Entities {
		if !slices.ContainsFunc(a.cfg.Watch, func(w WatchConfig) bool { return w.Name == e }) {
			return api.Subscription{}, invalidf("entities: %q is not on the watch list", e)
		}
	}
	if r.WebhookURL != "" {
		u, err := url.Parse(r.WebhookURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return api.Subscription{}, invalidf("webhook_url: %q is not an absolute http or https URL", r.WebhookURL)
		}
	}
	sub, err := a.store.AddSubscription(store.Subscription{
		Name: r.Name, Query: r.Query, Components: orEmpty(r.Components), Entities: orEmpty(r.Entities),
		WebhookURL: r.WebhookURL, Created: a.now().UTC(),
	})
	return apiSubscription(sub), err
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func apiSubscription(s store.Subscription) api.Subscription {
	return api.Subscription{ID: s.ID, Name: s.Name, Query: s.Query, Components: orEmpty(s.Components),
		Entities: orEmpty(s.Entities), WebhookURL: s.WebhookURL, Created: s.Created}
}

// ListSubscriptions lists every subscription.
func (a *alerter) ListSubscriptions() ([]api.Subscription, error) {
	subs, err := a.store.Subscriptions()
	out := make([]api.Subscription, 0, len(subs))
	for _, s := range subs {
		out = append(out, apiSubscription(s))
	}
	return out, err
}

// GetSubscription returns one subscription.
func (a *alerter) GetSubscription(id string) (api.Subscription, error) {
	s, err := a.store.Subscription(id)
	if errors.Is(err, store.ErrNotFound) {
		return api.Subscription{}, fmt.Errorf("%w: %v", api.ErrNotFound, err)
	}
	return apiSubscription(s), err
}

// DeleteSubscription deletes a subscription and its alerts.
func (a *alerter) DeleteSubscription(id string) error {
	err := a.store.DeleteSubscription(id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %v", api.ErrNotFound, err)
	}
	return err
}

// Alerts lists alerts with their documents.
func (a *alerter) Alerts(sub, after string, limit int) ([]api.Alert, string, error) {
	if after != "" && strings.Trim(after, "0123456789") != "" {
		return nil, "", invalidf("after: %q is not a cursor from this API", after)
	}
	alerts, next, err := a.store.Alerts(sub, after, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]api.Alert, 0, len(alerts))
	for _, al := range alerts {
		d, err := a.index.Get(context.Background(), al.Document)
		if err != nil {
			return nil, "", err
		}
		out = append(out, api.Alert{ID: al.ID, Subscription: al.Subscription, Created: al.Created, Document: index.HitOf(d)})
	}
	return out, next, nil
}

// percolate matches documents just indexed (new or changed) against every
// subscription. A subscription only alerts on documents first indexed
// after it was created, and once per document.
func (a *alerter) percolate(ctx context.Context, docs []index.Document) (int, error) {
	subs, err := a.store.Subscriptions()
	if err != nil || len(subs) == 0 || len(docs) == 0 {
		return 0, err
	}
	standing := make([]index.Standing, len(subs))
	created := map[string]time.Time{}
	for i, s := range subs {
		standing[i] = index.Standing{ID: s.ID, Q: s.Query, Components: s.Components, Entities: s.Entities}
		created[s.ID] = s.Created
	}
	fetched := map[string]time.Time{}
	for _, d := range docs {
		fetched[d.ID] = d.Fetched
	}
	matched, failed, err := index.Percolate(ctx, docs, standing)
	if err != nil {
		return 0, err
	}
	for id, ferr := range failed {
		a.log.Warn("subscription query failed; skipped", slog.String("subscription", id), slog.Any("error", ferr))
	}
	var matches []store.Match
	for subID, ids := range matched {
		for _, id := range ids {
			if fetched[id].After(created[subID]) {
				matches = append(matches, store.Match{Subscription: subID, Document: id})
			}
		}
	}
	added, err := a.store.AddAlerts(matches, a.now())
	if len(added) > 0 {
		a.log.Info("alerts raised", slog.Int("alerts", len(added)))
	}
	return len(added), err
}
