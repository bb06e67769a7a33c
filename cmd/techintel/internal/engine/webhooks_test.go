package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/api/notify"
	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
	"github.com/techintel/techintel/cmd/techintel/internal/webhooks"
	"github.com/techintel/techintel/index/store"
)

// growingFeed is an RSS feed on loopback whose items a test adds.
type growingFeed struct {
	*httptest.Server
	mu    sync.Mutex
	items []string
}

func newGrowingFeed(tb testing.TB) *growingFeed {
	f := &growingFeed{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>`)
		for i, title := range f.items {
			fmt.Fprintf(w, "<item><title>%s</title><link>https://news.example/%d</link><description>%s, in detail.</description></item>", title, i, title)
		}
		fmt.Fprint(w, `</channel></rss>`)
	}))
	tb.Cleanup(f.Close)
	return f
}

func (f *growingFeed) add(title string) {
	f.mu.Lock()
	f.items = append(f.items, title)
	f.mu.Unlock()
}

// hookServer is a webhook receiver on loopback that answers with the
// statuses a test queues (200 once the queue is empty) and verifies every
// signature.
type hookServer struct {
	*httptest.Server
	secret string
	mu     sync.Mutex
	answer []int
	got    []hookRequest
	notify chan struct{}
}

type hookRequest struct {
	status   int
	delivery string
	payload  notify.Payload
	verified error
	at       time.Time
}

func newHookServer(tb testing.TB) *hookServer {
	h := &hookServer{notify: make(chan struct{}, 100)}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		status := http.StatusOK
		if len(h.answer) > 0 {
			status, h.answer = h.answer[0], h.answer[1:]
		}
		req := hookRequest{status: status, delivery: r.Header.Get(notify.HeaderDelivery), at: time.Now(),
			verified: notify.Verify(h.secret, r.Header.Get(notify.HeaderSignature), r.Header.Get(notify.HeaderTimestamp), body, time.Now(), 5*time.Minute)}
		req.verified = errorsJoin(req.verified, json.Unmarshal(body, &req.payload))
		h.got = append(h.got, req)
		h.mu.Unlock()
		if status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "600")
		}
		w.WriteHeader(status)
		h.notify <- struct{}{}
	}))
	tb.Cleanup(h.Close)
	return h
}

func errorsJoin(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func (h *hookServer) requests() []hookRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hookRequest(nil), h.got...)
}

func (h *hookServer) queue(statuses ...int) {
	h.mu.Lock()
	h.answer = append(h.answer, statuses...)
	h.mu.Unlock()
}

// webhookEnv is a data directory with a feed source, opened and reopened
// as a restart would.
type webhookEnv struct {
	tb   testing.TB
	cfg  *Settings
	d    *datadir.Dir
	g    *Gatherer
	feed *growingFeed
}

func newWebhookEnv(tb testing.TB) *webhookEnv {
	feed := newGrowingFeed(tb)
	cfg := testSettings(tb)
	cfg.Watch = nokia()
	cfg.Sources = []Source{feedSource("news", feed.URL+"/feed")}
	e := &webhookEnv{tb: tb, cfg: cfg, feed: feed}
	e.open()
	tb.Cleanup(func() {
		if e.d != nil {
			e.d.Close()
		}
	})
	return e
}

func (e *webhookEnv) open() {
	e.tb.Helper()
	var err error
	if e.d, err = datadir.Open(e.cfg.DataDir); err != nil {
		e.tb.Fatal(err)
	}
	if e.g, err = NewGatherer(e.cfg, e.d, slog.New(slog.DiscardHandler)); err != nil {
		e.tb.Fatal(err)
	}
}

func (e *webhookEnv) restart() {
	e.tb.Helper()
	if err := e.d.Close(); err != nil {
		e.tb.Fatal(err)
	}
	e.open()
}

func (e *webhookEnv) subscribe(hook *hookServer) api.Subscription {
	e.tb.Helper()
	sub, err := e.g.Alerter().CreateSubscription(context.Background(), api.SubscriptionRequest{Name: "nokia", Query: "nokia", WebhookURL: hook.URL + "/hook/T0/SECRETPATH"})
	if err != nil {
		e.tb.Fatal(err)
	}
	if len(sub.WebhookSecret) != 64 {
		e.tb.Fatalf("no secret in the created subscription: %+v", sub)
	}
	hook.secret = sub.WebhookSecret
	return sub
}

// worker returns a worker that is not started (rounds are run by the
// test) on a clock the test sets, with no jitter.
func (e *webhookEnv) worker(now *time.Time) *webhooks.Worker {
	return webhooks.New(e.workerOptions(now))
}

func (e *webhookEnv) workerOptions(now *time.Time) webhooks.Options {
	o := webhookOptions(e.cfg, e.d, slog.New(slog.DiscardHandler))
	o.Now = func() time.Time { return *now }
	o.Jitter = func() float64 { return 0.5 }
	return o
}

func (e *webhookEnv) delivery(id string) *api.DeliveryStatus {
	e.tb.Helper()
	sub, err := e.g.Alerter().GetSubscription(context.Background(), id)
	if err != nil {
		e.tb.Fatal(err)
	}
	return sub.Delivery
}

// TestWebhookFailsThenRecovers: an endpoint that fails, across a restart
// of techintel, then recovers gets each alert exactly once, signed, and
// while it is down it gets one request per retry, not one per alert.
func TestWebhookFailsThenRecovers(t *testing.T) {
	e := newWebhookEnv(t)
	hook := newHookServer(t)
	sub := e.subscribe(hook)
	e.feed.add("Nokia opens a lab")
	e.feed.add("Nokia wins a deal")
	if _, err := e.g.RunSource(context.Background(), "news"); err != nil {
		t.Fatal(err)
	}
	if st := e.delivery(sub.ID); st.Pending != 2 || st.LastAttempt != nil {
		t.Fatalf("after the run: %+v", st)
	}

	hook.queue(500, 500)
	now := time.Now()
	w := e.worker(&now)
	if n := w.Round(); n != 2 {
		t.Fatalf("first round took %d deliveries, want 2", n)
	}
	if got := hook.requests(); len(got) != 1 || got[0].status != 500 {
		t.Fatalf("while down, the endpoint got %d requests, want 1 (the second alert waits with the first)", len(got))
	}
	st := e.delivery(sub.ID)
	if st.Pending != 2 || st.Delivered != 0 || !strings.Contains(st.LastError, "HTTP 500") || st.LastAttempt == nil {
		t.Errorf("delivery state while down: %+v", st)
	}
	if strings.Contains(st.LastError, "SECRETPATH") {
		t.Errorf("last_error shows the webhook path: %s", st.LastError)
	}
	now = now.Add(29 * time.Second)
	if n := w.Round(); n != 0 {
		t.Errorf("a round before the 30 s retry took %d", n)
	}

	// techintel restarts: a new store handle on the same file.
	e.restart()
	now = now.Add(2 * time.Second)
	w = e.worker(&now)
	w.Round() // second failure, retried in a minute
	if got := hook.requests(); len(got) != 2 || got[1].status != 500 {
		t.Fatalf("after the restart: %d requests", len(got))
	}
	now = now.Add(61 * time.Second)
	w.Round() // the endpoint is back
	now = now.Add(time.Hour)
	w.Round()
	e.restart()
	w = e.worker(&now)
	w.Round()

	got := hook.requests()
	delivered := map[string]int{}
	for _, r := range got {
		if r.verified != nil {
			t.Errorf("request for alert %s: %v", r.delivery, r.verified)
		}
		if r.delivery != r.payload.Alert.ID || r.payload.Subscription.ID != sub.ID || r.payload.Alert.Document.Title == "" || !strings.Contains(r.payload.Text, "New match for nokia: <https://news.example/") {
			t.Errorf("payload: %+v", r.payload)
		}
		if r.status == http.StatusOK {
			delivered[r.delivery]++
		}
	}
	if len(got) != 4 || len(delivered) != 2 {
		t.Fatalf("%d requests, %d alerts delivered; want 4 and 2: %+v", len(got), len(delivered), got)
	}
	for id, n := range delivered {
		if n != 1 {
			t.Errorf("alert %s delivered %d times", id, n)
		}
	}
	if got[0].delivery != got[1].delivery || got[1].delivery != got[2].delivery {
		t.Errorf("retries are not of the first alert: %v %v %v", got[0].delivery, got[1].delivery, got[2].delivery)
	}
	st = e.delivery(sub.ID)
	if st.Pending != 0 || st.Delivered != 2 || st.Failed != 0 || st.LastError != "" || st.LastSuccess == nil {
		t.Errorf("delivery state after recovery: %+v", st)
	}
	// The API shows it, and the secret only at creation.
	srv := httptest.NewServer(apiHandler(e.g))
	defer srv.Close()
	var one map[string]any
	getJSON(t, srv.URL+"/api/v1/subscriptions/"+sub.ID, &one)
	if d, ok := one["delivery"].(map[string]any); !ok || d["delivered"] != 2.0 || d["pending"] != 0.0 {
		t.Errorf("GET subscription: %v", one)
	}
	if _, ok := one["webhook_secret"]; ok {
		t.Errorf("GET shows the secret: %v", one)
	}
}

// TestWebhookHonoursRetryAfter: a 503 with Retry-After: 600 waits ten
// minutes, longer than the backoff would.
func TestWebhookHonoursRetryAfter(t *testing.T) {
	e := newWebhookEnv(t)
	hook := newHookServer(t)
	e.subscribe(hook)
	e.feed.add("Nokia opens a lab")
	if _, err := e.g.RunSource(context.Background(), "news"); err != nil {
		t.Fatal(err)
	}
	hook.queue(http.StatusServiceUnavailable)
	start := time.Now()
	now := start
	w := e.worker(&now)
	w.Round()
	next, ok, err := e.d.Store.NextDelivery()
	if err != nil || !ok || !next.Equal(start.Add(600*time.Second).UTC()) {
		t.Fatalf("next attempt %v, want %v", next, start.Add(600*time.Second))
	}
	now = start.Add(599 * time.Second)
	w.Round()
	if n := len(hook.requests()); n != 1 {
		t.Fatalf("retried before Retry-After: %d requests", n)
	}
	now = start.Add(600 * time.Second)
	w.Round()
	if got := hook.requests(); len(got) != 2 || got[1].status != http.StatusOK {
		t.Fatalf("after Retry-After: %+v", got)
	}
}

// TestWebhookGivesUp: a delivery that keeps failing is retried with a
// doubling delay, tried a last time at MaxAge after its alert, then marked
// failed and left alone.
func TestWebhookGivesUp(t *testing.T) {
	e := newWebhookEnv(t)
	hook := newHookServer(t)
	sub := e.subscribe(hook)
	e.feed.add("Nokia opens a lab")
	if _, err := e.g.RunSource(context.Background(), "news"); err != nil {
		t.Fatal(err)
	}
	hook.queue(500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500)
	now := time.Now()
	o := e.workerOptions(&now)
	o.Backoff = notify.Backoff{Base: 30 * time.Second, Cap: time.Hour, MaxAge: 2 * time.Hour}
	w := webhooks.New(o)
	for range 12 {
		w.Round()
		next, ok, _ := e.d.Store.NextDelivery()
		if !ok {
			break
		}
		now = next
	}
	st := e.delivery(sub.ID)
	if st.Failed != 1 || st.Pending != 0 || !strings.Contains(st.LastError, "HTTP 500") {
		t.Fatalf("state: %+v", st)
	}
	// 0, 30s, 1m30s, 3m30s, 7m30s, 15m30s, 31m30s, 63m30s, then the
	// deadline at 2h instead of 123m30s.
	got := hook.requests()
	if len(got) != 9 {
		t.Fatalf("%d attempts, want 9", len(got))
	}
	if deadline := got[0].payload.Alert.Created.Add(2 * time.Hour); !now.Equal(deadline) {
		t.Errorf("last attempt at %v, want the deadline %v", now, deadline)
	}
	now = now.Add(24 * time.Hour)
	if w.Round(); len(hook.requests()) != 9 {
		t.Error("a failed delivery was tried again")
	}
}

// TestWebhookPrivateTargetRefused: with allow_private_networks = false a
// literal private webhook URL is a 400, and one that gets through (a name
// that resolves to loopback, or a config changed since) is refused when
// connecting, with a clear error; the receiver gets nothing.
func TestWebhookPrivateTargetRefused(t *testing.T) {
	e := newWebhookEnv(t)
	hook := newHookServer(t)
	strict := *e.cfg
	strict.HTTP.AllowPrivateNetworks = false
	a, err := NewAlerter(&strict, e.d, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Options{Searcher: e.d.Index, Sources: e.g, Subs: a}))
	defer srv.Close()
	for _, u := range []string{hook.URL + "/hook", "http://localhost:9/x", "http://[::1]/x", "http://10.1.2.3/x", "http://169.254.169.254/latest", "http://2130706433/x"} {
		status, body := doJSON(t, "POST", srv.URL+"/api/v1/subscriptions", `{"name":"x","query":"nokia","webhook_url":"`+u+`"}`)
		if status != 400 || !strings.Contains(fmt.Sprint(body["error"]), "private or reserved address") {
			t.Errorf("%s: %d %v", u, status, body)
		}
	}

	sub, err := e.d.Store.AddSubscription(store.Subscription{Name: "n", Query: "nokia", WebhookURL: hook.URL + "/hook", Created: time.Now().Add(-time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	e.feed.add("Nokia opens a lab")
	if _, err := e.g.RunSource(context.Background(), "news"); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	o := webhookOptions(&strict, e.d, slog.New(slog.DiscardHandler))
	o.Now = func() time.Time { return now }
	w := webhooks.New(o)
	w.Round()
	if n := len(hook.requests()); n != 0 {
		t.Fatalf("the private target got %d requests", n)
	}
	st := e.delivery(sub.ID)
	if st.Pending != 1 || !strings.Contains(st.LastError, "private or reserved address (set http.allow_private_networks = true to allow)") {
		t.Errorf("state: %+v", st)
	}
}

// TestWebhookWorkerWakesOnNewAlerts runs the worker's loop as serve does:
// an item appears in a feed, the source runs, and the webhook arrives
// without waiting for a timer. It logs the fetch-to-webhook latency.
func TestWebhookWorkerWakesOnNewAlerts(t *testing.T) {
	e := newWebhookEnv(t)
	hook := newHookServer(t)
	e.subscribe(hook)
	w := newWebhookWorker(e.cfg, e.d, slog.New(slog.DiscardHandler)).Start()
	defer w.Stop()
	for i := range 3 {
		e.feed.add(fmt.Sprintf("Nokia item %d", i))
		start := time.Now()
		if _, err := e.g.RunSource(context.Background(), "news"); err != nil {
			t.Fatal(err)
		}
		select {
		case <-hook.notify:
		case <-time.After(30 * time.Second):
			t.Fatalf("no webhook for item %d", i)
		}
		got := hook.requests()
		t.Logf("item %d: fetch to webhook received in %v", i, got[len(got)-1].at.Sub(start).Round(time.Microsecond))
		if len(got) != i+1 || got[i].payload.Alert.Document.Title != fmt.Sprintf("Nokia item %d", i) || got[i].verified != nil {
			t.Fatalf("requests: %+v", got)
		}
	}
	w.Stop()
	w.Stop() // idempotent
}

// BenchmarkFetchToWebhook measures fetch-to-alert latency end to end: a
// feed on loopback gains an item, the source runs (fetch, parse, tag,
// index, percolate, outbox) and the signed webhook is received. The
// baseline is the source run alone, without a subscription.
func BenchmarkFetchToWebhook(b *testing.B) {
	for _, withHook := range []bool{false, true} {
		name := "run-only"
		if withHook {
			name = "run+webhook"
		}
		b.Run(name, func(b *testing.B) {
			e := newWebhookEnv(b)
			hook := newHookServer(b)
			if withHook {
				e.subscribe(hook)
			}
			w := newWebhookWorker(e.cfg, e.d, slog.New(slog.DiscardHandler)).Start()
			defer w.Stop()
			i := 0
			for b.Loop() {
				i++
				e.feed.add(fmt.Sprintf("Nokia item %d", i))
				if _, err := e.g.RunSource(context.Background(), "news"); err != nil {
					b.Fatal(err)
				}
				if withHook {
					<-hook.notify
				}
			}
		})
	}
}

// TestWebhookWorkerStopLetsSendInFlightFinish: stop waits for a send in
// flight (within the grace period) and records it, so it is not sent
// again after a restart.
func TestWebhookWorkerStopLetsSendInFlightFinish(t *testing.T) {
	e := newWebhookEnv(t)
	arrived, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(arrived) })
		<-release
	}))
	defer slow.Close()
	sub, err := e.g.Alerter().CreateSubscription(context.Background(), api.SubscriptionRequest{Name: "n", Query: "nokia", WebhookURL: slow.URL})
	if err != nil {
		t.Fatal(err)
	}
	w := newWebhookWorker(e.cfg, e.d, slog.New(slog.DiscardHandler)).Start()
	e.feed.add("Nokia opens a lab")
	if _, err := e.g.RunSource(context.Background(), "news"); err != nil {
		t.Fatal(err)
	}
	<-arrived
	stopped := make(chan struct{})
	go func() { w.Stop(); close(stopped) }()
	select {
	case <-stopped:
		t.Fatal("stop returned with a send in flight")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	<-stopped
	if st := e.delivery(sub.ID); st.Delivered != 1 || st.Pending != 0 {
		t.Errorf("after stop: %+v", st)
	}
}

// TestWebhookSendsTheTitleAndURLOfAGoneDocument: a document that left the
// index before its alert was delivered is sent with the title and URL its
// alert kept, not given up on.
func TestWebhookSendsTheTitleAndURLOfAGoneDocument(t *testing.T) {
	e := newWebhookEnv(t)
	hook := newHookServer(t)
	e.subscribe(hook)
	e.feed.add("Nokia opens a lab")
	if _, err := e.g.RunSource(context.Background(), "news"); err != nil {
		t.Fatal(err)
	}
	alerts, _, err := e.d.Store.Alerts("", "", 10)
	if err != nil || len(alerts) != 1 {
		t.Fatalf("alerts %+v, %v", alerts, err)
	}
	// Retention drops its partition: the store keeps its title and URL
	// as it leaves.
	if _, err := e.g.Index().DropBefore(time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	e.worker(&now).Round()
	got := hook.requests()
	if len(got) != 1 || got[0].status != 200 || got[0].verified != nil {
		t.Fatalf("requests: %+v", got)
	}
	doc := got[0].payload.Alert.Document
	if doc.ID != alerts[0].Document || doc.Title != "Nokia opens a lab" || doc.URL != "https://news.example/0" || doc.Snippet != "" {
		t.Errorf("payload document %+v, want the alert's title and URL only", doc)
	}
}
