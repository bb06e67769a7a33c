package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/api/web"
	"github.com/techintel/techintel/cmd/techintel/internal/metrics"
	"github.com/techintel/techintel/cmd/techintel/internal/netguard"
	"github.com/techintel/techintel/cmd/techintel/internal/webhooks"
)

// cmdServe runs the scheduler and the HTTP API until SIGINT or SIGTERM,
// then finishes or cancels work in flight, flushes the index and returns.
func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	configPath := fs.String("config", "", "config file (TOML)")
	replica := fs.Bool("replica", false, "a search replica of a cluster: index the documents stream, serve reads, run nothing")
	repair := fs.Bool("repair", false, "move a damaged index or state store aside and start afresh, rebuilding what can be")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfigFlag(*configPath)
	if err != nil {
		return err
	}
	log := newLogger(stderr)
	if err := datadir.Check(cfg.DataDir, *repair, log); err != nil {
		return err
	}
	o := engineOptions{Config: cfg, Log: log, ReplayJournal: true, Schedule: !*replica, ReloadPath: *configPath, Replica: *replica,
		Metrics: metrics.New()}
	if *replica && !cfg.Cluster.enabled() {
		return &usageError{msg: "serve -replica: needs [cluster] nats_url in the config"}
	}
	if cfg.Cluster.enabled() {
		conn, err := connectCluster(ctx, cfg, "serve", log)
		if err != nil {
			return err
		}
		defer conn.Close()
		if !*replica {
			o.Publish = publishRun(conn, o.Metrics)
		}
		o.Consume = consumeBatches(conn, consumerName(cfg.Cluster, *replica), o.Metrics)
		clusterGauges(o.Metrics, conn, consumerName(cfg.Cluster, *replica))
	}
	return serve(ctx, cfg, newEngine(o), log, nil)
}

// serve opens e (the scheduler and the webhook worker with it unless it
// was opened already) and serves the API on cfg.API.Listen until ctx
// ends, then stops the API and closes e. ready, if set, is called with
// the listening address.
func serve(ctx context.Context, cfg *Config, e *engine, log *slog.Logger, ready func(addr string)) (err error) {
	defer func() {
		if cerr := e.Close(context.WithoutCancel(ctx)); cerr != nil && err == nil {
			err = cerr
		}
	}()
	tokens, err := apiTokens(cfg.API.Tokens)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.API.Listen)
	if err != nil {
		return fmt.Errorf("api.listen: %w", err)
	}
	ln = api.LimitListener(ln, cfg.API.MaxConnsPerIP)
	if err := e.Open(ctx); err != nil {
		ln.Close()
		return err
	}
	g := e.g
	handler := apiHandlerFor(g, cfg.API, tokens)
	if e.o.Replica {
		handler = readOnly(handler)
	}
	if m := e.o.Metrics; m != nil {
		engineGauges(m, g)
		handler = m.Serve(handler)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// A slow reader is cut here; running a source and writing a
		// backup extend their own deadline (api.LongWrite).
		WriteTimeout: time.Minute,
		IdleTimeout:  2 * time.Minute,
		ErrorLog:     slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:  func(net.Listener) context.Context { return ctx },
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("serving", slog.String("addr", ln.Addr().String()), slog.Int("sources", len(cfg.Sources)))
	if ready != nil {
		ready(ln.Addr().String())
	}

	select {
	case <-ctx.Done():
	case err = <-serveErr:
		log.Error("api server stopped", slog.Any("error", err))
	}
	log.Info("shutting down: finishing requests, cancelling runs in flight")
	// The API stops first, so that no request reaches an engine that is
	// closing; then Close stops the engine's goroutines in order.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if serr := srv.Shutdown(shutdownCtx); serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		log.Warn("api shutdown", slog.Any("error", serr))
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	if cerr := e.Close(context.WithoutCancel(ctx)); cerr != nil && err == nil {
		err = cerr
	}
	log.Info("stopped")
	return err
}

// apiTokens turns the configured tokens into what the API checks.
func apiTokens(cfg []TokenConfig) ([]api.Token, error) {
	out := make([]api.Token, 0, len(cfg))
	for _, t := range cfg {
		tok := api.Token{Name: t.Name, Admin: t.Scope == scopeAdmin}
		if t.Token != "" {
			tok.SHA256 = sha256.Sum256([]byte(t.Token))
		} else {
			b, err := hex.DecodeString(t.TokenSHA256)
			if err != nil || len(b) != sha256.Size {
				return nil, configErrorf("api.tokens (%s).token_sha256: not 64 hex digits", t.Name)
			}
			copy(tok.SHA256[:], b)
		}
		out = append(out, tok)
	}
	return out, nil
}

// apiHandler is the API and the web pages over a gatherer's index,
// sources and subscriptions, with no rate limit and no CORS.
func apiHandler(g *Gatherer, tokens ...api.Token) http.Handler {
	return api.New(apiOptions(g, tokens))
}

// apiHandlerFor is the API as serve runs it: with the [api] rate limit
// and CORS origins.
func apiHandlerFor(g *Gatherer, cfg APIConfig, tokens []api.Token) http.Handler {
	o := apiOptions(g, tokens)
	o.RateLimit = api.RateLimit{PerSecond: cfg.RateLimit, Burst: cfg.RateBurst}
	o.CORSOrigins = cfg.CORSOrigins
	o.AllowedHosts = allowedHosts(cfg)
	o.Backups = g
	return api.New(o)
}

// allowedHosts are the Host names serve answers to: the listen address
// and api.allowed_hosts (the API adds the loopback names). A wildcard
// listen address accepts every IP literal and this machine's name.
func allowedHosts(cfg APIConfig) []string {
	hosts := append([]string{}, cfg.AllowedHosts...)
	host, _, _ := net.SplitHostPort(cfg.Listen)
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		hosts = append(hosts, "*")
		if name, err := os.Hostname(); err == nil {
			hosts = append(hosts, name)
		}
		return hosts
	}
	return append(hosts, host)
}

func apiOptions(g *Gatherer, tokens []api.Token) api.Options {
	o := api.Options{
		Searcher: api.WithSearchTimeout(g.index, time.Duration(g.cfg.API.SearchTimeout)), Sources: g, Subs: g.alerts, Tokens: tokens, Logger: g.log,
		Digests:  digester{cfg: g.cfg, watch: g.watch, index: g.index, now: time.Now, reviews: g.store},
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
func webhookOptions(cfg *Config, d *datadir.Dir, log *slog.Logger) webhooks.Options {
	return webhooks.Options{Store: d.Store, Index: d.Index, UserAgent: cfg.HTTP.UserAgent, Logger: log,
		Transport: netguard.NewTransport(cfg.HTTP.AllowPrivateNetworks, webhooks.Timeout)}
}

// newWebhookWorker is the webhook worker serve runs.
func newWebhookWorker(cfg *Config, d *datadir.Dir, log *slog.Logger) *webhooks.Worker {
	return webhooks.New(webhookOptions(cfg, d, log))
}
