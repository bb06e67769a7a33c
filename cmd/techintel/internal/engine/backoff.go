package engine

import (
	"errors"
	"hash/fnv"
	"math/rand/v2"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/techintel/techintel/feeds"
)

// Backoff after failed scheduled runs: the delay doubles with each
// consecutive failure from backoffBase up to backoffCap, with ±20% jitter so
// that sources failing together do not retry together. A success resets it.
// Manual runs (the API, the crawl command) ignore it.
const (
	backoffBase = time.Minute
	backoffCap  = 12 * time.Hour
	// maxRetryAfter bounds how long a server's Retry-After can silence a
	// source.
	maxRetryAfter = 7 * 24 * time.Hour
)

// backoffDelay returns how long to wait before the next scheduled run after
// the given number of consecutive failures. retryAfter (from a 429 or 503)
// is honoured when it asks for longer. u is a uniform random number in
// [0, 1) for the jitter.
func backoffDelay(failures int, retryAfter time.Duration, u float64) time.Duration {
	if failures <= 0 {
		return 0
	}
	d := backoffBase
	for i := 1; i < failures && d < backoffCap; i++ {
		d *= 2
	}
	d = min(d, backoffCap)
	d = time.Duration(float64(d) * (0.8 + 0.4*u))
	if retryAfter > d {
		d = min(retryAfter, maxRetryAfter)
	}
	return d
}

// retryAfterOf returns the Retry-After a failed fetch carried, if any.
func retryAfterOf(err error) time.Duration {
	var se *feeds.StatusError
	if errors.As(err, &se) {
		return se.RetryAfter
	}
	return 0
}

func jitter() float64 { return rand.Float64() }

// spreadSchedule runs an @every schedule at a fixed phase per source, so
// that a thousand sources with "@every 1h" do not all fire in the same
// second after start, and each keeps its slot across restarts.
type spreadSchedule struct {
	every time.Duration
	phase time.Duration
}

func (s spreadSchedule) Next(t time.Time) time.Time {
	// The next instant after t of the form k*every + phase (Unix time).
	since := t.UnixNano() - int64(s.phase)
	k := since/int64(s.every) + 1
	return time.Unix(0, k*int64(s.every)+int64(s.phase))
}

// SourceSchedule parses a source's schedule; @every schedules are spread
// by a phase derived from the source name.
func SourceSchedule(name, spec string) (cron.Schedule, error) {
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, err
	}
	if cd, ok := sched.(cron.ConstantDelaySchedule); ok && cd.Delay >= time.Minute {
		h := fnv.New64a()
		h.Write([]byte(name))
		phase := time.Duration(h.Sum64() % uint64(cd.Delay/time.Second) * uint64(time.Second))
		return spreadSchedule{every: cd.Delay, phase: phase}, nil
	}
	return sched, nil
}
