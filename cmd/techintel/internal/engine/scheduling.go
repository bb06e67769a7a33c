package engine

import (
	"context"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/cmd/techintel/internal/schedule"
)

// newRunPool is the run pool every scheduled run of g goes through.
func newRunPool(g *Gatherer, log *slog.Logger) *schedule.Pool {
	return schedule.NewPool(schedule.PoolOptions{
		Run: func(ctx context.Context, name string, slot schedule.Slot) (api.RunResult, error) {
			m := g.metrics
			if m == nil {
				return g.runSource(ctx, name, slot)
			}
			// Queued from the moment the schedule hands the run over,
			// running once it holds its host's and the pool's slot.
			m.Runs.WithLabelValues(name, "queued").Inc()
			var ended func(error)
			res, err := g.runSource(ctx, name, func(ctx context.Context) (func(), error) {
				release, err := slot(ctx)
				if err == nil {
					src, _ := g.cfg.Source(name)
					ended = m.RunStarted(name, src.Type)
				}
				return release, err
			})
			if ended != nil {
				ended(err)
			}
			return res, err
		},
		BackoffUntil: func(name string) (time.Time, int) {
			st, err := g.store.Source(name)
			if err != nil {
				return time.Time{}, 0
			}
			return st.BackoffUntil, st.ConsecutiveFailures
		},
		Log: log,
	})
}

// startScheduler turns the configuration into the schedule of g's
// sources and of the weekly digest, and starts it.
func startScheduler(ctx context.Context, g *Gatherer, log *slog.Logger,
	publish func(context.Context, *Gatherer, string, time.Time) error) (*schedule.Scheduler, error) {
	o := schedule.Options{Pool: newRunPool(g, log), Log: log}
	if publish != nil {
		o.Publish = func(ctx context.Context, name string, slot time.Time) error { return publish(ctx, g, name, slot) }
	}
	for _, src := range g.cfg.Sources {
		sched, err := SourceSchedule(src.Name, src.Schedule)
		if err != nil {
			return nil, configErrorf("sources (%s).schedule: %v", src.Name, err)
		}
		st, err := g.store.Source(src.Name)
		if err != nil {
			return nil, err
		}
		o.Sources = append(o.Sources, schedule.Source{Name: src.Name, Schedule: sched, LastRun: st.LastRun})
	}
	digestSched, err := cron.ParseStandard(g.cfg.Digest.Schedule)
	if err != nil {
		return nil, configErrorf("digest.schedule: %v", err)
	}
	mailer, err := NewDigestMailer(g.cfg.Digest.SMTP)
	if err != nil {
		return nil, err
	}
	o.Jobs = append(o.Jobs, schedule.Job{Schedule: digestSched, Run: func(ctx context.Context) {
		weeklyDigestJob(ctx, g.digester(time.Now), mailer, log)
	}})
	return schedule.Start(ctx, o), nil
}

// RunPool is the pool the scheduler runs g's due sources through (crawl
// and the refresh benchmark use it too).
func (g *Gatherer) RunPool() *schedule.Pool { return newRunPool(g, g.log) }
