package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/techintel/techintel/cmd/techintel/internal/cluster"
	"github.com/techintel/techintel/cmd/techintel/internal/gather"
	"github.com/techintel/techintel/cmd/techintel/internal/metrics"
	"github.com/techintel/techintel/cmd/techintel/internal/netguard"
	"github.com/techintel/techintel/cmd/techintel/internal/schedule"
)

// cmdWorker runs the fetch side of a cluster: it pulls the runs serve
// publishes, fetches and parses them, and publishes the documents for
// serve to index. It needs [http] and [cluster] from the config and never
// opens a data directory, so that it runs on any machine.
func cmdWorker(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("worker", stderr)
	configPath := fs.String("config", "", "config file (TOML) with a [cluster] table")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfigFlag(*configPath)
	if err != nil {
		return err
	}
	if !cfg.Cluster.enabled() {
		return &usageError{msg: "worker: needs [cluster] nats_url in the config"}
	}
	log := newLogger(stderr)
	conn, err := connectCluster(ctx, cfg, "worker", log)
	if err != nil {
		return err
	}
	defer conn.Close()
	fetcher := gather.NewFetcher(gather.Options{
		Transport: netguard.NewTransport(cfg.HTTP.AllowPrivateNetworks, cfg.HTTP.Timeout.D()),
		UserAgent: cfg.HTTP.UserAgent, Timeout: cfg.HTTP.Timeout.D(), MaxBodyBytes: cfg.HTTP.MaxBodyBytes,
		Logger: log,
	})
	m := metrics.New()
	if addr := cfg.Cluster.MetricsListen; addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("cluster.metrics_listen: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", m.Handler())
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		log.Info("serving metrics", slog.String("addr", ln.Addr().String()))
	}
	log.Info("worker started", slog.String("nats_url", cfg.Cluster.NatsURL), slog.Int("runs", workerRuns(cfg)))
	err = conn.RunWorker(ctx, cluster.WorkerOptions{Fetcher: fetcher, Runs: workerRuns(cfg), MaxRunsPerHost: cfg.HTTP.MaxRunsPerHost,
		OnRun: func(job gather.Job) func(error) { return m.RunStarted(job.Source, job.Kind) }})
	log.Info("worker stopped")
	return err
}

// workerRuns is how many runs a worker makes at once.
func workerRuns(cfg *Config) int {
	if cfg.Cluster.WorkerRuns > 0 {
		return cfg.Cluster.WorkerRuns
	}
	return schedule.MaxConcurrentRuns
}
