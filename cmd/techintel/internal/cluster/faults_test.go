package cluster

import (
	"context"
	"net/http"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/techintel/techintel/index"
)

// With max_runs_per_host 1, two workers never run one host at once: the
// lease is held while a run goes on and taken by the next run after.
func TestHostLeaseAcrossWorkers(t *testing.T) {
	ns := startNATS(t)
	srv := newFeedServer(t, 2)
	entered, release := make(chan struct{}), make(chan struct{})
	srv.gate = func(*http.Request) {
		entered <- struct{}{}
		<-release
	}
	sched := connect(t, ns, Options{})
	const jobs = 3
	for i := range jobs {
		if err := sched.PublishJob(t.Context(), feedJob(srv, i, slot0)); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"w1", "w2"} {
		w := connect(t, ns, Options{Name: name})
		run(t, func(ctx context.Context) error {
			return w.RunWorker(ctx, WorkerOptions{Fetcher: newFetcher(), Runs: 2, MaxRunsPerHost: 1, BusyDelay: 50 * time.Millisecond})
		})
	}
	host := HostOf(srv.URL)
	for i := range jobs {
		select {
		case <-entered:
		case <-time.After(90 * time.Second):
			t.Fatalf("run %d never reached the server", i)
		}
		l, err := sched.TryLease(t.Context(), host, "test", 1)
		if err != nil {
			t.Fatal(err)
		}
		if l != nil {
			t.Fatalf("run %d: the host's only lease is free while a run fetches it", i)
		}
		release <- struct{}{}
	}
	eventually(t, "every run done", func() bool { n, err := sched.JobsPending(t.Context()); return err == nil && n == 0 })
	if p := srv.peak.Load(); p != 1 {
		t.Fatalf("%d runs of the host at once, want 1", p)
	}
}

// A lease of a worker that died comes free by itself after LeaseTTL.
func TestLeaseExpires(t *testing.T) {
	ns := startNATS(t)
	c := connect(t, ns, Options{LeaseTTL: time.Second})
	l, err := c.TryLease(t.Context(), "example.com:8080", "dead-worker", 1)
	if err != nil || l == nil {
		t.Fatalf("first lease: %v, %v", l, err)
	}
	if l2, err := c.TryLease(t.Context(), "EXAMPLE.com:8080", "other", 1); err != nil || l2 != nil {
		t.Fatalf("second lease of a one-run host: %v, %v; want none", l2, err)
	}
	if err := l.Renew(t.Context()); err != nil {
		t.Fatalf("renew: %v", err)
	}
	eventually(t, "the dead worker's lease expiring", func() bool {
		l2, err := c.TryLease(t.Context(), "example.com:8080", "other", 1)
		return err == nil && l2 != nil
	})
	if err := l.Renew(t.Context()); err == nil {
		t.Fatal("renewing a lease taken by another worker succeeded")
	}
}

// A worker killed in the middle of a job (its connection gone, no nak,
// its lease left behind): the job goes to the other worker once the ack
// wait and the lease run out, and its documents are indexed once.
func TestWorkerKilledMidJob(t *testing.T) {
	ns := startNATS(t)
	srv := newFeedServer(t, 7)
	entered, release := make(chan struct{}), make(chan struct{})
	var first atomic.Bool
	srv.gate = func(*http.Request) {
		if first.CompareAndSwap(false, true) {
			entered <- struct{}{}
			<-release
		}
	}
	defer close(release)
	o := Options{LeaseTTL: 2 * time.Second}
	sched := connect(t, ns, o)
	if err := sched.PublishJob(t.Context(), feedJob(srv, 1, slot0)); err != nil {
		t.Fatal(err)
	}
	ic := newIndexCommit(t)
	indexer := connect(t, ns, o)
	run(t, func(ctx context.Context) error {
		return indexer.RunIndexer(ctx, IndexerOptions{Durable: "indexer", Commit: ic.commit})
	})
	wo := WorkerOptions{Fetcher: newFetcher(), Runs: 1, MaxRunsPerHost: 1, AckWait: 2 * time.Second, BusyDelay: 100 * time.Millisecond}
	o.Name = "doomed"
	doomed := connect(t, ns, o)
	stopDoomed := run(t, func(ctx context.Context) error { return doomed.RunWorker(ctx, wo) })
	select {
	case <-entered:
	case <-time.After(90 * time.Second):
		t.Fatal("the job never reached the server")
	}
	doomed.nc.Close() // SIGKILL, as far as NATS can tell
	o.Name = "survivor"
	survivor := connect(t, ns, o)
	run(t, func(ctx context.Context) error { return survivor.RunWorker(ctx, wo) })
	eventually(t, "the job redelivered and finished", func() bool { return ic.finished() == 1 })
	stopDoomed()
	if got := ic.count(t); got != 7 {
		t.Fatalf("%d documents, want 7", got)
	}
	if n := ic.finals[feedJob(srv, 1, slot0).ID()]; n != 1 {
		t.Fatalf("the run finished %d times, want 1", n)
	}
}

// The indexer crashing between its commit and its ack: the batches come
// again, the upsert takes them again, no document is doubled.
func TestIndexerCrashBetweenCommitAndAck(t *testing.T) {
	ns := startNATS(t)
	srv := newFeedServer(t, 4)
	sched := connect(t, ns, Options{})
	const feeds = 6
	for i := range feeds {
		if err := sched.PublishJob(t.Context(), feedJob(srv, i, slot0)); err != nil {
			t.Fatal(err)
		}
	}
	w := connect(t, ns, Options{Name: "worker"})
	run(t, func(ctx context.Context) error { return w.RunWorker(ctx, WorkerOptions{Fetcher: newFetcher()}) })
	// Every run's batch stored before the indexer starts, so that its
	// first commit takes some of them.
	eventually(t, "every job done", func() bool { n, err := sched.JobsPending(t.Context()); return err == nil && n == 0 })

	ic := newIndexCommit(t)
	crashing := connect(t, ns, Options{Name: "indexer-1"})
	var crashed atomic.Bool
	stop := run(t, func(ctx context.Context) error {
		return crashing.RunIndexer(ctx, IndexerOptions{Durable: "indexer", AckWait: 2 * time.Second, MaxBatch: 3,
			Commit: func(ctx context.Context, ds []Delivery) error {
				if err := ic.commit(ctx, ds); err != nil {
					return err
				}
				if crashed.CompareAndSwap(false, true) {
					crashing.nc.Close() // committed, never acked
				}
				return nil
			}})
	})
	eventually(t, "the first commit", crashed.Load)
	stop()
	committedBefore := ic.finished()
	restarted := connect(t, ns, Options{Name: "indexer-2"})
	run(t, func(ctx context.Context) error {
		return restarted.RunIndexer(ctx, IndexerOptions{Durable: "indexer", Commit: ic.commit})
	})
	eventually(t, "every run committed", func() bool { return ic.finished() == feeds })
	eventually(t, "no lag", func() bool { lag, err := restarted.Lag(t.Context(), "indexer"); return err == nil && lag == 0 })
	if got := ic.count(t); got != feeds*4 {
		t.Fatalf("%d documents, want %d", got, feeds*4)
	}
	replayed := 0
	for _, n := range ic.finals {
		replayed += n - 1
	}
	if committedBefore == 0 || replayed != committedBefore {
		t.Fatalf("%d runs committed before the crash, %d replayed: want the same, at least one", committedBefore, replayed)
	}
}

// NATS stopped and started again: workers, indexer and scheduler
// reconnect by themselves and nothing is lost or doubled.
func TestNATSRestart(t *testing.T) {
	ns := startNATS(t)
	srv := newFeedServer(t, 3)
	sched := connect(t, ns, Options{})
	ic := newIndexCommit(t)
	w := connect(t, ns, Options{Name: "worker"})
	run(t, func(ctx context.Context) error {
		return w.RunWorker(ctx, WorkerOptions{Fetcher: newFetcher(), Runs: 2})
	})
	indexer := connect(t, ns, Options{Name: "indexer"})
	run(t, func(ctx context.Context) error {
		return indexer.RunIndexer(ctx, IndexerOptions{Durable: "indexer", Commit: ic.commit})
	})
	for i := range 5 {
		if err := sched.PublishJob(t.Context(), feedJob(srv, i, slot0)); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "the first runs committed", func() bool { return ic.finished() == 5 })
	ns.Stop()
	ns.Start()
	for i := 5; i < 10; i++ {
		eventually(t, "publishing after the restart", func() bool { return sched.PublishJob(t.Context(), feedJob(srv, i, slot0)) == nil })
	}
	eventually(t, "every run committed", func() bool { return ic.finished() == 10 })
	if got := ic.count(t); got != 30 {
		t.Fatalf("%d documents, want 30", got)
	}
	for id, n := range ic.finals {
		if n != 1 {
			t.Errorf("run %s committed %d times", id, n)
		}
	}
}

// A replica started from a backup (a copy of the primary's index and the
// stream sequence it holds) consumes the stream from the next sequence
// only and then answers searches as the primary does.
func TestReplicaFromBackupSequence(t *testing.T) {
	ns := startNATS(t)
	srv := newFeedServer(t, 3)
	sched := connect(t, ns, Options{})
	pix, err := index.Open(filepath.Join(t.TempDir(), "primary"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pix.Close() })
	primary := commitTo(pix)
	w := connect(t, ns, Options{Name: "worker"})
	run(t, func(ctx context.Context) error { return w.RunWorker(ctx, WorkerOptions{Fetcher: newFetcher()}) })
	pc := connect(t, ns, Options{Name: "primary"})
	var lastSeq atomic.Uint64
	run(t, func(ctx context.Context) error {
		return pc.RunIndexer(ctx, IndexerOptions{Durable: "indexer", Commit: func(ctx context.Context, ds []Delivery) error {
			if err := primary.commit(ctx, ds); err != nil {
				return err
			}
			lastSeq.Store(ds[len(ds)-1].StreamSeq) // what a backup records
			return nil
		}})
	})
	publish := func(from, to int) {
		for i := from; i < to; i++ {
			if err := sched.PublishJob(t.Context(), feedJob(srv, i, slot0)); err != nil {
				t.Fatal(err)
			}
		}
	}
	publish(0, 4)
	eventually(t, "the first round committed", func() bool { return primary.finished() == 4 })
	backupDir := filepath.Join(t.TempDir(), "backup")
	if err := pix.Backup(backupDir); err != nil {
		t.Fatal(err)
	}
	backupSeq := lastSeq.Load()
	publish(4, 9)
	eventually(t, "the second round committed", func() bool { return primary.finished() == 9 })

	rix, err := index.Open(backupDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rix.Close() })
	replica := commitTo(rix)
	var consumed atomic.Int32
	rc := connect(t, ns, Options{Name: "replica"})
	run(t, func(ctx context.Context) error {
		return rc.RunIndexer(ctx, IndexerOptions{Durable: "replica-1", StartSeq: backupSeq + 1,
			Commit: func(ctx context.Context, ds []Delivery) error {
				for _, d := range ds {
					if d.StreamSeq <= backupSeq {
						t.Errorf("the replica got sequence %d, which its backup holds (%d)", d.StreamSeq, backupSeq)
					}
				}
				consumed.Add(int32(len(ds)))
				return replica.commit(ctx, ds)
			}})
	})
	eventually(t, "the replica caught up", func() bool { return replica.finished() == 5 })
	if int(consumed.Load()) != 5 {
		t.Fatalf("the replica consumed %d messages, want the 5 after the backup", consumed.Load())
	}
	if p, r := primary.count(t), replica.count(t); p != 27 || r != p {
		t.Fatalf("primary %d documents, replica %d; want 27 each", p, r)
	}
	for _, q := range []index.Query{{Q: "radio", Limit: 50}, {Q: "\"Item 2\"", Limit: 50}, {Sources: []string{"feed-6"}}, {Sort: index.SortDate, Limit: 50}} {
		pr, err := pix.Search(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		rr, err := rix.Search(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		if pr.Total != rr.Total || pr.Total == 0 || !slices.Equal(hitIDs(pr), hitIDs(rr)) {
			t.Errorf("query %+v: primary %d hits %v, replica %d hits %v", q, pr.Total, hitIDs(pr), rr.Total, hitIDs(rr))
		}
	}
}

func hitIDs(r *index.Result) []string {
	ids := make([]string, len(r.Hits))
	for i, h := range r.Hits {
		ids[i] = h.ID
	}
	slices.Sort(ids) // equal scores may come in either order
	return ids
}
