package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// writeV1Alerts writes alerts as the store kept them before compact
// alerts: JSON copies by sequence, a per-subscription index and the
// (subscription, document) and (subscription, story) pairs.
func writeV1Alerts(t *testing.T, path string, subs []string, alerts []Alert, stories map[string]string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		sb, _ := tx.CreateBucketIfNotExists(bucketSubs)
		for _, id := range subs {
			v, _ := json.Marshal(Subscription{ID: id, Name: id, Query: "x"})
			if err := sb.Put([]byte(id), v); err != nil {
				return err
			}
		}
		all, _ := tx.CreateBucketIfNotExists(bucketAlertsV1)
		per, _ := tx.CreateBucketIfNotExists(bucketSubAlertsV1)
		pairs, _ := tx.CreateBucketIfNotExists(bucketAlertedV1)
		for _, a := range alerts {
			seq, _ := all.NextSequence()
			a.ID = fmt.Sprint(seq)
			key := binary.BigEndian.AppendUint64(nil, seq)
			v, _ := json.Marshal(a)
			if err := all.Put(key, v); err != nil {
				return err
			}
			if err := per.Put(append([]byte(a.Subscription+"\x00"), key...), nil); err != nil {
				return err
			}
			if err := pairs.Put([]byte(a.Subscription+"\x00"+a.Document), key); err != nil {
				return err
			}
			if st := stories[a.Document]; st != "" {
				if err := pairs.Put([]byte(a.Subscription+"\x00\x01"+st), key); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func docID(i int) string { return fmt.Sprintf("%032x", i+1) }

// TestAlertsMigrate: alerts stored before compact alerts are still listed
// with their IDs and times, still count as alerted (for their documents
// and stories), and new alerts follow them.
func TestAlertsMigrate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	subA, subB := "00000000000000aa", "00000000000000bb"
	t0 := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	old := []Alert{
		{Subscription: subA, Document: docID(1), Created: t0},
		{Subscription: subB, Document: docID(1), Created: t0.Add(time.Minute)},
		{Subscription: subA, Document: "not-a-hex-id", Created: t0.Add(2 * time.Minute)},
	}
	writeV1Alerts(t, path, []string{subA, subB}, old, map[string]string{docID(1): "story-1"})
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, _, err := s.Alerts("", "", 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []Alert{
		{ID: "1", Subscription: subA, Document: docID(1), Created: t0},
		{ID: "2", Subscription: subB, Document: docID(1), Created: t0.Add(time.Minute)},
		{ID: "3", Subscription: subA, Document: "not-a-hex-id", Created: t0.Add(2 * time.Minute)},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("after migration:\n got %+v\nwant %+v", got, want)
	}
	// The pairs and the story still alert once; a new pair gets the
	// next ID.
	added, err := s.AddAlerts([]Match{
		{Subscription: subA, Document: docID(1)},
		{Subscription: subB, Document: docID(2), Story: "story-1"},
		{Subscription: subA, Document: "not-a-hex-id"},
		{Subscription: subB, Document: docID(3)},
	}, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(added) != 1 || added[0].ID != "4" || added[0].Document != docID(3) {
		t.Fatalf("added %+v, want only alert 4 for document 3", added)
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketAlertsV1, bucketSubAlertsV1, bucketAlertedV1} {
			if tx.Bucket(name) != nil {
				return fmt.Errorf("bucket %s is still there", name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestAlertsCompactListing: every subscription's log merged in ID order,
// pages by cursor, one subscription's alone, and deleting a subscription
// forgets its alerts and what it alerted on.
func TestAlertsCompactListing(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Date(2026, 11, 2, 10, 0, 0, 500, time.UTC)
	var subs []Subscription
	for i := range 3 {
		sub, err := s.AddSubscription(Subscription{Name: fmt.Sprint(i), Query: "x", Created: now})
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sub)
	}
	var ms []Match
	for d := range 10 {
		for i, sub := range subs {
			if (d+i)%2 == 0 {
				ms = append(ms, Match{Subscription: sub.ID, Document: docID(d), Story: docID(d - d%3)})
			}
		}
	}
	added, err := s.AddAlerts(ms, now)
	if err != nil {
		t.Fatal(err)
	}
	var all []Alert
	for after := ""; ; {
		page, next, err := s.Alerts("", after, 4)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		all, after = append(all, page...), next
	}
	if !slices.Equal(all, added) {
		t.Fatalf("listed\n %+v\nadded\n %+v", all, added)
	}
	if added[0].Created != now.Truncate(time.Second) || added[0].Title != "" || added[0].URL != "" {
		t.Errorf("first alert %+v", added[0])
	}
	if a, err := s.Alert(added[3].Subscription, added[3].ID); err != nil || a != added[3] {
		t.Errorf("alert %s: %+v, %v; want %+v", added[3].ID, a, err, added[3])
	}
	if _, err := s.Alert(subs[0].ID, "999"); !errors.Is(err, ErrNotFound) {
		t.Errorf("an unknown alert: %v, want ErrNotFound", err)
	}
	one, _, err := s.Alerts(subs[1].ID, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range one {
		if a.Subscription != subs[1].ID {
			t.Errorf("listing of %s holds %+v", subs[1].ID, a)
		}
	}
	if len(one) == 0 {
		t.Fatal("no alert for the second subscription")
	}
	if err := s.DeleteSubscription(subs[1].ID); err != nil {
		t.Fatal(err)
	}
	if rest, _, _ := s.Alerts(subs[1].ID, "", 100); len(rest) != 0 {
		t.Errorf("alerts of a deleted subscription: %+v", rest)
	}
	if left, _, _ := s.Alerts("", "", 1000); len(left) != len(added)-len(one) {
		t.Errorf("%d alerts left, want %d", len(left), len(added)-len(one))
	}
}
