package main

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/techintel/techintel/api/notify"
	"github.com/techintel/techintel/cmd/techintel/internal/netguard"
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

// webhookWorker sends the outbox's deliveries: it wakes when alerts are
// queued and when a retry is due, sends each due delivery (one at a time
// per subscription, several subscriptions at once) and records the
// outcome. The outbox is in the store, so a restart resumes where it
// stopped; a send cut short by shutdown is not recorded and is sent again
// after the restart (receivers drop duplicates by X-Techintel-Delivery).
type webhookWorker struct {
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

// newWebhookWorker wires a worker; start runs it. Its requests go through
// the fetchers' SSRF-guarded transport.
func newWebhookWorker(cfg *Config, st *store.Store, ix *index.Index, log *slog.Logger) *webhookWorker {
	ctx, cancel := context.WithCancel(context.Background())
	return &webhookWorker{
		store:   st,
		index:   ix,
		sender:  notify.NewSender(netguard.NewTransport(cfg.HTTP.AllowPrivateNetworks, webhookTimeout), cfg.HTTP.UserAgent, webhookTimeout),
		log:     log,
		now:     time.Now,
		jitter:  rand.Float64,
		backoff: notify.DefaultBackoff,

		sendCtx:     ctx,
		cancelSends: cancel,
		quit:        make(chan struct{}),
		done:        make(chan struct{}),
	}
}

// start runs the worker until stop.
func (w *webhookWorker) start() *webhookWorker {
	go w.loop()
	return w
}

// stop lets sends in flight finish for up to webhookGrace, cancels the
// rest and waits for the worker to return. It is safe to call more than
// once.
func (w *webhookWorker) stop() {
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

func (w *webhookWorker) stopping() bool {
	select {
	case <-w.quit:
		return true
	default:
		return false
	}
}

func (w *webhookWorker) loop() {
	defer close(w.done)
	for {
		for w.round() == webhookBatch && !w.stopping() {
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

// round sends the deliveries due now and returns how many it took.
func (w *webhookWorker) round() int {
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
func (w *webhookWorker) deliverAll(list []store.Delivery) {
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
func (w *webhookWorker) deliver(sub store.Subscription, d store.Delivery) (retryAt time.Time) {
	attempt := store.Attempt{At: w.now()}
	retryAfter := time.Duration(0)
	permanent := false
	switch doc, err := w.index.Get(w.sendCtx, d.Document); {
	case sub.Secret == "":
		attempt.Err, permanent = "the subscription has no signing secret (it predates webhook delivery): delete and create it again", true
	case errors.Is(err, index.ErrNotFound):
		attempt.Err, permanent = "document "+d.Document+" is no longer in the index", true
	case err != nil:
		attempt.Err = "reading the document: " + err.Error()
	default:
		p := notify.NewPayload(sub.ID, sub.Name, sub.Query, d.Alert, d.AlertCreated, index.HitOf(doc))
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

// privateHost reports whether a URL's host is, literally, a place the
// guarded transport will refuse: a blocked address or a localhost name.
func privateHost(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	if ip, err := netip.ParseAddr(strings.Trim(h, "[]")); err == nil {
		return netguard.BlockedAddr(ip)
	}
	// Numeric forms the resolver accepts but ParseAddr does not ("2130706433").
	if n, err := strconv.ParseUint(h, 0, 32); err == nil {
		return netguard.BlockedAddr(netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}))
	}
	return false
}
