package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
	"github.com/techintel/techintel/cmd/techintel/internal/metrics"
	"github.com/techintel/techintel/cmd/techintel/internal/schedule"
	"github.com/techintel/techintel/cmd/techintel/internal/webhooks"
)

// Options say what an engine runs. Hooks are options, set before
// anything starts, never fields set on a running engine.
type Options struct {
	Settings *Settings
	Log      *slog.Logger
	// Dir is an open data directory the engine takes over (and closes);
	// when nil, Open opens Settings.DataDir.
	Dir *datadir.Dir
	// Progress, when set, hears how each run goes (crawl and demo print
	// it).
	Progress func(source, msg string)
	// NextRun, when set and Schedule is not, says when a source runs next
	// (the sources command computes it from the config).
	NextRun func(source string) time.Time
	// ReplayJournal raises the alerts of batches a crash left journaled
	// before anything new is gathered.
	ReplayJournal bool
	// Schedule runs the sources on their schedules, the weekly digest and
	// the webhook worker (serve).
	Schedule bool
	// Reload, when set with Schedule, reads the watch list again on
	// SIGHUP (package main reads the config file); its error says which
	// file and why.
	Reload func() (Reloaded, error)
	// Replica: a cluster's search replica, whose API only reads.
	Replica bool
	// Metrics, when set, are served at /metrics beside the API.
	Metrics *metrics.Metrics
	// Publish, when set with Schedule, replaces running a due source with
	// publishing it for a worker (a cluster's scheduler).
	Publish func(ctx context.Context, g *Gatherer, name string, slot time.Time) error
	// Consume, when set, runs once the engine is open (a cluster's
	// documents consumer) and is stopped first by Close.
	Consume func(ctx context.Context, g *Gatherer) error
}

// engine owns everything that gathers: the data directory, the gatherer,
// and (serving) the scheduler, the webhook worker and the SIGHUP
// reloader. Open starts what it owns; Close stops it in order and
// returns when every goroutine it started is gone.
type Engine struct {
	o     Options
	d     *datadir.Dir
	g     *Gatherer
	hooks *webhooks.Worker
	sched *schedule.Scheduler

	consumeStop context.CancelFunc
	consumeDone chan struct{}

	reload    *reloader
	hup       chan os.Signal
	stopHup   context.CancelFunc
	hupDone   chan struct{}
	closeOnce bool

	// retentionStop and retentionDone stop the daily retention.
	retentionStop context.CancelFunc
	retentionDone chan struct{}
}

// New builds an engine from o; nothing runs before Open.
func New(o Options) *Engine {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Engine{o: o, d: o.Dir}
}

// Open opens the data directory (unless given one), builds the gatherer,
// replays the journal and, with Schedule, starts the webhook worker
// (before anything new is raised), the scheduler and the SIGHUP reloader.
// ctx bounds the runs the engine starts; on a failure what was opened is
// closed again.
func (e *Engine) Open(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			err = errors.Join(err, e.Close(context.WithoutCancel(ctx)))
		}
	}()
	if e.d == nil {
		if e.d, err = datadir.Open(e.o.Settings.DataDir); err != nil {
			return err
		}
	}
	e.startRetention(ctx)
	nextRun := e.o.NextRun
	if e.o.Schedule {
		// The scheduler is started below, before the API can ask.
		nextRun = func(name string) time.Time { return e.sched.Next(name) }
	}
	e.g, err = newGathererWith(e.o.Settings, e.d, e.o.Log, gathererHooks{progress: e.o.Progress, nextRun: nextRun,
		replica: e.o.Replica, metrics: e.o.Metrics})
	if err != nil {
		return err
	}
	if e.o.ReplayJournal {
		if _, err := e.g.ReplayJournal(ctx); err != nil {
			e.o.Log.Warn("the ingest journal could not be replayed; will retry at the next start", slog.Any("error", err))
		}
	}
	if e.o.Consume != nil {
		e.startConsume(ctx)
	}
	if !e.o.Schedule {
		return nil
	}
	e.hooks = newWebhookWorker(e.o.Settings, e.d, e.o.Log).Start()
	if e.sched, err = startScheduler(ctx, e.g, e.o.Log, e.o.Publish); err != nil {
		return err
	}
	if e.o.Reload != nil {
		e.startReloader(ctx)
	}
	return nil
}

// startReloader reloads the watch list from the config file and retags
// on SIGHUP.
func (e *Engine) startReloader(ctx context.Context) {
	e.reload = newReloader(e.o.Reload, e.g, e.o.Log)
	e.hup = make(chan os.Signal, 1)
	signal.Notify(e.hup, syscall.SIGHUP)
	var hupCtx context.Context
	hupCtx, e.stopHup = context.WithCancel(ctx)
	e.hupDone = make(chan struct{})
	go func() {
		defer close(e.hupDone)
		for {
			select {
			case <-hupCtx.Done():
				return
			case <-e.hup:
				if err := e.reload.Reload(hupCtx); err != nil {
					e.o.Log.Error("reload failed", slog.Any("error", err))
				}
			}
		}
	}()
}

// Close stops, in order, the scheduler (cancelling runs in flight and
// waiting for them), the reloader and a retag in flight, the webhook
// worker (letting sends in flight finish), and closes the data directory.
// It is safe to call more than once.
func (e *Engine) Close(ctx context.Context) error {
	if e.closeOnce {
		return nil
	}
	e.closeOnce = true
	if e.consumeStop != nil {
		e.consumeStop() // a commit in flight finishes; its batches are acked or replayed
		<-e.consumeDone
	}
	if e.sched != nil {
		e.sched.Stop()
	}
	if e.retentionStop != nil {
		e.retentionStop()
		<-e.retentionDone
	}
	if e.hup != nil {
		signal.Stop(e.hup)
		e.stopHup()
		<-e.hupDone
	}
	if e.reload != nil {
		e.reload.Stop() // a retag in flight ends before the index closes
	}
	if e.hooks != nil {
		e.hooks.Stop() // what is pending stays in the outbox
	}
	if e.d == nil {
		return nil
	}
	if err := e.d.Close(); err != nil {
		return fmt.Errorf("closing the data directory: %w", err)
	}
	return nil
}

// startConsume runs o.Consume until Close.
func (e *Engine) startConsume(ctx context.Context) {
	var cctx context.Context
	cctx, e.consumeStop = context.WithCancel(ctx)
	e.consumeDone = make(chan struct{})
	go func() {
		defer close(e.consumeDone)
		if err := e.o.Consume(cctx, e.g); err != nil {
			e.o.Log.Error("the documents consumer stopped", slog.Any("error", err))
		}
	}()
}

// Gatherer is the engine's gatherer, set once Open has succeeded.
func (e *Engine) Gatherer() *Gatherer { return e.g }

// Options are the options e was built with.
func (e *Engine) Options() Options { return e.o }

// Dir is the engine's open data directory, set once Open has succeeded.
func (e *Engine) Dir() *datadir.Dir { return e.d }
