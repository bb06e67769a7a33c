// Package webhooks delivers the alerts queued in the state store's outbox
// to their subscriptions' webhooks, signed, with retries, resuming after a
// restart where it stopped.
package webhooks

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/techintel/techintel/api/notify"
	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/store"
)

// Webhook delivery settings.
const (
	webhookTimeout  = 10 * time.Second // per request
	webhookParallel = 4                // subscriptions served at once
	webhookBatch    = 200              // due deliveries taken per round
	webhookGrace    = 5 * time.Second  // how long Stop lets sends in flight finish
	// webhookIdle bounds a sleep, so a clock change cannot hold a retry
	// back for long; webhookMinSleep keeps a store that keeps failing
	// from spinning the loop.
	webhookIdle     = time.Minute
	webhookMinSleep = 200 * time.Millisecond
	// webhookStoreRetry is the pause after the outbox failed to record an
	// outcome.
	webhookStoreRetry = 30 * time.Second
)

// Worker sends the outbox's deliveries: it wakes when alerts are
// queued and when a retry is due, sends each due delivery (one at a time
// per subscription, several subscriptions at once) and records the
// outcome. The outbox is in the store, so a restart resumes where it
// stopped; a send cut short by shutdown is not recorded and is sent again
// after the restart (receivers drop duplicates by X-Techintel-Delivery).
type Worker struct {
	store   *store.Store
	index   *index.Index
	sender  *notify.Sender
	log     *slog.Logger
	now     func() time.Time
	jitter  func() float64
	backoff notify.Backoff

	sendCtx     context.Context
	cancelSends context.CancelFunc
	quit        chan struct{}
	done        chan struct{}
	stopOnce    sync.Once
	// storeFailed is set when an outcome could not be recorded.
	storeFailed atomic.Bool
}

// Timeout is how long one webhook request may take.
const Timeout = webhookTimeout

// Options configure a Worker.
type Options struct {
	Store *store.Store
	Index *index.Index
	// Transport carries the requests: the fetchers' SSRF-guarded one in
	// techintel (netguard), with a response timeout of Timeout.
	Transport http.RoundTripper
	UserAgent string
	Logger    *slog.Logger
	// Now, Jitter and Backoff default to the clock, rand.Float64 and
	// notify.DefaultBackoff.
	Now     func() time.Time
	Jitter  func() float64
	Backoff notify.Backoff
}

// New wires a worker; Start runs it.
func New(o Options) *Worker {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Jitter == nil {
		o.Jitter = rand.Float64
	}
	if o.Backoff == (notify.Backoff{}) {
		o.Backoff = notify.DefaultBackoff
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Worker{
		store:   o.Store,
		index:   o.Index,
		sender:  notify.NewSender(o.Transport, o.UserAgent, webhookTimeout),
		log:     o.Logger,
		now:     o.Now,
		jitter:  o.Jitter,
		backoff: o.Backoff,

		sendCtx:     ctx,
		cancelSends: cancel,
		quit:        make(chan struct{}),
		done:        make(chan struct{}),
	}
}

// Start runs the worker until Stop.
func (w *Worker) Start() *Worker {
	go w.loop()
	return w
}

// Stop lets sends in flight finish for up to webhookGrace, cancels the
// rest and waits for the worker to return. It is safe to call more than
// once.
func (w *Worker) Stop() {
	w.stopOnce.Do(func() {
		close(w.quit)
		select {
		case <-w.done:
		case <-time.After(webhookGrace):
			w.cancelSends()
			<-w.done
		}
		w.cancelSends()
	})
}

func (w *Worker) stopping() bool {
	select {
	case <-w.quit:
		return true
	default:
		return false
	}
}

func (w *Worker) loop() {
	defer close(w.done)
	for {
		for w.Round() == webhookBatch && !w.stopping() {
		}
		sleep := webhookIdle
		next, ok, err := w.store.NextDelivery()
		if err != nil {
			w.log.Error("webhooks: reading the outbox", slog.Any("error", err))
		} else if ok {
			sleep = min(sleep, next.Sub(w.now()))
		}
		if w.storeFailed.Swap(false) {
			// An outcome could not be recorded (a full or read-only
			// disk): the deliveries are still due, and sending them
			// again at once would flood their endpoints.
			sleep = webhookStoreRetry
		}
		timer := time.NewTimer(max(sleep, webhookMinSleep))
		select {
		case <-w.quit:
			timer.Stop()
			return
		case <-w.store.Enqueued():
		case <-timer.C:
		}
		timer.Stop()
	}
}

// Round sends the deliveries due now and returns how many it took: one
// pass of the loop Start runs (tests drive it directly).
func (w *Worker) Round() int {
	due, err := w.store.DueDeliveries(w.now(), webhookBatch)
	if err != nil {
		w.log.Error("webhooks: reading the outbox", slog.Any("error", err))
		return 0
	}
	var order []string
	bySub := map[string][]store.Delivery{}
	for _, d := range due {
		if _, ok := bySub[d.Subscription]; !ok {
			order = append(order, d.Subscription)
		}
		bySub[d.Subscription] = append(bySub[d.Subscription], d)
	}
	sem := make(chan struct{}, webhookParallel)
	var wg sync.WaitGroup
	for _, sub := range order {
		select {
		case sem <- struct{}{}:
		case <-w.quit:
		}
		if w.stopping() {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			w.deliverAll(bySub[sub])
		}()
	}
	wg.Wait()
	if w.storeFailed.Load() {
		return 0 // pause before the next round
	}
	return len(due)
}

// deliverAll sends the due deliveries of one subscription in order. When
// one fails, the rest wait with it until its retry: an endpoint that is
// down gets one request per retry, not one per pending alert.
func (w *Worker) deliverAll(list []store.Delivery) {
	sub, err := w.store.Subscription(list[0].Subscription)
	if errors.Is(err, store.ErrNotFound) {
		return // deleted meanwhile, its deliveries with it
	}
	if err != nil {
		w.log.Error("webhooks: reading a subscription", slog.String("subscription", list[0].Subscription), slog.Any("error", err))
		return
	}
	for i, d := range list {
		if w.stopping() {
			return
		}
		retryAt := w.deliver(sub, d)
		if w.sendCtx.Err() != nil {
			return
		}
		if !retryAt.IsZero() && i+1 < len(list) {
			rest := make([]string, 0, len(list)-i-1)
			for _, r := range list[i+1:] {
				rest = append(rest, r.Alert)
			}
			if err := w.store.Postpone(rest, retryAt); err != nil {
				w.storeFailed.Store(true)
				w.log.Error("webhooks: postponing deliveries", slog.String("subscription", sub.ID), slog.Any("error", err))
			}
			return
		}
	}
}

// deliver sends one delivery and records the outcome; after a failure it
// returns when the delivery will be retried (zero if it gave up or was
// delivered).
func (w *Worker) deliver(sub store.Subscription, d store.Delivery) (retryAt time.Time) {
	attempt := store.Attempt{At: w.now()}
	retryAfter := time.Duration(0)
	permanent := false
	var hit index.Hit
	doc, err := w.index.Get(w.sendCtx, d.Document)
	if err == nil {
		hit = index.HitOf(doc)
	} else if errors.Is(err, index.ErrNotFound) {
		// The store kept its title and URL as it left the index: enough
		// to send.
		if a, aerr := w.store.Alert(d.Subscription, d.Alert); aerr == nil && a.URL != "" {
			hit, err = index.GoneHit(a.Document, a.URL, a.Title), nil
		}
	}
	switch {
	case sub.Secret == "":
		attempt.Err, permanent = "the subscription has no signing secret (it predates webhook delivery): delete and create it again", true
	case errors.Is(err, index.ErrNotFound):
		attempt.Err, permanent = "document "+d.Document+" is no longer in the index", true
	case err != nil:
		attempt.Err = "reading the document: " + err.Error()
	default:
		p := notify.NewPayload(sub.ID, sub.Name, sub.Query, d.Alert, d.AlertCreated, hit)
		err = w.sender.Send(w.sendCtx, sub.WebhookURL, sub.Secret, p)
		if err != nil && w.sendCtx.Err() != nil {
			return time.Time{} // shutting down: not the endpoint's failure, sent again after restart
		}
		if err != nil {
			attempt.Err = err.Error()
			var se *notify.SendError
			if errors.As(err, &se) {
				retryAfter = se.RetryAfter
			}
		}
	}
	if attempt.Err != "" && !permanent {
		attempt.RetryAt = w.backoff.Next(d.Attempts+1, d.AlertCreated, attempt.At, retryAfter, w.jitter())
	}
	rec, err := w.store.RecordAttempt(d.Alert, attempt)
	if errors.Is(err, store.ErrNotFound) {
		return time.Time{} // deleted while we sent
	}
	if err != nil {
		w.storeFailed.Store(true)
		w.log.Error("webhooks: recording a delivery", slog.String("alert", d.Alert), slog.Any("error", err))
		return time.Time{}
	}
	attrs := []any{slog.String("subscription", sub.ID), slog.String("alert", d.Alert), slog.Int("attempts", rec.Attempts)}
	switch rec.Status {
	case store.DeliveryDelivered:
		w.log.Debug("webhook delivered", attrs...)
	case store.DeliveryFailed:
		w.log.Error("webhook delivery failed; giving up", append(attrs, slog.String("error", attempt.Err))...)
	default:
		w.log.Warn("webhook delivery failed; will retry", append(attrs, slog.String("error", attempt.Err), slog.Time("retry_at", rec.NextAttempt))...)
	}
	return attempt.RetryAt
}
