package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/cmd/techintel/internal/cluster"
	"github.com/techintel/techintel/cmd/techintel/internal/metrics"
	"github.com/techintel/techintel/index/store"
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

// publishRun is the scheduler's run in a cluster: the source's job, with
// what the store knows, goes to the jobs stream for the given slot.
func publishRun(conn *cluster.Conn, m *metrics.Metrics) func(ctx context.Context, g *Gatherer, name string, slot time.Time) error {
	return func(ctx context.Context, g *Gatherer, name string, slot time.Time) error {
		src, ok := g.cfg.source(name)
		if !ok {
			return fmt.Errorf("publish %q: %w", name, api.ErrUnknownSource)
		}
		if st, err := g.store.Source(name); err == nil && time.Now().Before(st.BackoffUntil) {
			g.log.Info("skipping scheduled run: backing off after failures", slog.String("source", name),
				slog.Time("until", st.BackoffUntil))
			return nil
		}
		job, err := g.job(src)
		if err != nil {
			return err
		}
		err = conn.PublishJob(ctx, cluster.Job{Job: job, Slot: slot})
		if errors.Is(err, cluster.ErrDuplicate) {
			g.log.Info("run already queued for this slot", slog.String("source", name), slog.Time("slot", slot))
			return nil
		}
		if err == nil && m != nil {
			m.Runs.WithLabelValues(name, "queued").Inc()
		}
		return err
	}
}

// consumeBatches is the commit side of a cluster: the documents stream,
// through the durable consumer, into g, each run's outcome recorded on
// its source when its final batch arrives, and the stream sequence
// committed recorded in the store. A consumer created now (a new replica)
// starts after the sequence the data directory holds: a backup's.
func consumeBatches(conn *cluster.Conn, durable string, m *metrics.Metrics) func(ctx context.Context, g *Gatherer) error {
	return func(ctx context.Context, g *Gatherer) error {
		seq, err := g.store.StreamSeq()
		if err != nil {
			return err
		}
		return conn.RunIndexer(ctx, cluster.IndexerOptions{Durable: durable, StartSeq: seq + 1,
			Commit: func(ctx context.Context, ds []cluster.Delivery) error {
				// Sources commit side by side, so that the group committer
				// makes one index batch and one bbolt transaction of
				// them; one source's batches stay in stream order.
				bySource := map[string][]cluster.Delivery{}
				for _, d := range ds {
					bySource[d.Batch.Source] = append(bySource[d.Batch.Source], d)
				}
				var wg sync.WaitGroup
				errs := make([]error, 0, len(bySource))
				var mu sync.Mutex
				for _, sds := range bySource {
					wg.Go(func() {
						for _, d := range sds {
							if err := g.commitDelivery(ctx, d, m); err != nil {
								mu.Lock()
								errs = append(errs, err)
								mu.Unlock()
								return
							}
						}
					})
				}
				wg.Wait()
				if err := errors.Join(errs...); err != nil {
					return err
				}
				// Recorded after the commit: a backup between the two
				// replays a batch, which the upsert makes harmless.
				return g.store.SetStreamSeq(ds[len(ds)-1].StreamSeq)
			}})
	}
}

// commitDelivery commits one batch a worker fetched.
func (g *Gatherer) commitDelivery(ctx context.Context, d cluster.Delivery, m *metrics.Metrics) error {
	src, ok := g.cfg.source(d.Batch.Source)
	if !ok {
		g.log.Warn("a batch of a source not in the config is skipped", slog.String("source", d.Batch.Source),
			slog.String("job", d.JobID))
		return nil
	}
	res := api.RunResult{Source: src.Name, Errors: []string{}}
	if err := g.commit(ctx, src, d.Batch, &res); err != nil {
		return fmt.Errorf("commit %s#%d: %w", d.JobID, d.Seq, err)
	}
	var runErr error
	if d.Err != "" {
		runErr = errors.New(d.Err)
	}
	if m != nil {
		m.DocumentsIndexed.Add(float64(res.New + res.Updated))
		if d.Batch.Final {
			outcome := "done"
			if runErr != nil {
				outcome = "failed"
			}
			m.Runs.WithLabelValues(src.Name, outcome).Inc()
		}
	}
	if !d.Batch.Final {
		return nil
	}
	start := d.Started
	if start.IsZero() {
		start = g.now()
	}
	err := g.store.UpdateSource(src.Name, func(st *store.SourceState) {
		st.LastRun = start.UTC()
		if !d.Batch.NotModified {
			st.ItemsSeen = d.Batch.Seen
		}
		if runErr != nil {
			st.LastError = runErr.Error()
			st.ConsecutiveFailures++
			st.BackoffUntil = g.now().Add(backoffDelay(st.ConsecutiveFailures, 0, jitter())).UTC()
			return
		}
		st.LastSuccess = start.UTC()
		st.LastError = ""
		st.ConsecutiveFailures = 0
		st.BackoffUntil = time.Time{}
	})
	level := slog.LevelInfo
	if runErr != nil {
		level = slog.LevelWarn
	}
	g.log.Log(ctx, level, "source run finished", slog.String("source", src.Name), slog.String("job", d.JobID),
		slog.String("worker", d.Worker), slog.Int("fetched", res.Fetched), slog.Int("new", res.New),
		slog.Int("updated", res.Updated), slog.Any("error", runErr))
	return err
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

// engineGauges are the index size, the webhook outbox's depth and its
// failed deliveries, read at each scrape.
func engineGauges(m *metrics.Metrics, g *Gatherer) {
	m.Gauge("techintel_index_documents", "Documents in the index.", func() (float64, error) {
		n, err := g.index.Count()
		return float64(n), err
	})
	outbox := func(field func(store.DeliveryStats) int) func() (float64, error) {
		return func() (float64, error) {
			stats, err := g.store.DeliveryStats()
			total := 0
			for _, s := range stats {
				total += field(s)
			}
			return float64(total), err
		}
	}
	m.Gauge("techintel_outbox_pending", "Webhook deliveries waiting in the outbox.", outbox(func(s store.DeliveryStats) int { return s.Pending }))
	m.Gauge("techintel_webhook_failed", "Webhook deliveries that failed.", outbox(func(s store.DeliveryStats) int { return s.Failed }))
}
