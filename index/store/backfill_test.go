package store_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/techintel/techintel/index/store"
)

// TestSubscriptionAndBackfillAreOneTransaction: a kill between storing a
// subscription and its backfill left 11 of 835 subscriptions without
// alerts. Stored together, a failure in the backfill (here a key bbolt
// refuses) leaves no subscription either; a success leaves both, and both
// survive a reopen.
func TestSubscriptionAndBackfillAreOneTransaction(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	bad := []store.Match{{Document: "doc1"}, {Document: strings.Repeat("x", 40_000)}} // past bbolt's key size
	if _, _, err := s.AddSubscriptionWithAlerts(store.Subscription{Name: "half", Query: "radio"}, bad, now); err == nil {
		t.Fatal("a backfill bbolt cannot store was accepted")
	}
	if subs, _ := s.Subscriptions(); len(subs) != 0 {
		t.Errorf("the subscription was stored without its backfill: %+v", subs)
	}
	if alerts, _, _ := s.Alerts("", "", 10); len(alerts) != 0 {
		t.Errorf("alerts without their subscription: %+v", alerts)
	}

	sub, added, err := s.AddSubscriptionWithAlerts(store.Subscription{Name: "whole", Query: "radio", WebhookURL: "https://hook.example/"},
		[]store.Match{{Document: "doc1"}, {Document: "doc2"}}, now)
	if err != nil || len(added) != 2 || added[0].Subscription != sub.ID {
		t.Fatalf("%v, %+v", err, added)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	alerts, _, err := s.Alerts(sub.ID, "", 10)
	if err != nil || len(alerts) != 2 {
		t.Errorf("after reopening: %v, %d alerts", err, len(alerts))
	}
	if p, _ := s.DueDeliveries(now.Add(time.Hour), 10); len(p) != 2 {
		t.Errorf("webhook deliveries queued: %d, want 2", len(p))
	}
}
