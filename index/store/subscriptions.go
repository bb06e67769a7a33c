package store

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrNotFound: no subscription has the ID.
var ErrNotFound = errors.New("store: not found")

// bucketSubs holds the subscriptions by ID; their alerts are in
// alertlog.go's buckets.
var bucketSubs = []byte("subscriptions")

// Subscription is a saved search whose new matches raise alerts.
type Subscription struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Query      string   `json:"query"`
	Components []string `json:"components"`
	Entities   []string `json:"entities"`
	// Technologies and Sources narrow it as the search filters do;
	// Since and Until bound publication (a date or RFC 3339 time, as the
	// search parameters take them; empty: no bound).
	Technologies []string `json:"technologies,omitempty"`
	Sources      []string `json:"sources,omitempty"`
	Since        string   `json:"since,omitempty"`
	Until        string   `json:"until,omitempty"`
	WebhookURL   string   `json:"webhook_url"`
	// Secret signs the subscription's webhook deliveries; AddSubscription
	// generates it when there is a webhook URL.
	Secret  string    `json:"secret,omitempty"`
	Created time.Time `json:"created"`
}

// Alert says that a document matched a subscription. It refers to the
// document; Title and URL are what the document had when it left the
// index (KeepGone), to show when the index no longer has it, and empty
// while the index has it.
type Alert struct {
	ID           string    `json:"id"` // the sequence number, in decimal: alerts sort by it
	Subscription string    `json:"subscription"`
	Document     string    `json:"document"`
	Created      time.Time `json:"created"` // to the second
	Title        string    `json:"title,omitempty"`
	URL          string    `json:"url,omitempty"`
}

// AddSubscription stores sub under a new random ID and returns it.
func (s *Store) AddSubscription(sub Subscription) (Subscription, error) {
	sub, _, err := s.AddSubscriptionWithAlerts(sub, nil, time.Time{})
	return sub, err
}

// AddSubscriptionWithAlerts stores sub under a new random ID together with
// alerts for backfill (documents it matches already; their Subscription
// is set to the new ID), in one transaction: a crash leaves both or
// neither, never a subscription without its backfill.
func (s *Store) AddSubscriptionWithAlerts(sub Subscription, backfill []Match, now time.Time) (Subscription, []Alert, error) {
	var id [8]byte
	if _, err := rand.Read(id[:]); err != nil {
		return Subscription{}, nil, fmt.Errorf("store: subscription id: %w", err)
	}
	sub.ID = hex.EncodeToString(id[:])
	if sub.WebhookURL != "" && sub.Secret == "" {
		var secret [32]byte
		if _, err := rand.Read(secret[:]); err != nil {
			return Subscription{}, nil, fmt.Errorf("store: subscription secret: %w", err)
		}
		sub.Secret = hex.EncodeToString(secret[:])
	}
	v, err := json.Marshal(sub)
	if err != nil {
		return Subscription{}, nil, fmt.Errorf("store: add subscription: %w", err)
	}
	matches := make([]Match, len(backfill))
	for i, m := range backfill {
		m.Subscription = sub.ID
		matches[i] = m
	}
	added, err := s.addAlerts(matches, now, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketSubs)
		if err != nil {
			return err
		}
		return b.Put([]byte(sub.ID), v)
	})
	if err != nil {
		return Subscription{}, nil, fmt.Errorf("store: add subscription: %w", err)
	}
	return sub, added, nil
}

// Subscriptions lists every subscription, oldest first.
func (s *Store) Subscriptions() ([]Subscription, error) {
	out := []Subscription{}
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSubs)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			var sub Subscription
			if err := json.Unmarshal(v, &sub); err != nil {
				return err
			}
			out = append(out, sub)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: subscriptions: %w", err)
	}
	slices.SortStableFunc(out, func(a, b Subscription) int { return a.Created.Compare(b.Created) })
	return out, nil
}

// Subscription returns one subscription or an error wrapping ErrNotFound.
func (s *Store) Subscription(id string) (Subscription, error) {
	var sub Subscription
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSubs)
		if b == nil {
			return ErrNotFound
		}
		v := b.Get([]byte(id))
		if v == nil {
			return ErrNotFound
		}
		return json.Unmarshal(v, &sub)
	})
	if err != nil {
		return Subscription{}, fmt.Errorf("store: subscription %q: %w", id, err)
	}
	return sub, nil
}

// DeleteSubscription removes a subscription and its alerts.
func (s *Store) DeleteSubscription(id string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSubs)
		if b == nil || b.Get([]byte(id)) == nil {
			return ErrNotFound
		}
		if err := b.Delete([]byte(id)); err != nil {
			return err
		}
		sub, ok := subKey(id)
		if !ok {
			return nil // no alert can be stored for it
		}
		seqs, err := deleteAlertsOf(tx, sub)
		if err != nil {
			return err
		}
		return deleteDeliveries(tx, id, seqs)
	})
	if err != nil {
		return fmt.Errorf("store: delete subscription %q: %w", id, err)
	}
	return nil
}

// Match is a document that matched a subscription.
type Match struct {
	Subscription string
	Document     string
	// Story, if set, is the document's story: a subscription alerts once
	// per story, so the same news from a second source raises nothing.
	Story string
}

// AddAlerts records an alert for each match that has none yet, in one
// transaction, and returns the alerts it created. A (subscription,
// document) pair alerts once, however often the document is fetched or
// updated, and across restarts; so does a (subscription, story) pair. In
// the same transaction, each new alert of a subscription with a webhook
// URL is queued in the outbox.
func (s *Store) AddAlerts(matches []Match, now time.Time) ([]Alert, error) {
	return s.addAlerts(matches, now, nil)
}

// addAlerts is AddAlerts with before, if set, run first in the same
// transaction.
func (s *Store) addAlerts(matches []Match, now time.Time, before func(*bolt.Tx) error) ([]Alert, error) {
	var added []Alert
	queued := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		added, queued = added[:0], 0
		if before != nil {
			if err := before(tx); err != nil {
				return err
			}
		}
		if err := createDeliveryBuckets(tx); err != nil {
			return err
		}
		webhook := map[string]bool{} // sub ID → has a webhook URL
		at, err := openAlertTx(tx)
		if err != nil {
			return err
		}
		created := now.UTC().Truncate(time.Second)
		subs := tx.Bucket(bucketSubs)
		for _, m := range matches {
			sub, ok := subKey(m.Subscription)
			if !ok {
				continue
			}
			hook, known := webhook[m.Subscription]
			if !known {
				if subs == nil {
					continue
				}
				v := subs.Get([]byte(m.Subscription))
				if v == nil {
					continue // deleted meanwhile
				}
				var sub Subscription
				if err := json.Unmarshal(v, &sub); err != nil {
					return err
				}
				hook = sub.WebhookURL != ""
				webhook[m.Subscription] = hook
			}
			num, err := at.subNum(sub, true)
			if err != nil {
				return err
			}
			if seen, err := at.alerted(num, m); err != nil || seen {
				if err != nil {
					return err
				}
				continue
			}
			seq, err := at.groups.NextSequence()
			if err != nil {
				return err
			}
			if err := at.add(num, seq, m, created.Unix()); err != nil {
				return err
			}
			a := Alert{ID: strconv.FormatUint(seq, 10), Subscription: m.Subscription, Document: m.Document,
				Created: created}
			if hook {
				if err := enqueue(tx, binary.BigEndian.AppendUint64(nil, seq), a); err != nil {
					return err
				}
				queued++
			}
			added = append(added, a)
		}
		return at.flush()
	})
	if err != nil {
		return nil, fmt.Errorf("store: add %d alerts: %w", len(matches), err)
	}
	if queued > 0 {
		select {
		case s.enqueued <- struct{}{}:
		default: // a wake-up is pending already
		}
	}
	return added, nil
}

// Alerts returns up to limit alerts after the cursor (an alert ID, "" for
// the start), oldest first, of one subscription or of all when sub is "".
// next is where the next call starts: the last alert returned, or after
// itself when there is nothing new, so that a poller that always passes
// next back sees every alert once.
func (s *Store) Alerts(sub, after string, limit int) (alerts []Alert, next string, err error) {
	var from uint64
	if after != "" {
		from, err = strconv.ParseUint(after, 10, 64)
		if err != nil {
			return nil, "", fmt.Errorf("store: alerts: cursor %q is not an alert id", after)
		}
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		if sub == "" {
			alerts, err = listAll(tx, from+1, limit)
			return err
		}
		key, ok := subKey(sub)
		if !ok {
			alerts = []Alert{}
			return nil
		}
		alerts, err = listSub(tx, key, from+1, limit)
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("store: alerts: %w", err)
	}
	next = after
	if len(alerts) > 0 {
		next = alerts[len(alerts)-1].ID
	}
	return alerts, next, nil
}
