package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/techintel/techintel/cmd/techintel/internal/gather"
)

// Result is one message of the documents stream: a batch of a run, or a
// part of one too large for a single message.
type Result struct {
	// JobID names the run (Job.ID); Seq numbers its batches from 0.
	JobID string `json:"job_id"`
	Seq   int    `json:"seq"`
	// Part numbers the parts a batch was split into, from 0; only the
	// last part carries the batch's state (pages, validators, Final).
	Part   int          `json:"part,omitempty"`
	Batch  gather.Batch `json:"batch"`
	Worker string       `json:"worker,omitempty"`
	// Err is why the run failed, on its final message.
	Err string `json:"error,omitempty"`
	// Started is when the worker started the run.
	Started time.Time `json:"started,omitzero"`
}

// Fetcher is the fetch side a worker runs: gather.Fetcher.
type Fetcher interface {
	Fetch(ctx context.Context, job gather.Job, commit func(gather.Batch) error) error
}

// WorkerOptions configure RunWorker.
type WorkerOptions struct {
	Fetcher Fetcher
	// Name identifies the worker in leases and logs.
	Name string
	// Runs is how many jobs the worker runs at once (0: 8).
	Runs int
	// MaxRunsPerHost is how many runs of one host may go on at once in
	// the whole cluster (0: 2).
	MaxRunsPerHost int
	// AckWait is how long a job may go without a heartbeat before it is
	// given to another worker (0: 30 s). Heartbeats go every third of it.
	AckWait time.Duration
	// BusyDelay is how long a job whose host is busy waits before it is
	// offered again (0: 1 s).
	BusyDelay time.Duration
	// OnRun, when set, hears that a run starts; the function it returns
	// hears how the fetch ended (metrics).
	OnRun func(job gather.Job) func(error)
}

// RunWorker pulls jobs and runs them until ctx is done. A job is acked
// once all its batches are stored in the documents stream; a job stopped
// by ctx is handed back at once for another worker.
func (c *Conn) RunWorker(ctx context.Context, o WorkerOptions) error {
	if o.Fetcher == nil {
		return errors.New("cluster: a worker needs a fetcher")
	}
	if o.Runs <= 0 {
		o.Runs = 8
	}
	if o.MaxRunsPerHost <= 0 {
		o.MaxRunsPerHost = 2
	}
	if o.AckWait <= 0 {
		o.AckWait = 30 * time.Second
	}
	if o.BusyDelay <= 0 {
		o.BusyDelay = time.Second
	}
	if o.Name == "" {
		o.Name = c.o.Name
	}
	cons, err := c.js.CreateOrUpdateConsumer(ctx, JobsStream, jetstream.ConsumerConfig{
		Durable: WorkersConsumer, AckPolicy: jetstream.AckExplicitPolicy, AckWait: o.AckWait, MaxDeliver: -1,
		Description: "techintel workers",
	})
	if err != nil {
		return fmt.Errorf("cluster: consumer %s: %w", WorkersConsumer, err)
	}
	var wg sync.WaitGroup
	for range o.Runs {
		wg.Go(func() {
			for ctx.Err() == nil {
				msg, err := next(ctx, cons)
				if err != nil {
					if ctx.Err() == nil {
						c.log.Warn("worker: pull a job", slog.Any("error", err))
						wait(ctx, time.Second)
					}
					continue
				}
				if msg != nil {
					c.runJob(ctx, o, msg)
				}
			}
		})
	}
	wg.Wait()
	return nil
}

// next pulls one message, or nil when none came for a while.
func next(ctx context.Context, cons jetstream.Consumer) (jetstream.Msg, error) {
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	msg, err := cons.Next(jetstream.FetchContext(pctx))
	if errors.Is(err, nats.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, jetstream.ErrNoMessages) {
		return nil, nil
	}
	return msg, err
}

// wait waits d or until ctx is done.
func wait(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// runJob runs one job message to its ack (or hands it back).
func (c *Conn) runJob(ctx context.Context, o WorkerOptions, msg jetstream.Msg) {
	var job Job
	if err := json.Unmarshal(msg.Data(), &job); err != nil {
		c.log.Error("worker: a job that does not decode is dropped", slog.Any("error", err))
		_ = msg.TermWithReason("undecodable job")
		return
	}
	attempt := uint64(1)
	if md, err := msg.Metadata(); err == nil {
		attempt = md.NumDelivered
	}
	log := c.log.With(slog.String("job", job.ID()), slog.Uint64("attempt", attempt))
	lease, err := c.TryLease(ctx, HostOf(job.URL), o.Name, o.MaxRunsPerHost)
	if err != nil || lease == nil {
		// The host is busy (or the bucket is unreachable): offer the job
		// again later, leave this run slot to another host's job.
		if err != nil {
			log.Warn("worker: host lease", slog.Any("error", err))
		}
		_ = msg.NakWithDelay(o.BusyDelay)
		return
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := lease.Release(rctx); err != nil {
			log.Warn("worker: release host lease", slog.Any("error", err))
		}
	}()

	// Heartbeats keep the job and the lease ours during a long crawl.
	defer heartbeat(ctx, o.AckWait/3, func(hctx context.Context) {
		if err := msg.InProgress(); err != nil {
			log.Warn("worker: job heartbeat", slog.Any("error", err))
		}
		if err := lease.Renew(hctx); err != nil && hctx.Err() == nil {
			log.Warn("worker: renew host lease", slog.Any("error", err))
		}
	})()

	start := time.Now()
	var ended func(error)
	if o.OnRun != nil {
		ended = o.OnRun(job.Job)
	}
	pub := &publisher{c: c, ctx: ctx, id: job.ID() + "/" + strconv.FormatUint(attempt, 10), worker: o.Name, jobID: job.ID(),
		started: start.UTC()}
	var final *gather.Batch
	err = o.Fetcher.Fetch(ctx, job.Job, func(b gather.Batch) error {
		if b.Final {
			// Held back so that the run's error, known only when Fetch
			// returns, goes with it.
			final = &b
			return nil
		}
		return pub.publish(b, "")
	})
	if ended != nil {
		ended(err)
	}
	if ctx.Err() != nil {
		// Stopping: hand the job back at once rather than after AckWait.
		_ = msg.Nak()
		return
	}
	if final == nil {
		final = &gather.Batch{Source: job.Source, Final: true}
	}
	final.Final = true
	runErr := ""
	if err != nil {
		runErr = err.Error()
	}
	if perr := pub.publish(*final, runErr); perr != nil {
		log.Warn("worker: publish batch; the job goes back to the queue", slog.Any("error", perr))
		_ = msg.Nak()
		return
	}
	if err := msg.DoubleAck(ctx); err != nil {
		// The job will come again; its batches are idempotent.
		log.Warn("worker: ack job", slog.Any("error", err))
		return
	}
	log.Info("worker: job done", slog.Int("batches", pub.seq), slog.Duration("took", time.Since(start)),
		slog.String("run_error", runErr))
}

// publisher publishes a run's batches in order, each split into parts
// that fit the server's max payload, each stored before the next goes.
type publisher struct {
	c       *Conn
	ctx     context.Context
	id      string // run ID with the attempt: the batches' Nats-Msg-Id prefix
	jobID   string
	worker  string
	started time.Time
	seq     int
}

func (p *publisher) publish(b gather.Batch, runErr string) error {
	parts, err := split(Result{JobID: p.jobID, Seq: p.seq, Batch: b, Worker: p.worker, Err: runErr, Started: p.started}, p.c.MaxPayload()-1024)
	if err != nil {
		return err
	}
	for _, part := range parts {
		data, err := json.Marshal(part)
		if err != nil {
			return fmt.Errorf("cluster: encode batch: %w", err)
		}
		id := p.id + "#" + strconv.Itoa(part.Seq) + "." + strconv.Itoa(part.Part)
		if err := p.c.publishRetry(p.ctx, DocsSubj, data, id); err != nil {
			return err
		}
	}
	p.seq++
	return nil
}

// publishRetry publishes until the stream stores the message or ctx is
// done: NATS restarting is waited out. The message ID makes a retry of a
// message that was stored but whose ack was lost harmless.
func (c *Conn) publishRetry(ctx context.Context, subj string, data []byte, id string) error {
	for {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := c.js.Publish(pctx, subj, data, jetstream.WithMsgID(id))
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("cluster: publish %s: %w", id, err)
		}
		c.log.Warn("cluster: publish failed, retrying", slog.String("msg_id", id), slog.Any("error", err))
		wait(ctx, time.Second)
	}
}

// split cuts r into parts whose JSON fits limit bytes: documents go in
// order into parts of their own, the last part keeps everything else. A
// single document too large for a message loses the end of its body, and
// the batch says so.
func split(r Result, limit int) ([]Result, error) {
	data, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("cluster: encode batch: %w", err)
	}
	if len(data) <= limit {
		return []Result{r}, nil
	}
	docs, keys := r.Batch.Documents, r.Batch.ItemKeys
	rest := r
	rest.Batch.Documents, rest.Batch.ItemKeys = nil, nil
	restData, err := json.Marshal(rest)
	if err != nil {
		return nil, fmt.Errorf("cluster: encode batch: %w", err)
	}
	if len(restData) > limit {
		return nil, fmt.Errorf("cluster: batch %s#%d: its state alone is %d bytes, more than max_payload allows (%d)",
			r.JobID, r.Seq, len(restData), limit)
	}
	var parts []Result
	cur := Result{JobID: r.JobID, Seq: r.Seq, Worker: r.Worker, Batch: gather.Batch{Source: r.Batch.Source}}
	size := 0
	base := len(restData) + 64
	for i := range docs {
		d := docs[i]
		dd, err := json.Marshal(d)
		if err != nil {
			return nil, fmt.Errorf("cluster: encode document %s: %w", d.ID, err)
		}
		if base+len(dd) > limit {
			// Cut the body until the document fits, at a character
			// boundary.
			for base+len(dd) > limit && d.Body != "" {
				cut := max(0, len(d.Body)-(base+len(dd)-limit)-64)
				for cut > 0 && !utf8.RuneStart(d.Body[cut]) {
					cut--
				}
				d.Body = d.Body[:cut]
				if dd, err = json.Marshal(d); err != nil {
					return nil, fmt.Errorf("cluster: encode document %s: %w", d.ID, err)
				}
			}
			if base+len(dd) > limit {
				return nil, fmt.Errorf("cluster: document %s does not fit a message even without its text", d.URL)
			}
			rest.Batch.Errors = append(rest.Batch.Errors, fmt.Sprintf("%s: text cut to %d bytes to fit a NATS message", d.URL, len(d.Body)))
		}
		if size > 0 && base+size+len(dd) > limit {
			cur.Part = len(parts)
			parts = append(parts, cur)
			cur = Result{JobID: r.JobID, Seq: r.Seq, Worker: r.Worker, Batch: gather.Batch{Source: r.Batch.Source}}
			size = 0
		}
		cur.Batch.Documents = append(cur.Batch.Documents, d)
		if keys != nil {
			cur.Batch.ItemKeys = append(cur.Batch.ItemKeys, keys[i])
		}
		size += len(dd) + 1
		if keys != nil {
			size += len(keys[i]) + 3
		}
	}
	// The last part: its documents with the batch's state, so that the
	// state is recorded only after every document before it.
	rest.Batch.Documents, rest.Batch.ItemKeys = cur.Batch.Documents, cur.Batch.ItemKeys
	if data, err := json.Marshal(rest); err != nil || len(data) > limit {
		// The notes about cut texts made it too large: the documents go
		// in a part of their own.
		cur.Part = len(parts)
		parts = append(parts, cur)
		rest.Batch.Documents, rest.Batch.ItemKeys = nil, nil
	}
	rest.Part = len(parts)
	parts = append(parts, rest)
	return parts, nil
}
