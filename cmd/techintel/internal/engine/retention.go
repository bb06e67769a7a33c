package engine

import (
	"context"
	"log/slog"
	"time"
)

// retentionEvery is how often serve applies data.retention.
const retentionEvery = 24 * time.Hour

// startRetention drops the index's partitions older than
// Settings.Retention now and, when the engine schedules (serve), once a
// day until ctx ends or the engine closes. The index logs each partition
// it drops.
func (e *Engine) startRetention(ctx context.Context) {
	r := e.o.Settings.Retention
	if r.IsZero() {
		return
	}
	ix := e.d.Index
	ix.SetRetention(r, e.o.Log)
	apply := func() {
		if _, err := ix.ApplyRetention(time.Now()); err != nil {
			e.o.Log.Error("retention: dropping old partitions failed; will retry", slog.Any("error", err))
		}
	}
	apply()
	if !e.o.Schedule {
		return
	}
	var rctx context.Context
	rctx, e.retentionStop = context.WithCancel(ctx)
	e.retentionDone = make(chan struct{})
	go func() {
		defer close(e.retentionDone)
		t := time.NewTicker(retentionEvery)
		defer t.Stop()
		for {
			select {
			case <-rctx.Done():
				return
			case <-t.C:
				apply()
			}
		}
	}()
}
