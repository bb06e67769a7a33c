package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/techintel/techintel/cmd/techintel/internal/cluster"
	"github.com/techintel/techintel/cmd/techintel/internal/cluster/natstest"
	"github.com/techintel/techintel/cmd/techintel/internal/engine"
	"github.com/techintel/techintel/cmd/techintel/internal/gather"
	"github.com/techintel/techintel/cmd/techintel/internal/metrics"
	"github.com/techintel/techintel/cmd/techintel/internal/netguard"
	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/store"
)

// clusterFeeds serves /feed/N with items items each; /feed/broken is a 404.
func clusterFeeds(t *testing.T, items *atomic.Int32) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/feed/") || r.URL.Path == "/feed/broken" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title>`, r.URL.Path)
		for i := range int(items.Load()) {
			fmt.Fprintf(w, `<item><guid>%[1]s-%[2]d</guid><title>Nokia item %[2]d of %[1]s</title><link>%[3]s%[1]s/%[2]d</link>
<description>Nokia radio news number %[2]d.</description></item>`, r.URL.Path, i, srv.URL)
		}
		fmt.Fprint(w, `</channel></rss>`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func clusterConfig(t *testing.T, natsURL, feedURL string, feeds int) *Config {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "[http]\nallow_private_networks = true\n[cluster]\nnats_url = %q\n[[watch]]\nname = \"Nokia\"\nrole = \"own\"\n", natsURL)
	for i := range feeds {
		fmt.Fprintf(&b, "[[sources]]\nname = \"feed-%d\"\ntype = \"feed\"\nurl = \"%s/feed/%d\"\nschedule = \"@every 1h\"\n", i, feedURL, i)
	}
	fmt.Fprintf(&b, "[[sources]]\nname = \"broken\"\ntype = \"feed\"\nurl = \"%s/feed/broken\"\nschedule = \"@every 1h\"\n", feedURL)
	cfg, err := ParseConfig(b.String())
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	cfg.BackupDir = filepath.Join(t.TempDir(), "backups")
	return cfg
}

// openClusterEngine opens an engine as serve (or serve -replica) runs it
// in a cluster, closed with the test.
func openClusterEngine(t *testing.T, cfg *Config, replica bool) (*engine.Engine, *cluster.Conn) {
	t.Helper()
	log := newLogger(io.Discard)
	conn, err := connectCluster(t.Context(), cfg, "serve", log)
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New()
	o := engine.Options{Settings: cfg.settings(), Log: log, Schedule: !replica, Replica: replica, Metrics: m,
		Consume: engine.ConsumeBatches(conn, consumerName(cfg.Cluster, replica), m)}
	if !replica {
		o.Publish = engine.PublishRun(conn, m)
	}
	clusterGauges(m, conn, consumerName(cfg.Cluster, replica))
	e := engine.New(o)
	if err := e.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	engine.Gauges(m, e.Gatherer())
	t.Cleanup(func() {
		if err := e.Close(context.Background()); err != nil {
			t.Errorf("close: %v", err)
		}
		_ = conn.Close()
	})
	return e, conn
}

// startWorker runs `techintel worker`'s loop for cfg until the test ends.
func startWorker(t testing.TB, cfg *Config) {
	t.Helper()
	conn, err := connectCluster(t.Context(), cfg, "worker", newLogger(io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	f := gather.NewFetcher(gather.Options{Transport: netguard.NewTransport(true, time.Minute), UserAgent: cfg.HTTP.UserAgent,
		Timeout: time.Minute, MaxBodyBytes: cfg.HTTP.MaxBodyBytes})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := conn.RunWorker(ctx, cluster.WorkerOptions{Fetcher: f, Runs: workerRuns(cfg), MaxRunsPerHost: cfg.HTTP.MaxRunsPerHost}); err != nil {
			t.Errorf("worker: %v", err)
		}
	})
	t.Cleanup(func() { cancel(); wg.Wait(); _ = conn.Close() })
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after 90s", what)
		}
		time.Sleep(20 * time.Millisecond) // polling for an event, not a timing window
	}
}

func docCount(t *testing.T, ix *index.Index) int {
	t.Helper()
	n, err := ix.Count()
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// serve with [cluster]: its scheduler publishes the overdue sources, two
// workers fetch them, serve indexes the documents stream and records each
// run on its source; a replica started from a backup of serve's data
// directory consumes the stream from the backup's sequence on, and
// answers searches as the primary does.
func TestClusterServeWorkersReplica(t *testing.T) {
	ns := natstest.Start(t)
	var items atomic.Int32
	items.Store(4)
	feeds := clusterFeeds(t, &items)
	const n = 12
	cfg := clusterConfig(t, ns.URL(), feeds.URL, n)
	primary, conn := openClusterEngine(t, cfg, false)
	startWorker(t, cfg)
	startWorker(t, cfg)
	waitFor(t, "every run recorded on its source", func() bool {
		for _, src := range cfg.Sources {
			st, err := primary.Gatherer().Store().Source(src.Name)
			if err != nil || st.LastRun.IsZero() {
				return false
			}
		}
		return true
	})
	if got := docCount(t, primary.Gatherer().Index()); got != n*4 {
		t.Fatalf("primary: %d documents, want %d", got, n*4)
	}
	st, _ := primary.Gatherer().Store().Source("feed-3")
	if st.LastSuccess.IsZero() || st.LastError != "" || st.ItemsSeen != 4 {
		t.Errorf("feed-3 after its run: %+v", st)
	}
	st, _ = primary.Gatherer().Store().Source("broken")
	if st.LastError == "" || st.ConsecutiveFailures != 1 || st.BackoffUntil.IsZero() {
		t.Errorf("broken after its run: %+v, want the failure recorded with a backoff", st)
	}

	// What Prometheus sees of that round.
	scrape := func() string {
		rec := httptest.NewRecorder()
		primary.Options().Metrics.Serve(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		return rec.Body.String()
	}
	waitFor(t, "the consumer lag at 0 in /metrics", func() bool { return strings.Contains(scrape(), "techintel_consumer_lag 0\n") })
	text := scrape()
	for _, want := range []string{
		`techintel_runs_total{outcome="queued",source="feed-3"} 1`,
		`techintel_runs_total{outcome="done",source="feed-3"} 1`,
		`techintel_runs_total{outcome="failed",source="broken"} 1`,
		fmt.Sprintf("techintel_documents_indexed_total %d\n", n*4),
		fmt.Sprintf("techintel_index_documents %d\n", n*4),
		"techintel_jobs_queued 0\n",
		"techintel_outbox_pending 0\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	// A subscription with a webhook, in the backup the replica starts
	// from: the primary alerts on the second round and queues its
	// webhooks; the replica, which has the subscription too, neither.
	hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(hooks.Close)
	sub, err := primary.Gatherer().Store().AddSubscription(store.Subscription{Name: "nokia", Query: "nokia", Components: []string{},
		Entities: []string{}, WebhookURL: hooks.URL, Created: time.Now().UTC()})
	if err != nil {
		t.Fatal(err)
	}
	backupDir := filepath.Join(backupRoot(cfg), "replica-seed")
	if _, err := primary.Gatherer().Backup(t.Context(), "replica-seed"); err != nil {
		t.Fatal(err)
	}
	backupSeq, err := primary.Gatherer().Store().StreamSeq()
	if err != nil || backupSeq == 0 {
		t.Fatalf("the primary's stream sequence: %d, %v", backupSeq, err)
	}
	// A second round, as the scheduler publishes it at the next slot;
	// the broken source is backing off and not published.
	items.Store(6)
	slot := time.Now().Add(time.Hour).Truncate(time.Hour)
	for i := range n {
		if err := engine.PublishRun(conn, nil)(t.Context(), primary.Gatherer(), fmt.Sprintf("feed-%d", i), slot); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the second round indexed", func() bool { return docCount(t, primary.Gatherer().Index()) == n*6 })
	waitFor(t, "the second round recorded", func() bool {
		seq, err := primary.Gatherer().Store().StreamSeq()
		return err == nil && seq == backupSeq+n
	})

	rcfg := *cfg
	rcfg.DataDir = backupDir
	replica, rconn := openClusterEngine(t, &rcfg, true)
	waitFor(t, "the replica caught up", func() bool { return docCount(t, replica.Gatherer().Index()) == n*6 })
	if got, err := rconn.Delivered(t.Context(), consumerName(rcfg.Cluster, true)); err != nil || got != n {
		t.Errorf("the replica was handed %d messages (%v), want the %d after its backup", got, err, n)
	}
	for _, q := range []index.Query{{Q: "nokia", Limit: 100}, {Q: `"item 5"`, Limit: 100}, {Sources: []string{"feed-7"}}} {
		pr, err := primary.Gatherer().Index().Search(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		rr, err := replica.Gatherer().Index().Search(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		if pr.Total == 0 || pr.Total != rr.Total || !slices.Equal(sortedIDs(pr), sortedIDs(rr)) {
			t.Errorf("query %+v: primary %d hits, replica %d", q, pr.Total, rr.Total)
		}
	}
	alertsOf := func(e *engine.Engine) int {
		alerts, _, err := e.Gatherer().Store().Alerts(sub.ID, "", 1000)
		if err != nil {
			t.Fatal(err)
		}
		return len(alerts)
	}
	deliveries := func(e *engine.Engine) int {
		stats, err := e.Gatherer().Store().DeliveryStats()
		if err != nil {
			t.Fatal(err)
		}
		s := stats[sub.ID]
		return s.Pending + s.Delivered + s.Failed
	}
	if alertsOf(primary) == 0 || deliveries(primary) == 0 {
		t.Errorf("the primary raised %d alerts and queued %d webhooks for the second round, want some of each",
			alertsOf(primary), deliveries(primary))
	}
	if n, d := alertsOf(replica), deliveries(replica); n != 0 || d != 0 {
		t.Errorf("the replica raised %d alerts and queued %d webhooks: only the primary alerts", n, d)
	}
	// The replica's API reads, and refuses what belongs to the primary.
	h := readOnly(apiHandler(replica.Gatherer()))
	for _, tc := range []struct {
		method, path string
		want         int
	}{{"GET", "/api/v1/search?q=nokia", 200}, {"POST", "/api/v1/sources/feed-1/run", 405}} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		if rec.Code != tc.want {
			t.Errorf("replica %s %s: %d, want %d", tc.method, tc.path, rec.Code, tc.want)
		}
	}
}

func sortedIDs(r *index.Result) []string {
	ids := make([]string, len(r.Hits))
	for i, h := range r.Hits {
		ids[i] = h.ID
	}
	slices.Sort(ids)
	return ids
}

func TestClusterConfigErrors(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"[cluster]\ncreds_file = \"x.creds\"\n", "cluster.creds_file: set without cluster.nats_url"},
		{"[cluster]\nnats_url = \"localhost:4222\"\n", "cluster.nats_url"},
		{"[cluster]\nnats_url = \"nats://a:4222\"\ntls_cert = \"c.pem\"\n", "cluster.tls_cert and cluster.tls_key"},
		{"[cluster]\nnats_url = \"nats://a:4222\"\nlease_ttl = \"10ms\"\n", "cluster.lease_ttl"},
		{"[cluster]\nnats_url = \"nats://a:4222\"\nnats_urll = \"x\"\n", "nats_urll"},
	} {
		_, err := ParseConfig(tc.text)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error naming %s", tc.text, err, tc.want)
		}
	}
	if _, err := ParseConfig("[cluster]\nnats_url = \"nats://a:4222, nats://b:4222\"\nworker_runs = 4\n"); err != nil {
		t.Errorf("a valid [cluster]: %v", err)
	}
}

// Two serves (a primary and a standby, each with its own data directory)
// start their schedules on one cluster: every overdue source is queued
// once, not twice, as both publish the same slot.
func TestClusterStandbySchedulerQueuesOnce(t *testing.T) {
	ns := natstest.Start(t)
	var items atomic.Int32
	feeds := clusterFeeds(t, &items)
	const n = 7
	cfg := clusterConfig(t, ns.URL(), feeds.URL, n)
	var conn *cluster.Conn
	var attempts atomic.Int32
	for i, dir := range []string{"primary", "standby"} {
		c := *cfg
		c.DataDir = filepath.Join(t.TempDir(), dir)
		cc, err := connectCluster(t.Context(), &c, "serve", newLogger(io.Discard))
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			conn = cc
		}
		publish := engine.PublishRun(cc, nil)
		// No worker runs and no consumer: the queue keeps what both
		// schedulers published.
		e := engine.New(engine.Options{Settings: c.settings(), Log: newLogger(io.Discard), Schedule: true,
			Publish: func(ctx context.Context, g *engine.Gatherer, name string, slot time.Time) error {
				defer attempts.Add(1)
				return publish(ctx, g, name, slot)
			}})
		if err := e.Open(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = e.Close(context.Background()); _ = cc.Close() })
	}
	waitFor(t, "both schedulers published every overdue source", func() bool { return attempts.Load() == 2*(n+1) })
	queued, err := conn.JobsPending(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if queued != n+1 {
		t.Fatalf("%d jobs queued, want %d (each overdue source once)", queued, n+1)
	}
}
