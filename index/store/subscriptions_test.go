package store_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/techintel/techintel/index/store"
)

func TestAlertsOncePerPairAcrossRestarts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	a, _ := s.AddSubscription(store.Subscription{Name: "a", Query: "nokia", Created: now})
	b, _ := s.AddSubscription(store.Subscription{Name: "b", Entities: []string{"Nokia"}, Created: now.Add(time.Second)})
	added, err := s.AddAlerts([]store.Match{{Subscription: a.ID, Document: "d1"}, {Subscription: a.ID, Document: "d2"}, {Subscription: b.ID, Document: "d1"}, {Subscription: a.ID, Document: "d1"}}, now)
	if err != nil || len(added) != 3 {
		t.Fatalf("added %v, %v", added, err)
	}
	s.Close()

	s, err = store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	added, err = s.AddAlerts([]store.Match{{Subscription: a.ID, Document: "d1"}, {Subscription: b.ID, Document: "d1"}, {Subscription: a.ID, Document: "d3"}, {Subscription: "deleted-sub", Document: "d3"}}, now)
	if err != nil || len(added) != 1 || added[0].Document != "d3" {
		t.Fatalf("after restart added %v, %v", added, err)
	}
	subs, _ := s.Subscriptions()
	if len(subs) != 2 || subs[0].Name != "a" {
		t.Errorf("subscriptions = %+v", subs)
	}
}

// TestAlertCursorPolling: a poller that always stores next and passes it
// back sees every alert exactly once, across polls with nothing new.
func TestAlertCursorPolling(t *testing.T) {
	s, err := store.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, _ := s.AddSubscription(store.Subscription{Name: "a"})
	cursor := ""
	var seen []string
	poll := func() {
		t.Helper()
		page, next, err := s.Alerts(a.ID, cursor, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, al := range page {
			seen = append(seen, al.Document)
		}
		if len(page) > 0 && next != page[len(page)-1].ID {
			t.Errorf("next %q, want the last alert returned %q", next, page[len(page)-1].ID)
		}
		cursor = next
	}
	poll() // nothing yet
	if cursor != "" {
		t.Errorf("first empty poll: next %q, want \"\"", cursor)
	}
	for round := range 3 {
		var m []store.Match
		for i := range 3 {
			m = append(m, store.Match{Subscription: a.ID, Document: fmt.Sprint(round, "-", i)})
		}
		if _, err := s.AddAlerts(m, time.Now()); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			poll() // 2, 1, then nothing new
		}
	}
	if len(seen) != 9 {
		t.Errorf("poller saw %d alerts, want 9 each once: %v", len(seen), seen)
	}
}

func TestAlertCursorPaging(t *testing.T) {
	s, err := store.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, _ := s.AddSubscription(store.Subscription{Name: "a"})
	b, _ := s.AddSubscription(store.Subscription{Name: "b"})
	var matches []store.Match
	for i := range 7 {
		matches = append(matches, store.Match{Subscription: a.ID, Document: fmt.Sprint("a", i)}, store.Match{Subscription: b.ID, Document: fmt.Sprint("b", i)})
	}
	if _, err := s.AddAlerts(matches, time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		sub  string
		want int
	}{{"", 14}, {a.ID, 7}, {b.ID, 7}} {
		var got []string
		after := ""
		for range 20 {
			page, next, err := s.Alerts(tt.sub, after, 3)
			if err != nil {
				t.Fatal(err)
			}
			for _, al := range page {
				if tt.sub != "" && al.Subscription != tt.sub {
					t.Errorf("alert of %s in the list of %s", al.Subscription, tt.sub)
				}
				got = append(got, al.ID)
			}
			if len(page) == 0 {
				if next != after {
					t.Errorf("empty page: next %q, want the cursor given (%q)", next, after)
				}
				break
			}
			after = next
		}
		if len(got) != tt.want {
			t.Errorf("sub %q: %d alerts, want %d (%v)", tt.sub, len(got), tt.want, got)
		}
		for i := 1; i < len(got); i++ {
			if len(got[i]) < len(got[i-1]) || (len(got[i]) == len(got[i-1]) && got[i] <= got[i-1]) {
				t.Errorf("sub %q: not oldest first: %v", tt.sub, got)
			}
		}
	}
	if _, _, err := s.Alerts("", "x", 3); err == nil {
		t.Error("bad cursor accepted")
	}
	if err := s.DeleteSubscription(a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Subscription(a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted subscription: %v", err)
	}
	if all, _, _ := s.Alerts("", "", 100); len(all) != 7 {
		t.Errorf("after delete, %d alerts remain, want 7", len(all))
	}
	if err := s.DeleteSubscription(a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}

func TestAlertsOncePerStory(t *testing.T) {
	s, err := store.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	a, _ := s.AddSubscription(store.Subscription{Name: "a", Query: "nokia", Created: now})
	b, _ := s.AddSubscription(store.Subscription{Name: "b", Query: "vodafone", Created: now})
	// d1 and d2 are one story told twice, in one batch and then again.
	added, err := s.AddAlerts([]store.Match{
		{Subscription: a.ID, Document: "d1", Story: "d1"},
		{Subscription: a.ID, Document: "d2", Story: "d1"},
		{Subscription: b.ID, Document: "d2", Story: "d1"},
	}, now)
	if err != nil || len(added) != 2 || added[0].Document != "d1" || added[1].Subscription != b.ID {
		t.Fatalf("added %+v, %v; want one alert per subscription and story", added, err)
	}
	added, err = s.AddAlerts([]store.Match{
		{Subscription: a.ID, Document: "d3", Story: "d1"},
		{Subscription: a.ID, Document: "d4", Story: "d4"},
	}, now)
	if err != nil || len(added) != 1 || added[0].Document != "d4" {
		t.Fatalf("later copy of the story: added %+v, %v", added, err)
	}
	// Deleting the subscription forgets its stories with it.
	if err := s.DeleteSubscription(a.ID); err != nil {
		t.Fatal(err)
	}
	c, _ := s.AddSubscription(store.Subscription{Name: "c", Query: "nokia", Created: now})
	if added, err = s.AddAlerts([]store.Match{{Subscription: c.ID, Document: "d2", Story: "d1"}}, now); err != nil || len(added) != 1 {
		t.Fatalf("new subscription: added %+v, %v", added, err)
	}
}
