package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/cmd/techintel/internal/cluster"
	"github.com/techintel/techintel/cmd/techintel/internal/metrics"
	"github.com/techintel/techintel/index/store"
)

// PublishRun is the scheduler's run in a cluster: the source's job, with
// what the store knows, goes to the jobs stream for the given slot.
func PublishRun(conn *cluster.Conn, m *metrics.Metrics) func(ctx context.Context, g *Gatherer, name string, slot time.Time) error {
	return func(ctx context.Context, g *Gatherer, name string, slot time.Time) error {
		src, ok := g.cfg.Source(name)
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

// ConsumeBatches is the commit side of a cluster: the documents stream,
// through the durable consumer, into g, each run's outcome recorded on
// its source when its final batch arrives, and the stream sequence
// committed recorded in the store. A consumer created now (a new replica)
// starts after the sequence the data directory holds: a backup's.
func ConsumeBatches(conn *cluster.Conn, durable string, m *metrics.Metrics) func(ctx context.Context, g *Gatherer) error {
	return func(ctx context.Context, g *Gatherer) error {
		seq, err := g.store.StreamSeq()
		if err != nil {
			return err
		}
		return conn.RunIndexer(ctx, cluster.IndexerOptions{Durable: durable, StartSeq: seq + 1,
			Commit: func(ctx context.Context, ds []cluster.Delivery) error {
				// Sources commit side by side, so that the group committer
				// makes one index batch and one bbolt transaction of
				// them; one source's batches stay in stream order, and so
				// do batches of two sources that share a document (a
				// site's page that a feed links to too), so that the
				// primary and every replica end with the same document.
				for _, round := range commitRounds(ds) {
					if err := commitSideBySide(ctx, g, round, m); err != nil {
						return err
					}
				}
				// Recorded after the commit: a backup between the two
				// replays a batch, which the upsert makes harmless.
				return g.store.SetStreamSeq(ds[len(ds)-1].StreamSeq)
			}})
	}
}

// commitRounds cuts deliveries, in stream order, into runs that may
// commit side by side: a delivery that shares a document (by ID or URL)
// with a delivery of another source in the current run starts the next.
func commitRounds(ds []cluster.Delivery) [][]cluster.Delivery {
	var rounds [][]cluster.Delivery
	var cur []cluster.Delivery
	owner := map[string]string{} // document ID or URL → the source that has it in cur
	for _, d := range ds {
		var keys []string
		add := func(prefix, k string) {
			if k != "" {
				keys = append(keys, prefix+k)
			}
		}
		for _, doc := range d.Batch.Documents {
			add("id:", doc.ID)
			add("url:", doc.URL)
		}
		for _, id := range d.Batch.Gone {
			add("id:", id)
		}
		for _, k := range keys {
			if src, ok := owner[k]; ok && src != d.Batch.Source {
				rounds = append(rounds, cur)
				cur, owner = nil, map[string]string{}
				break
			}
		}
		cur = append(cur, d)
		for _, k := range keys {
			owner[k] = d.Batch.Source
		}
	}
	if len(cur) > 0 {
		rounds = append(rounds, cur)
	}
	return rounds
}

// commitSideBySide commits one round of deliveries, each source's in
// stream order, the sources side by side.
func commitSideBySide(ctx context.Context, g *Gatherer, ds []cluster.Delivery, m *metrics.Metrics) error {
	bySource := map[string][]cluster.Delivery{}
	for _, d := range ds {
		bySource[d.Batch.Source] = append(bySource[d.Batch.Source], d)
	}
	var wg sync.WaitGroup
	errs := make([]error, 0, len(bySource))
	var mu sync.Mutex
	for _, sds := range bySource {
		g.group.begin() // each source's batches come to group commit as a run's do
		wg.Go(func() {
			defer g.group.end()
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
	return errors.Join(errs...)
}

// commitDelivery commits one batch a worker fetched.
func (g *Gatherer) commitDelivery(ctx context.Context, d cluster.Delivery, m *metrics.Metrics) error {
	src, ok := g.cfg.Source(d.Batch.Source)
	if !ok {
		g.log.Warn("a batch of a source not in the config is skipped", slog.String("source", d.Batch.Source),
			slog.String("job", d.JobID))
		return nil
	}
	res := api.RunResult{Source: src.Name, Errors: []string{}}
	if err := g.commit(ctx, src, d.Batch, &res, nil); err != nil {
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

// Gauges are the index size, the webhook outbox's depth and its
// failed deliveries, read at each scrape.
func Gauges(m *metrics.Metrics, g *Gatherer) {
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
