package cluster

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/techintel/techintel/cmd/techintel/internal/cluster/natstest"
	"github.com/techintel/techintel/cmd/techintel/internal/gather"
	"github.com/techintel/techintel/index"
)

type natsServer = natstest.Server

func startNATS(t *testing.T) *natsServer { return natstest.Start(t) }

// connect opens a Conn to ns, closed with the test.
func connect(t *testing.T, ns *natsServer, o Options) *Conn {
	t.Helper()
	o.URL = ns.URL()
	if o.Name == "" {
		o.Name = t.Name()
	}
	c, err := Connect(t.Context(), o)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// eventually waits for cond with a generous deadline: a failure only
// when nothing happens.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after 90s", what)
		}
		time.Sleep(20 * time.Millisecond) // polling, not a timing window
	}
}

// feedServer serves /feed/N, an RSS feed of items items with links back to
// the server. gate, when set, holds each request until it is closed or
// yields; inflight counts requests in progress, peak the most at once.
type feedServer struct {
	*httptest.Server
	items    int
	gate     func(r *http.Request)
	inflight atomic.Int32
	peak     atomic.Int32
	requests atomic.Int32
}

func newFeedServer(t *testing.T, items int) *feedServer {
	t.Helper()
	fs := &feedServer{items: items}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := fs.inflight.Add(1)
		defer fs.inflight.Add(-1)
		for {
			p := fs.peak.Load()
			if n <= p || fs.peak.CompareAndSwap(p, n) {
				break
			}
		}
		fs.requests.Add(1)
		if fs.gate != nil {
			fs.gate(r)
		}
		if !strings.HasPrefix(r.URL.Path, "/feed/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title>`, r.URL.Path)
		for i := range fs.items {
			fmt.Fprintf(w, `<item><guid>%[1]s-%[2]d</guid><title>Item %[2]d of %[1]s</title><link>%[3]s%[1]s/%[2]d</link>
<description>Radio news number %[2]d.</description></item>`, r.URL.Path, i, fs.URL)
		}
		fmt.Fprint(w, `</channel></rss>`)
	}))
	t.Cleanup(fs.Close)
	return fs
}

func newFetcher() *gather.Fetcher {
	return gather.NewFetcher(gather.Options{Transport: http.DefaultTransport, UserAgent: "techintel-test", Timeout: time.Minute,
		MaxBodyBytes: 1 << 20})
}

// indexCommit is a commit side over a real in-memory index: upsert the
// documents, count the runs that finished.
type indexCommit struct {
	ix      *index.Index
	mu      sync.Mutex
	commits int
	finals  map[string]int // job ID → final batches committed
	errs    map[string]string
}

func newIndexCommit(t *testing.T) *indexCommit {
	t.Helper()
	ix, err := index.OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	return commitTo(ix)
}

func commitTo(ix *index.Index) *indexCommit {
	return &indexCommit{ix: ix, finals: map[string]int{}, errs: map[string]string{}}
}

func (ic *indexCommit) commit(ctx context.Context, ds []Delivery) error {
	var docs []index.Document
	for _, d := range ds {
		docs = append(docs, d.Batch.Documents...)
	}
	if len(docs) > 0 {
		if _, err := ic.ix.Upsert(ctx, docs); err != nil {
			return err
		}
	}
	ic.mu.Lock()
	defer ic.mu.Unlock()
	ic.commits++
	for _, d := range ds {
		if d.Batch.Final {
			ic.finals[d.JobID]++
			if d.Err != "" {
				ic.errs[d.JobID] = d.Err
			}
		}
	}
	return nil
}

func (ic *indexCommit) count(t *testing.T) int {
	t.Helper()
	n, err := ic.ix.Count()
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func (ic *indexCommit) finished() int {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	return len(ic.finals)
}

// run starts fn in the background until the test ends (or stop is
// called) and waits for it to return.
func run(t *testing.T, fn func(ctx context.Context) error) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- fn(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("background run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func feedJob(srv *feedServer, i int, slot time.Time) Job {
	name := fmt.Sprintf("feed-%d", i)
	return Job{Job: gather.Job{Source: name, Kind: gather.KindFeed, URL: fmt.Sprintf("%s/feed/%d", srv.URL, i)}, Slot: slot}
}

var slot0 = time.Date(2026, 12, 6, 18, 0, 0, 0, time.UTC)

// Two schedulers (a standby) publishing the same slot queue the run once.
func TestPublishJobOncePerSlot(t *testing.T) {
	ns := startNATS(t)
	a, b := connect(t, ns, Options{Name: "scheduler-a"}), connect(t, ns, Options{Name: "scheduler-b"})
	job := Job{Job: gather.Job{Source: "news", Kind: gather.KindFeed, URL: "http://127.0.0.1:1/feed"}, Slot: slot0}
	if err := a.PublishJob(t.Context(), job); err != nil {
		t.Fatal(err)
	}
	if err := b.PublishJob(t.Context(), job); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("second scheduler, same slot: %v, want ErrDuplicate", err)
	}
	next := job
	next.Slot = slot0.Add(time.Hour)
	if err := b.PublishJob(t.Context(), next); err != nil {
		t.Fatalf("next slot: %v", err)
	}
	other := job
	other.Source = "other"
	if err := a.PublishJob(t.Context(), other); err != nil {
		t.Fatalf("other source, same slot: %v", err)
	}
	n, err := a.JobsPending(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("%d jobs queued, want 3 (news twice, other once)", n)
	}
	if err := a.PublishJob(t.Context(), Job{Job: gather.Job{Source: "x"}}); err == nil || !strings.Contains(err.Error(), "slot") {
		t.Fatalf("a job without a slot: %v, want an error naming the slot", err)
	}
}

// Jobs go through two workers and the documents stream into an index:
// every item of every feed indexed once, every run finished once.
func TestWorkersToIndexer(t *testing.T) {
	ns := startNATS(t)
	srv := newFeedServer(t, 5)
	sched := connect(t, ns, Options{Name: "scheduler"})
	const feeds = 20
	for i := range feeds {
		if err := sched.PublishJob(t.Context(), feedJob(srv, i, slot0)); err != nil {
			t.Fatal(err)
		}
	}
	ic := newIndexCommit(t)
	for _, name := range []string{"w1", "w2"} {
		w := connect(t, ns, Options{Name: name})
		run(t, func(ctx context.Context) error {
			return w.RunWorker(ctx, WorkerOptions{Fetcher: newFetcher(), Runs: 3, MaxRunsPerHost: 2})
		})
	}
	indexer := connect(t, ns, Options{Name: "indexer"})
	run(t, func(ctx context.Context) error {
		return indexer.RunIndexer(ctx, IndexerOptions{Durable: "indexer", Commit: ic.commit})
	})
	eventually(t, "every run committed", func() bool { return ic.finished() == feeds })
	eventually(t, "the indexer's lag at zero", func() bool {
		lag, err := indexer.Lag(t.Context(), "indexer")
		return err == nil && lag == 0
	})
	if got := ic.count(t); got != feeds*5 {
		t.Fatalf("%d documents indexed, want %d", got, feeds*5)
	}
	if p := srv.peak.Load(); p > 2 {
		t.Fatalf("%d runs of one host at once, want at most max_runs_per_host 2", p)
	}
	if n, _ := sched.JobsPending(t.Context()); n != 0 {
		t.Fatalf("%d jobs left in the queue after every run finished", n)
	}
	for id, n := range ic.finals {
		if n != 1 {
			t.Errorf("run %s finished %d times", id, n)
		}
	}
}
