package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
	"github.com/techintel/techintel/cmd/techintel/internal/engine"
	"github.com/techintel/techintel/cmd/techintel/internal/metrics"
)

// cmdServe runs the scheduler and the HTTP API until SIGINT or SIGTERM,
// then finishes or cancels work in flight, flushes the index and returns.
func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	configPath := fs.String("config", "", "config file (TOML)")
	replica := fs.Bool("replica", false, "a search replica of a cluster: index the documents stream, serve reads, run nothing")
	repair := fs.Bool("repair", false, "move a damaged index or state store aside and start afresh, rebuilding what can be")
	fullCheck := fs.Bool("full-check", false, "at start, read every index segment to verify its checksum, not only those written or changed since the last check")
	var prof profiles
	fs.StringVar(&prof.cpuPath, "cpuprofile", "", "write a CPU profile of serving (from listening to stopping) to this file (go tool pprof)")
	fs.StringVar(&prof.memPath, "memprofile", "", "write a heap profile to this file when serve stops (go tool pprof)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfigFlag(*configPath)
	if err != nil {
		return err
	}
	log := newLogger(stderr)
	if err := datadir.Check(cfg.DataDir, datadir.CheckOptions{Repair: *repair, Full: *fullCheck}, log); err != nil {
		return err
	}
	o := engine.Options{Settings: cfg.settings(), Log: log, ReplayJournal: true, Schedule: !*replica, Reload: reloadFrom(*configPath, cfg), Replica: *replica,
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
			o.Publish = engine.PublishRun(conn, o.Metrics)
		}
		o.Consume = engine.ConsumeBatches(conn, consumerName(cfg.Cluster, *replica), o.Metrics)
		clusterGauges(o.Metrics, conn, consumerName(cfg.Cluster, *replica))
	}
	if err := prof.open(); err != nil {
		return err
	}
	ready := func(string) {
		if err := prof.startCPU(); err != nil {
			log.Warn("cpu profile", slog.Any("error", err))
		}
	}
	err = serve(ctx, cfg, engine.New(o), log, ready)
	if perr := prof.stop(); perr != nil {
		err = errors.Join(err, perr)
	}
	return err
}

// serve opens e (the scheduler and the webhook worker with it unless it
// was opened already) and serves the API on cfg.API.Listen until ctx
// ends, then stops the API and closes e. ready, if set, is called with
// the listening address.
func serve(ctx context.Context, cfg *Config, e *engine.Engine, log *slog.Logger, ready func(addr string)) (err error) {
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
	srv := apiServer(ctx, cfg, e.Gatherer(), tokens, e.Options().Replica, e.Options().Metrics, log)
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

// apiServer is the HTTP server serve runs over g: the API and the pages
// behind serve's guards, rate limit and CORS (apiHandlerFor), read-only on
// a replica, timed by m when set, with serve's timeouts. The listener it
// serves gets the per-address connection cap (api.LimitListener). The
// API's benchmark builds its server here too, so that it measures what
// serve runs.
func apiServer(ctx context.Context, cfg *Config, g *engine.Gatherer, tokens []api.Token, replica bool, m *metrics.Metrics, log *slog.Logger) *http.Server {
	handler := apiHandlerFor(g, cfg.API, tokens)
	if replica {
		handler = readOnly(handler)
	}
	if m != nil {
		engine.Gauges(m, g)
		handler = m.Serve(handler)
	}
	return &http.Server{
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
func apiHandler(g *engine.Gatherer, tokens ...api.Token) http.Handler {
	return api.New(g.APIOptions(tokens))
}

// apiHandlerFor is the API as serve runs it: with the [api] rate limit
// and CORS origins.
func apiHandlerFor(g *engine.Gatherer, cfg APIConfig, tokens []api.Token) http.Handler {
	o := g.APIOptions(tokens)
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
