// Package schedule runs sources on their cron schedules through a bounded
// run pool: at most a few runs at once, sources that are backing off
// after failures skipped, overdue sources run at once after a start.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/techintel/techintel/api"
)

// MaxConcurrentRuns bounds how many sources gather at once. Feed runs
// mostly wait on the network, so several run at once; per host the
// gatherer allows fewer.
const MaxConcurrentRuns = 8

// ErrBackingOff: a scheduled run was skipped because the source is
// backing off after failures.
var ErrBackingOff = errors.New("backing off after failures")

// Slot waits for a free run slot and returns its release.
type Slot func(context.Context) (func(), error)

// PoolOptions configure a Pool.
type PoolOptions struct {
	// Run runs one source; slot is a further limit it waits for once it
	// holds its host's slot (so that sources of one busy host waiting
	// their turn do not hold pool slots other hosts could use).
	Run func(ctx context.Context, name string, slot Slot) (api.RunResult, error)
	// BackoffUntil says until when a source is backing off after how many
	// failures (zero time: it is not).
	BackoffUntil func(name string) (until time.Time, failures int)
	Log          *slog.Logger
}

// Pool is the bounded worker pool every scheduled run goes through: at
// most MaxConcurrentRuns sources run at once, and a source that is
// backing off is skipped.
type Pool struct {
	o   PoolOptions
	sem chan struct{}
}

// NewPool returns a pool for o.
func NewPool(o PoolOptions) *Pool {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Pool{o: o, sem: make(chan struct{}, MaxConcurrentRuns)}
}

// Busy reports how many pool slots are held now.
func (p *Pool) Busy() int { return len(p.sem) }

// slot waits for a free pool slot and returns its release.
func (p *Pool) slot(ctx context.Context) (func(), error) {
	select {
	case p.sem <- struct{}{}:
		return func() { <-p.sem }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for a free run slot: %w", ctx.Err())
	}
}

// Run runs one source through the pool, unless it is backing off
// (ErrBackingOff).
func (p *Pool) Run(ctx context.Context, name string) (api.RunResult, error) {
	if p.o.BackoffUntil != nil {
		if until, failures := p.o.BackoffUntil(name); time.Now().Before(until) {
			p.o.Log.Info("skipping scheduled run: backing off after failures", slog.String("source", name),
				slog.Int("consecutive_failures", failures), slog.Time("until", until))
			return api.RunResult{Source: name}, ErrBackingOff
		}
	}
	res, err := p.o.Run(ctx, name, p.slot)
	if errors.Is(err, api.ErrSourceRunning) {
		p.o.Log.Info("skipping scheduled run: previous run still going", slog.String("source", name))
	}
	// Other errors were logged by the runner and recorded on the source.
	return res, err
}

// RunAll runs the named sources through the pool and returns when all
// have finished or ctx ended; done, when set, hears each outcome (from
// several goroutines at once).
func (p *Pool) RunAll(ctx context.Context, names []string, done func(api.RunResult, error)) {
	var wg sync.WaitGroup
	for _, name := range names {
		wg.Go(func() {
			res, err := p.Run(ctx, name)
			if done != nil {
				done(res, err)
			}
		})
	}
	wg.Wait()
}

// Source is a source on a schedule.
type Source struct {
	Name     string
	Schedule cron.Schedule
	// LastRun is when the source last ran (zero: never): a source whose
	// last run is older than its schedule runs at once.
	LastRun time.Time
}

// Job is another task on a schedule (the weekly digest).
type Job struct {
	Schedule cron.Schedule
	Run      func(ctx context.Context)
}

// Options configure a Scheduler.
type Options struct {
	Sources []Source
	Jobs    []Job
	Pool    *Pool
}

// Scheduler runs every source on its cron schedule. A source whose last
// run is older than its schedule (or that never ran) runs soon after
// start, so a restart does not wait a whole interval. Runs of one source
// never overlap (the runner refuses a second one).
type Scheduler struct {
	cron    *cron.Cron
	entries map[string]cron.EntryID
	ctx     context.Context
	cancel  context.CancelFunc
	pool    *Pool
	wg      sync.WaitGroup
}

// Start starts the schedule; Stop ends it. ctx bounds the runs.
func Start(ctx context.Context, o Options) *Scheduler {
	ctx, cancel := context.WithCancel(ctx)
	s := &Scheduler{
		entries: map[string]cron.EntryID{},
		cron:    cron.New(cron.WithLogger(cron.DiscardLogger)),
		ctx:     ctx,
		cancel:  cancel,
		pool:    o.Pool,
	}
	now := time.Now()
	var catchUp []string
	for _, src := range o.Sources {
		name := src.Name
		s.entries[name] = s.cron.Schedule(src.Schedule, cron.FuncJob(func() { s.run(name) }))
		if src.LastRun.IsZero() || !src.Schedule.Next(src.LastRun).After(now) {
			catchUp = append(catchUp, name)
		}
	}
	for _, j := range o.Jobs {
		s.cron.Schedule(j.Schedule, cron.FuncJob(func() {
			s.wg.Add(1)
			defer s.wg.Done()
			j.Run(s.ctx)
		}))
	}
	s.cron.Start()
	// Overdue sources all go to the pool at once: its bound and the
	// per-host limit pace them, so 5,000 of them catch up in minutes, not
	// in the 40 a fixed delay between them would take.
	s.wg.Go(func() { s.pool.RunAll(s.ctx, catchUp, nil) })
	return s
}

// run runs one source on its schedule, through the pool.
func (s *Scheduler) run(name string) {
	s.wg.Add(1)
	defer s.wg.Done()
	if s.ctx.Err() != nil {
		return
	}
	_, _ = s.pool.Run(s.ctx, name) // outcomes are logged and recorded on the source
}

// Next returns when a source runs next (zero if unknown).
func (s *Scheduler) Next(name string) time.Time {
	id, ok := s.entries[name]
	if !ok {
		return time.Time{}
	}
	return s.cron.Entry(id).Next
}

// Stop cancels runs in flight, waits for them to return and stops the
// schedule. It is safe to call more than once.
func (s *Scheduler) Stop() {
	s.cancel()
	<-s.cron.Stop().Done()
	s.wg.Wait()
}
