package main

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

// maxConcurrentRuns bounds how many sources gather at once.
// Feed runs mostly wait on the network, so several run at once; per host
// the Gatherer allows fewer.
const maxConcurrentRuns = 8

// errBackingOff: a scheduled run was skipped because the source is backing
// off after failures.
var errBackingOff = errors.New("backing off after failures")

// runPool is the bounded worker pool every scheduled run goes through: at
// most maxConcurrentRuns sources run at once, and a source that is backing
// off is skipped. A run first waits for its host's slot (the Gatherer's
// per-host limit) and only then for a pool slot, so that thousands of
// sources of one host waiting their turn do not hold pool slots that the
// sources of other hosts could use.
type runPool struct {
	g   *Gatherer
	log *slog.Logger
	sem chan struct{}
}

func newRunPool(g *Gatherer, log *slog.Logger) *runPool {
	return &runPool{g: g, log: log, sem: make(chan struct{}, maxConcurrentRuns)}
}

// slot waits for a free pool slot and returns its release.
func (p *runPool) slot(ctx context.Context) (func(), error) {
	select {
	case p.sem <- struct{}{}:
		return func() { <-p.sem }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for a free run slot: %w", ctx.Err())
	}
}

// run runs one source through the pool, unless it is backing off
// (errBackingOff).
func (p *runPool) run(ctx context.Context, name string) (api.RunResult, error) {
	st, err := p.g.store.Source(name)
	if err == nil && time.Now().Before(st.BackoffUntil) {
		p.log.Info("skipping scheduled run: backing off after failures", slog.String("source", name),
			slog.Int("consecutive_failures", st.ConsecutiveFailures), slog.Time("until", st.BackoffUntil))
		return api.RunResult{Source: name}, errBackingOff
	}
	res, err := p.g.runSource(ctx, name, p.slot)
	if errors.Is(err, api.ErrSourceRunning) {
		p.log.Info("skipping scheduled run: previous run still going", slog.String("source", name))
	}
	// Other errors were logged by the Gatherer and recorded on the source.
	return res, err
}

// runAll runs the named sources through the pool and returns when all
// have finished or ctx ended; done, when set, hears each outcome (from
// several goroutines at once).
func (p *runPool) runAll(ctx context.Context, names []string, done func(api.RunResult, error)) {
	var wg sync.WaitGroup
	for _, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := p.run(ctx, name)
			if done != nil {
				done(res, err)
			}
		}()
	}
	wg.Wait()
}

// scheduler runs every source on its cron schedule. A source whose last
// run is older than its schedule (or that never ran) runs soon after start,
// so a restart does not wait a whole interval. Runs of one source never
// overlap (the Gatherer refuses a second one).
type scheduler struct {
	g       *Gatherer
	log     *slog.Logger
	cron    *cron.Cron
	entries map[string]cron.EntryID

	ctx    context.Context
	cancel context.CancelFunc
	pool   *runPool
	wg     sync.WaitGroup
}

// startScheduler starts the schedule; Stop ends it.
func startScheduler(ctx context.Context, g *Gatherer, log *slog.Logger) (*scheduler, error) {
	ctx, cancel := context.WithCancel(ctx)
	s := &scheduler{
		g: g, log: log, entries: map[string]cron.EntryID{},
		cron:   cron.New(cron.WithLogger(cron.DiscardLogger)),
		ctx:    ctx,
		cancel: cancel,
		pool:   newRunPool(g, log),
	}
	now := time.Now()
	var catchUp []string
	for _, src := range g.cfg.Sources {
		name := src.Name
		sched, err := sourceSchedule(name, src.Schedule)
		if err != nil {
			cancel()
			return nil, configErrorf("sources (%s).schedule: %v", name, err)
		}
		s.entries[name] = s.cron.Schedule(sched, cron.FuncJob(func() { s.run(name) }))
		st, err := g.store.Source(name)
		if err != nil {
			cancel()
			return nil, err
		}
		if st.LastRun.IsZero() || !sched.Next(st.LastRun).After(now) {
			catchUp = append(catchUp, name)
		}
	}
	digestSched, err := cron.ParseStandard(g.cfg.Digest.Schedule)
	if err != nil {
		cancel()
		return nil, configErrorf("digest.schedule: %v", err)
	}
	mailer, err := newDigestMailer(g.cfg.Digest.SMTP)
	if err != nil {
		cancel()
		return nil, err
	}
	s.cron.Schedule(digestSched, cron.FuncJob(func() {
		s.wg.Add(1)
		defer s.wg.Done()
		weeklyDigestJob(s.ctx, g.cfg, g.watch, g.index, mailer, time.Now(), log)
	}))
	s.cron.Start()
	// Overdue sources all go to the pool at once: its bound and the
	// per-host limit pace them, so 5,000 of them catch up in minutes, not
	// in the 40 a fixed delay between them would take.
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.pool.runAll(s.ctx, catchUp, nil)
	}()
	return s, nil
}

// run runs one source on its schedule, through the pool.
func (s *scheduler) run(name string) {
	s.wg.Add(1)
	defer s.wg.Done()
	if s.ctx.Err() != nil {
		return
	}
	_, _ = s.pool.run(s.ctx, name) // outcomes are logged and recorded on the source
}

// next returns when a source runs next (zero if unknown).
func (s *scheduler) next(name string) time.Time {
	id, ok := s.entries[name]
	if !ok {
		return time.Time{}
	}
	return s.cron.Entry(id).Next
}

// Stop cancels runs in flight, waits for them to return and stops the
// schedule. It is safe to call more than once.
func (s *scheduler) Stop() {
	s.cancel()
	<-s.cron.Stop().Done()
	s.wg.Wait()
}
