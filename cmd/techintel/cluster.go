package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/techintel/techintel/cmd/techintel/internal/cluster"
	"github.com/techintel/techintel/cmd/techintel/internal/metrics"
)

// ClusterConfig is the [cluster] table: with nats_url set, serve's
// scheduler publishes due runs to NATS JetStream instead of running them,
// `techintel worker` processes fetch them, and serve (and each
// `serve -replica`) indexes what the workers publish. Without it nothing
// changes.
type ClusterConfig struct {
	NatsURL string `toml:"nats_url"`
	// Name identifies this process to NATS and in host leases (default:
	// the host name and process ID).
	Name string `toml:"name"`
	// CredsFile (JWT and seed), NKeyFile (a seed): NATS authentication.
	CredsFile string `toml:"creds_file"`
	NKeyFile  string `toml:"nkey_file"`
	// TLS: the CA that signed the server's certificate, and a client
	// certificate when the server asks for one.
	TLSCA   string `toml:"tls_ca"`
	TLSCert string `toml:"tls_cert"`
	TLSKey  string `toml:"tls_key"`
	// Replicas of each stream in a NATS cluster (1 on a single server).
	Replicas int `toml:"replicas"`
	// DocsMaxAge is how long the documents stream keeps batches: an
	// indexer or replica down longer must start again from a backup.
	DocsMaxAge Duration `toml:"docs_max_age"`
	// LeaseTTL is how soon a dead worker's host leases come free.
	LeaseTTL Duration `toml:"lease_ttl"`
	// WorkerRuns is how many runs a worker makes at once.
	WorkerRuns int `toml:"worker_runs"`
	// MetricsListen is where a worker serves /metrics (serve serves it
	// on api.listen); empty: none.
	MetricsListen string `toml:"metrics_listen"`
	// Consumer names this indexer's place in the documents stream:
	// "indexer" for serve, and one distinct name per replica (default
	// "replica-" and the host name).
	Consumer string `toml:"consumer"`
}

// enabled says whether the cluster is configured.
func (c ClusterConfig) enabled() bool { return c.NatsURL != "" }

// resolvePaths takes relative file names relative to the config file.
func (c *ClusterConfig) resolvePaths(dir string) {
	for _, p := range []*string{&c.CredsFile, &c.NKeyFile, &c.TLSCA, &c.TLSCert, &c.TLSKey} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
}

func (c ClusterConfig) validate() error {
	if !c.enabled() {
		set := map[string]bool{"creds_file": c.CredsFile != "", "nkey_file": c.NKeyFile != "", "tls_ca": c.TLSCA != "",
			"tls_cert": c.TLSCert != "", "tls_key": c.TLSKey != "", "consumer": c.Consumer != ""}
		for _, k := range []string{"creds_file", "nkey_file", "tls_ca", "tls_cert", "tls_key", "consumer"} {
			if set[k] {
				return configErrorf("cluster.%s: set without cluster.nats_url", k)
			}
		}
		return nil
	}
	for _, u := range strings.Split(c.NatsURL, ",") {
		u = strings.TrimSpace(u)
		if !strings.Contains(u, "://") {
			return configErrorf("cluster.nats_url: %q is not a URL like nats://host:4222", u)
		}
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return configErrorf("cluster.tls_cert and cluster.tls_key: give both or neither")
	}
	if c.CredsFile != "" && c.NKeyFile != "" {
		return configErrorf("cluster.creds_file and cluster.nkey_file: give one")
	}
	if c.Replicas < 0 || c.Replicas > 5 {
		return configErrorf("cluster.replicas: must be between 1 and 5, got %d", c.Replicas)
	}
	if c.DocsMaxAge < 0 || c.LeaseTTL < 0 || c.WorkerRuns < 0 {
		return configErrorf("cluster: docs_max_age, lease_ttl and worker_runs cannot be negative")
	}
	if c.LeaseTTL != 0 && c.LeaseTTL.D() < time.Second {
		return configErrorf("cluster.lease_ttl: at least 1s, got %s", c.LeaseTTL.D())
	}
	return nil
}

// connectCluster connects to NATS as the configuration says.
func connectCluster(ctx context.Context, cfg *Config, role string, log *slog.Logger) (*cluster.Conn, error) {
	c := cfg.Cluster
	name := c.Name
	if name == "" {
		host, _ := os.Hostname()
		name = fmt.Sprintf("%s-%s-%d", role, host, os.Getpid())
	}
	return cluster.Connect(ctx, cluster.Options{URL: c.NatsURL, Name: name, CredsFile: c.CredsFile, NKeyFile: c.NKeyFile,
		TLSCA: c.TLSCA, TLSCert: c.TLSCert, TLSKey: c.TLSKey, Replicas: c.Replicas, DocsMaxAge: c.DocsMaxAge.D(),
		LeaseTTL: c.LeaseTTL.D(), Logger: log.With(slog.String("component", "cluster"))})
}

// consumerName is the durable consumer this serve indexes through.
func consumerName(c ClusterConfig, replica bool) string {
	if c.Consumer != "" {
		return c.Consumer
	}
	if !replica {
		return "indexer"
	}
	host, _ := os.Hostname()
	return "replica-" + strings.Map(func(r rune) rune {
		if r == '.' || r == ' ' || r == '*' || r == '>' {
			return '_'
		}
		return r
	}, host)
}

// readOnly is a replica's API: it answers reads, and refuses writes
// (running a source, subscriptions), which belong to the primary.
func readOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			h.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusMethodNotAllowed)
		fmt.Fprintln(w, `{"error":"this is a read-only search replica: send changes to the primary serve"}`)
	})
}

// clusterGauges are the queue's depth and this indexer's lag, read at
// each scrape.
func clusterGauges(m *metrics.Metrics, conn *cluster.Conn, durable string) {
	m.Gauge("techintel_jobs_queued", "Runs published and not yet done by a worker (the jobs stream).", func() (float64, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		n, err := conn.JobsPending(ctx)
		return float64(n), err
	})
	m.Gauge("techintel_consumer_lag", "Batches of the documents stream this indexer has not committed yet.", func() (float64, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		n, err := conn.Lag(ctx, durable)
		return float64(n), err
	})
}
