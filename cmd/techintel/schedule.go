package main

import (
	"context"
	"errors"
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
	sem    chan struct{}
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
		sem:    make(chan struct{}, maxConcurrentRuns),
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
	g.nextRun = s.next
	s.cron.Start()
	for i, name := range catchUp {
		// Spread the catch-up runs a little instead of firing all at once.
		delay := time.Duration(i) * 500 * time.Millisecond
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			select {
			case <-time.After(delay):
				s.run(name)
			case <-s.ctx.Done():
			}
		}()
	}
	return s, nil
}

// run runs one source, waiting for a free slot.
func (s *scheduler) run(name string) {
	s.wg.Add(1)
	defer s.wg.Done()
	select {
	case s.sem <- struct{}{}:
	case <-s.ctx.Done():
		return
	}
	defer func() { <-s.sem }()
	if s.ctx.Err() != nil {
		return
	}
	st, err := s.g.store.Source(name)
	if err == nil && time.Now().Before(st.BackoffUntil) {
		s.log.Info("skipping scheduled run: backing off after failures", slog.String("source", name),
			slog.Int("consecutive_failures", st.ConsecutiveFailures), slog.Time("until", st.BackoffUntil))
		return
	}
	_, err = s.g.RunSource(s.ctx, name)
	if errors.Is(err, api.ErrSourceRunning) {
		s.log.Info("skipping scheduled run: previous run still going", slog.String("source", name))
	}
	// Other errors were logged by RunSource and recorded on the source.
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
