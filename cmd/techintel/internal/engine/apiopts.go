package engine

import "github.com/techintel/techintel/api/web"

import "github.com/techintel/techintel/cmd/techintel/internal/datadir"

import "github.com/techintel/techintel/cmd/techintel/internal/netguard"

import "github.com/techintel/techintel/cmd/techintel/internal/webhooks"

import "time"

import "github.com/techintel/techintel/api"

import "log/slog"

// APIOptions are the API and web pages over g: its index, sources,
// subscriptions, digests, entities and reviews (serve adds rate limits,
// CORS and backups).
func (g *Gatherer) APIOptions(tokens []api.Token) api.Options {
	o := api.Options{
		Searcher: api.WithSearchTimeout(g.index, g.cfg.SearchTimeout), SearchTimeout: g.cfg.SearchTimeout,
		Sources: g, Subs: g.alerts, Tokens: tokens, Logger: g.log,
		Digests:  g.digester(time.Now),
		Entities: insight{watch: g.watch, index: g.index, now: time.Now},
		Reviews:  reviewer{watch: g.watch, index: g.index, store: g.store, now: time.Now},
	}
	pages, err := web.New(web.Options{
		Searcher: o.Searcher, Sources: o.Sources, Subs: o.Subs, Digests: o.Digests, Entities: o.Entities,
		Tokens: tokens, Logger: g.log, Reviews: o.Reviews,
		History: func(source, url string) ([]web.Change, error) {
			h, err := g.store.PageHistory(source, url)
			out := make([]web.Change, len(h))
			for i, c := range h {
				out[i] = web.Change{At: c.At, OldLength: c.OldLength, NewLength: c.NewLength}
			}
			return out, err
		},
	})
	if err != nil {
		// The templates are embedded, so this is a bug that tests catch;
		// the JSON API still works without the pages.
		g.log.Error("web pages disabled", slog.Any("error", err))
	} else {
		o.Pages = pages
	}
	return o
}

// webhookOptions turns the configuration into the webhook worker's
// options: its requests go through the fetchers' SSRF-guarded transport.
func webhookOptions(cfg *Settings, d *datadir.Dir, log *slog.Logger) webhooks.Options {
	return webhooks.Options{Store: d.Store, Index: d.Index, UserAgent: cfg.HTTP.UserAgent, Logger: log,
		Transport: netguard.NewTransport(cfg.HTTP.AllowPrivateNetworks, webhooks.Timeout)}
}

// newWebhookWorker is the webhook worker serve runs.
func newWebhookWorker(cfg *Settings, d *datadir.Dir, log *slog.Logger) *webhooks.Worker {
	return webhooks.New(webhookOptions(cfg, d, log))
}
