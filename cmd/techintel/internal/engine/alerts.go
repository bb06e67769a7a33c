package engine

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
	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
	"github.com/techintel/techintel/cmd/techintel/internal/netguard"
	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/digest"
	"github.com/techintel/techintel/index/store"
)

// Alerter keeps subscriptions and raises their alerts: it implements
// api.Subscriptions over the state store, and percolates every ingest
// batch.
type Alerter struct {
	cfg   *Settings
	watch *liveWatch
	index *index.Index
	store *store.Store
	log   *slog.Logger
	now   func() time.Time
	// off: a search replica's alerter, which raises nothing. Exactly one
	// node, the primary, alerts and sends webhooks; a replica started
	// from the primary's backup holds its subscriptions, and would
	// otherwise fill an outbox of its own with the same alerts.
	off bool
}

var _ api.Subscriptions = (*Alerter)(nil)

// invalidError is a user's mistake in a subscription: its message names
// the field in the user's words, and it matches api.ErrInvalid without
// that word showing.
type invalidError struct{ msg string }

func (e *invalidError) Error() string { return e.msg }
func (e *invalidError) Unwrap() error { return api.ErrInvalid }

func invalidf(format string, args ...any) error {
	return &invalidError{msg: fmt.Sprintf(format, args...)}
}

// validate checks a subscription request.
func (a *Alerter) validate(ctx context.Context, r *api.SubscriptionRequest, needName bool) error {
	r.Name = strings.TrimSpace(r.Name)
	if needName && r.Name == "" {
		return invalidf("name: required")
	}
	if strings.TrimSpace(r.Query) == "" && len(r.Components) == 0 && len(r.Entities) == 0 &&
		len(r.Technologies) == 0 && len(r.Sources) == 0 {
		return invalidf("query: required unless entities, technologies, sources or components narrow the subscription")
	}
	if err := index.ValidateQuery(ctx, r.Query); err != nil {
		return invalidf("query: %v", err)
	}
	if _, err := r.SearchQuery(); err != nil {
		return invalidf("%v", err)
	}
	for _, src := range r.Sources {
		if !slices.ContainsFunc(a.cfg.Sources, func(s Source) bool { return s.Name == src }) {
			return invalidf("sources: no source is named %q", src)
		}
	}
	for _, t := range r.Technologies {
		if !slices.ContainsFunc(a.watch.get().Technologies, func(c Technology) bool { return c.Name == t }) {
			return invalidf("technologies: %q is not a configured technology", t)
		}
	}
	for _, c := range r.Components {
		if !index.ValidComponent(c) {
			return invalidf("components: unknown component %q (want one of %s)", c, strings.Join(index.Components, ", "))
		}
	}
	for _, e := range r.Entities {
		if !a.watch.get().watched(e) {
			return invalidf("entities: %q is not on the watch list", e)
		}
	}
	if r.WebhookURL != "" {
		u, err := url.Parse(r.WebhookURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return invalidf("webhook_url: %q is not an absolute http or https URL", r.WebhookURL)
		}
		// The transport refuses private targets when it connects (names
		// that resolve to one included); a literal one is refused here
		// already, so the mistake shows at once.
		if !a.cfg.HTTP.AllowPrivateNetworks && netguard.PrivateHost(u.Hostname()) {
			return invalidf("webhook_url: %s is a private or reserved address (set http.allow_private_networks = true to allow)", u.Hostname())
		}
	}
	if r.BackfillDays < 0 || r.BackfillDays > maxBackfillDays {
		return invalidf("backfill_days: must be between 1 and %d", maxBackfillDays)
	}
	return nil
}

// Backfill limits.
const (
	defaultBackfillDays = 7
	maxBackfillDays     = 365
	maxBackfillAlerts   = 1000
)

// CreateSubscription validates a subscription and stores it; with
// backfill, it raises alerts for matching documents of the last days too.
func (a *Alerter) CreateSubscription(ctx context.Context, r api.SubscriptionRequest) (api.Subscription, error) {
	if err := a.validate(ctx, &r, true); err != nil {
		return api.Subscription{}, err
	}
	// The backfill is found first and stored with the subscription in
	// one transaction: a crash in between cannot leave the subscription
	// without its alerts.
	var matches []store.Match
	if r.Backfill {
		days := r.BackfillDays
		if days == 0 {
			days = defaultBackfillDays
		}
		q, _ := r.SearchQuery() // validated: every filter of the subscription
		if from := a.now().AddDate(0, 0, -days); from.After(q.Since) {
			q.Since = from
		}
		q.Sort, q.Limit, q.NoFacets = index.SortDate, index.MaxLimit, true
		for len(matches) < maxBackfillAlerts {
			res, err := a.index.Search(ctx, q)
			if err != nil {
				return api.Subscription{}, err
			}
			for _, h := range res.Hits {
				matches = append(matches, store.Match{Document: h.ID})
			}
			if res.Next == "" {
				break
			}
			q.After = res.Next
		}
		// Oldest first, as alerts are listed.
		slices.Reverse(matches)
	}
	sub, _, err := a.store.AddSubscriptionWithAlerts(store.Subscription{
		Name: r.Name, Query: r.Query, Components: orEmpty(r.Components), Entities: orEmpty(r.Entities),
		Technologies: r.Technologies, Sources: r.Sources, Since: r.Since, Until: r.Until,
		WebhookURL: r.WebhookURL, Created: a.now().UTC(),
	}, matches, a.now())
	if err != nil {
		return api.Subscription{}, err
	}
	created := apiSubscription(sub, nil)
	created.WebhookSecret = sub.Secret // shown once, here
	return created, nil
}

// Preview counts what a subscription would have matched in each of the
// last previewWeeks ISO weeks, with a few recent examples.
func (a *Alerter) Preview(ctx context.Context, r api.SubscriptionRequest) (*api.Preview, error) {
	if err := a.validate(ctx, &r, false); err != nil {
		return nil, err
	}
	p := &api.Preview{Weeks: []api.PreviewWeek{}}
	base, _ := r.SearchQuery() // validated
	base.Limit, base.NoFacets = 1, true
	// within narrows base to [from, until), keeping the subscription's own
	// date window; ok is false when the two do not overlap.
	within := func(from, until time.Time) (index.Query, bool) {
		q := base
		if q.Since.Before(from) {
			q.Since = from
		}
		if q.Until.IsZero() || q.Until.After(until) {
			q.Until = until
		}
		return q, q.Until.After(q.Since)
	}
	current, _ := digest.ParseWeek(digest.WeekOf(a.now()))
	for i := previewWeeks - 1; i >= 0; i-- {
		from := current.AddDate(0, 0, -7*i)
		w := api.PreviewWeek{Week: digest.WeekOf(from), From: from}
		if q, ok := within(from, from.AddDate(0, 0, 7)); ok {
			res, err := a.index.Search(ctx, q)
			if err != nil {
				return nil, err
			}
			w.Count = int(res.Total)
		}
		p.Weeks = append(p.Weeks, w)
	}
	p.Examples = []index.Hit{}
	q, ok := within(current.AddDate(0, 0, -7*(previewWeeks-1)), current.AddDate(0, 0, 7))
	if !ok {
		return p, nil
	}
	q.Sort, q.Limit = index.SortDate, 5
	res, err := a.index.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	p.Examples = res.Hits
	return p, nil
}

// previewWeeks is how many weeks a preview covers.
const previewWeeks = 8

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// apiSubscription is a stored subscription as the API shows it, without
// its secret, with its delivery state from stats (by subscription ID).
func apiSubscription(s store.Subscription, stats map[string]store.DeliveryStats) api.Subscription {
	out := api.Subscription{ID: s.ID, Name: s.Name, Query: s.Query, Components: orEmpty(s.Components),
		Entities: orEmpty(s.Entities), Technologies: orEmpty(s.Technologies), Sources: orEmpty(s.Sources),
		Since: s.Since, Until: s.Until, WebhookURL: s.WebhookURL, Created: s.Created}
	if s.WebhookURL != "" {
		st := stats[s.ID]
		out.Delivery = &api.DeliveryStatus{Pending: st.Pending, Delivered: st.Delivered, Failed: st.Failed,
			LastAttempt: timeOrNil(st.LastAttempt), LastSuccess: timeOrNil(st.LastSuccess), LastError: st.LastError}
	}
	return out
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// ListSubscriptions lists every subscription.
func (a *Alerter) ListSubscriptions(ctx context.Context) ([]api.Subscription, error) {
	subs, err := a.store.Subscriptions()
	if err != nil {
		return nil, err
	}
	stats, err := a.store.DeliveryStats()
	if err != nil {
		return nil, err
	}
	out := make([]api.Subscription, 0, len(subs))
	for _, s := range subs {
		out = append(out, apiSubscription(s, stats))
	}
	return out, nil
}

// GetSubscription returns one subscription.
func (a *Alerter) GetSubscription(ctx context.Context, id string) (api.Subscription, error) {
	s, err := a.store.Subscription(id)
	if errors.Is(err, store.ErrNotFound) {
		return api.Subscription{}, fmt.Errorf("%w: %v", api.ErrNotFound, err)
	}
	if err != nil {
		return api.Subscription{}, err
	}
	stats, err := a.store.DeliveryStats()
	return apiSubscription(s, stats), err
}

// DeleteSubscription deletes a subscription and its alerts.
func (a *Alerter) DeleteSubscription(ctx context.Context, id string) error {
	err := a.store.DeleteSubscription(id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %v", api.ErrNotFound, err)
	}
	return err
}

// Alerts lists alerts with their documents.
func (a *Alerter) Alerts(ctx context.Context, sub, after string, limit int) ([]api.Alert, string, error) {
	if after != "" && strings.Trim(after, "0123456789") != "" {
		return nil, "", invalidf("after: %q is not a cursor from this API", after)
	}
	alerts, next, err := a.store.Alerts(sub, after, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]api.Alert, 0, len(alerts))
	for _, al := range alerts {
		var hit index.Hit
		d, err := a.index.Get(ctx, al.Document)
		switch {
		case errors.Is(err, index.ErrNotFound):
			// Gone from the index: the store kept its title and URL
			// as it left (retention's leaving hook).
			hit = index.GoneHit(al.Document, al.URL, al.Title)
		case err != nil:
			return nil, "", err
		default:
			hit = index.HitOf(d)
		}
		out = append(out, api.Alert{ID: al.ID, Subscription: al.Subscription, Created: al.Created, Document: hit})
	}
	return out, next, nil
}

// percolate matches documents just indexed (new or changed) against every
// subscription. A subscription only alerts on documents first indexed
// after it was created, and once per document.
func (a *Alerter) percolate(ctx context.Context, docs []index.Document) (int, error) {
	if a.off {
		return 0, nil
	}
	subs, err := a.store.Subscriptions()
	if err != nil || len(subs) == 0 || len(docs) == 0 {
		return 0, err
	}
	standing := make([]index.Standing, len(subs))
	created := map[string]time.Time{}
	for i, s := range subs {
		req := api.SubscriptionRequest{Query: s.Query, Components: s.Components, Entities: s.Entities,
			Technologies: s.Technologies, Sources: s.Sources, Since: s.Since, Until: s.Until}
		q, err := req.SearchQuery()
		if err != nil {
			// Validated when saved; a stored window that no longer
			// reads is reported, and the rest of the filters still run.
			a.log.Warn("subscription date window unreadable; ignored", slog.String("subscription", s.ID), slog.Any("error", err))
		}
		standing[i] = index.Standing{ID: s.ID, Q: q.Q, Components: q.Components, Entities: q.Entities,
			Technologies: q.Technologies, Sources: q.Sources, Since: q.Since, Until: q.Until, Resolve: a.watch.resolve}
		created[s.ID] = s.Created
	}
	byID := map[string]*index.Document{}
	for i := range docs {
		byID[docs[i].ID] = &docs[i]
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
		// The index keeps times to the second, so a document read back
		// (a journal replay) has lost the fraction its first fetch had:
		// compare at that precision, or a document fetched in the second
		// the subscription was created would alert or not depending on
		// the path it took.
		since := created[subID].Truncate(time.Second)
		for _, id := range ids {
			if d := byID[id]; !d.Fetched.Before(since) {
				matches = append(matches, store.Match{Subscription: subID, Document: id, Story: d.Story})
			}
		}
	}
	added, err := a.store.AddAlerts(matches, a.now())
	if len(added) > 0 {
		a.log.Info("alerts raised", slog.Int("alerts", len(added)))
	}
	return len(added), err
}

// NewAlerter is the subscriptions and alerts over an open data directory
// with s's watch list, for a command that works without serve.
func NewAlerter(s *Settings, d *datadir.Dir, log *slog.Logger) (*Alerter, error) {
	lw, err := newLiveWatch(s)
	if err != nil {
		return nil, err
	}
	d.Index.SetResolver(lw.resolve)
	return &Alerter{cfg: s, watch: lw, index: d.Index, store: d.Store, log: log, now: time.Now}, nil
}
