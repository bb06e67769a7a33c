package store_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/techintel/techintel/index/store"
)

func openStore(tb testing.TB, path string) *store.Store {
	tb.Helper()
	s, err := store.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func dueIDs(tb testing.TB, s *store.Store, now time.Time) []string {
	tb.Helper()
	due, err := s.DueDeliveries(now, 100)
	if err != nil {
		tb.Fatal(err)
	}
	ids := []string{}
	for _, d := range due {
		ids = append(ids, d.Alert)
	}
	return ids
}

func TestOutboxQueuesEachNewWebhookAlertOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := openStore(t, path)
	t0 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	hooked, err := s.AddSubscription(store.Subscription{Name: "hooked", Query: "nokia", WebhookURL: "https://hooks.example/x", Created: t0})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := s.AddSubscription(store.Subscription{Name: "plain", Query: "nokia", Created: t0})
	if err != nil {
		t.Fatal(err)
	}
	if len(hooked.Secret) != 64 || plain.Secret != "" {
		t.Fatalf("secrets: hooked %q, plain %q; want 64 hex digits for a webhook subscription only", hooked.Secret, plain.Secret)
	}
	if got, _ := s.Subscription(hooked.ID); got.Secret != hooked.Secret {
		t.Errorf("stored secret %q, want %q", got.Secret, hooked.Secret)
	}

	matches := []store.Match{{Subscription: hooked.ID, Document: "doc-1"}, {Subscription: plain.ID, Document: "doc-1"}, {Subscription: hooked.ID, Document: "doc-2"}}
	added, err := s.AddAlerts(matches, t0)
	if err != nil || len(added) != 3 {
		t.Fatalf("AddAlerts = %v, %v", added, err)
	}
	select {
	case <-s.Enqueued():
	default:
		t.Error("Enqueued not signalled after deliveries were queued")
	}
	// The same matches again (a re-fetch) raise and queue nothing.
	if again, err := s.AddAlerts(matches, t0.Add(time.Minute)); err != nil || len(again) != 0 {
		t.Fatalf("second AddAlerts = %v, %v", again, err)
	}
	select {
	case <-s.Enqueued():
		t.Error("Enqueued signalled though nothing was queued")
	default:
	}
	// Only the webhook subscription's alerts are queued, and they survive
	// a reopen.
	s.Close()
	s = openStore(t, path)
	if got := dueIDs(t, s, t0); len(got) != 2 || got[0] != added[0].ID || got[1] != added[2].ID {
		t.Fatalf("due after reopen = %v, want [%s %s]", got, added[0].ID, added[2].ID)
	}
	if _, err := s.Delivery(added[1].ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delivery of a subscription without webhook: %v, want ErrNotFound", err)
	}
	stats, err := s.DeliveryStats()
	if err != nil {
		t.Fatal(err)
	}
	if st := stats[hooked.ID]; st.Pending != 2 || st.Delivered != 0 {
		t.Errorf("stats = %+v", st)
	}
	if _, ok := stats[plain.ID]; ok {
		t.Errorf("stats for a subscription without webhook: %+v", stats[plain.ID])
	}
}

func TestOutboxAttempts(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "state.db"))
	t0 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	sub, _ := s.AddSubscription(store.Subscription{Name: "h", Query: "x", WebhookURL: "https://hooks.example/x", Created: t0})
	added, err := s.AddAlerts([]store.Match{{Subscription: sub.ID, Document: "a"}, {Subscription: sub.ID, Document: "b"}, {Subscription: sub.ID, Document: "c"}}, t0)
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := added[0].ID, added[1].ID, added[2].ID

	// a fails and retries in 30s; b and c wait with it.
	retry := t0.Add(30 * time.Second)
	d, err := s.RecordAttempt(a, store.Attempt{At: t0, Err: "HTTP 500", RetryAt: retry})
	if err != nil || d.Status != store.DeliveryPending || d.Attempts != 1 || !d.NextAttempt.Equal(retry) {
		t.Fatalf("after a failure: %+v, %v", d, err)
	}
	if err := s.Postpone([]string{b, c}, retry); err != nil {
		t.Fatal(err)
	}
	if got := dueIDs(t, s, retry.Add(-time.Nanosecond)); len(got) != 0 {
		t.Errorf("due before the retry time: %v", got)
	}
	if next, ok, err := s.NextDelivery(); err != nil || !ok || !next.Equal(retry) {
		t.Errorf("NextDelivery = %v, %v, %v; want %v", next, ok, err, retry)
	}
	if got := dueIDs(t, s, retry); len(got) != 3 || got[0] != a {
		t.Errorf("due at the retry time = %v, want a (%s) first of three", got, a)
	}
	if d, _ := s.Delivery(b); d.Attempts != 0 {
		t.Errorf("a postponed delivery counted an attempt: %+v", d)
	}

	// a is delivered, b gives up, c is still pending.
	if d, err := s.RecordAttempt(a, store.Attempt{At: retry}); err != nil || d.Status != store.DeliveryDelivered || d.LastError != "" {
		t.Fatalf("delivered: %+v, %v", d, err)
	}
	if d, err := s.RecordAttempt(b, store.Attempt{At: retry, Err: "HTTP 410"}); err != nil || d.Status != store.DeliveryFailed {
		t.Fatalf("failed: %+v, %v", d, err)
	}
	// Settled deliveries leave the outbox (their counts stay) and take
	// no further outcome: never sent twice.
	for _, id := range []string{a, b} {
		if _, err := s.Delivery(id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("settled delivery %s still in the outbox: %v", id, err)
		}
	}
	if _, err := s.RecordAttempt(a, store.Attempt{At: retry}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("recording a delivered one again: %v, want ErrNotFound", err)
	}
	if got := dueIDs(t, s, retry.Add(time.Hour)); len(got) != 1 || got[0] != c {
		t.Errorf("due = %v, want only c (%s)", got, c)
	}
	stats, _ := s.DeliveryStats()
	st := stats[sub.ID]
	if st.Pending != 1 || st.Delivered != 1 || st.Failed != 1 || !st.LastSuccess.Equal(retry) || st.LastError != "HTTP 410" {
		t.Errorf("stats = %+v", st)
	}

	// Deleting the subscription forgets its deliveries.
	if err := s.DeleteSubscription(sub.ID); err != nil {
		t.Fatal(err)
	}
	if got := dueIDs(t, s, retry.Add(time.Hour)); len(got) != 0 {
		t.Errorf("due after delete = %v", got)
	}
	if _, ok, _ := s.NextDelivery(); ok {
		t.Error("NextDelivery after delete still has one")
	}
	if _, err := s.RecordAttempt(c, store.Attempt{At: retry}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("recording a deleted subscription's delivery: %v, want ErrNotFound", err)
	}
	if stats, _ := s.DeliveryStats(); len(stats) != 0 {
		t.Errorf("stats after delete = %+v", stats)
	}
}
