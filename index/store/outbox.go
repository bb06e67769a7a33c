package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The webhook outbox. AddAlerts enqueues one delivery per new alert of a
// subscription with a webhook_url, in the transaction that records the
// alert, so an alert raised is never lost and never queued twice (the
// transactional outbox pattern). A sender takes due deliveries, attempts
// them and records each outcome; pending deliveries survive restarts.
var (
	bucketOutbox     = []byte("outbox")     // alert seq → Delivery
	bucketOutboxDue  = []byte("outbox_due") // next attempt (unix ns) + alert seq → nothing: the pending ones, by time
	bucketDeliveries = []byte("deliveries") // sub ID → DeliveryStats
	deliveryBuckets  = [][]byte{bucketOutbox, bucketOutboxDue, bucketDeliveries}
)

// Delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// Delivery is one webhook delivery of one alert.
type Delivery struct {
	Alert        string    `json:"alert"` // the alert's ID, which identifies the delivery too
	Subscription string    `json:"subscription"`
	Document     string    `json:"document"`
	AlertCreated time.Time `json:"alert_created"`
	Status       string    `json:"status"`
	Attempts     int       `json:"attempts"`
	NextAttempt  time.Time `json:"next_attempt,omitzero"`
	LastAttempt  time.Time `json:"last_attempt,omitzero"`
	LastError    string    `json:"last_error,omitempty"`
}

// DeliveryStats sums up the deliveries of one subscription.
type DeliveryStats struct {
	Pending     int       `json:"pending"`
	Delivered   int       `json:"delivered"`
	Failed      int       `json:"failed"`
	LastAttempt time.Time `json:"last_attempt,omitzero"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
}

// Attempt is the outcome of one delivery attempt.
type Attempt struct {
	At  time.Time
	Err string // "" when delivered
	// RetryAt is when to try again after an error; zero gives up and
	// marks the delivery failed.
	RetryAt time.Time
}

// Enqueued is signalled (without blocking, coalesced) after a transaction
// queued deliveries, so that one sender can wake at once.
func (s *Store) Enqueued() <-chan struct{} { return s.enqueued }

func seqKey(id string) ([]byte, error) {
	seq, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("store: %q is not an alert id", id)
	}
	return binary.BigEndian.AppendUint64(nil, seq), nil
}

func dueKey(at time.Time, seq []byte) []byte {
	return append(binary.BigEndian.AppendUint64(nil, uint64(max(at.UnixNano(), 0))), seq...)
}

// enqueue queues the delivery of a new alert (inside AddAlerts).
func enqueue(tx *bolt.Tx, seq []byte, a Alert) error {
	d := Delivery{Alert: a.ID, Subscription: a.Subscription, Document: a.Document, AlertCreated: a.Created,
		Status: DeliveryPending, NextAttempt: a.Created}
	if err := putDelivery(tx, seq, d); err != nil {
		return err
	}
	if err := tx.Bucket(bucketOutboxDue).Put(dueKey(d.NextAttempt, seq), nil); err != nil {
		return err
	}
	return updateStats(tx, a.Subscription, func(st *DeliveryStats) { st.Pending++ })
}

func createDeliveryBuckets(tx *bolt.Tx) error {
	for _, b := range deliveryBuckets {
		if _, err := tx.CreateBucketIfNotExists(b); err != nil {
			return err
		}
	}
	return nil
}

func putDelivery(tx *bolt.Tx, seq []byte, d Delivery) error {
	v, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketOutbox).Put(seq, v)
}

func updateStats(tx *bolt.Tx, sub string, fn func(*DeliveryStats)) error {
	return updateJSON(tx.Bucket(bucketDeliveries), []byte(sub), fn)
}

// DueDeliveries returns up to limit pending deliveries whose next attempt
// is at or before now, the earliest first.
func (s *Store) DueDeliveries(now time.Time, limit int) ([]Delivery, error) {
	out := []Delivery{}
	end := uint64(max(now.UnixNano(), 0))
	err := s.db.View(func(tx *bolt.Tx) error {
		due, box := tx.Bucket(bucketOutboxDue), tx.Bucket(bucketOutbox)
		if due == nil {
			return nil
		}
		c := due.Cursor()
		for k, _ := c.First(); k != nil && len(out) < limit; k, _ = c.Next() {
			if binary.BigEndian.Uint64(k[:8]) > end {
				break
			}
			var d Delivery
			if err := json.Unmarshal(box.Get(k[8:]), &d); err != nil {
				return fmt.Errorf("delivery %x: %w", k[8:], err)
			}
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: due deliveries: %w", err)
	}
	return out, nil
}

// NextDelivery returns when the earliest pending delivery is due; ok is
// false when none is pending.
func (s *Store) NextDelivery() (next time.Time, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		due := tx.Bucket(bucketOutboxDue)
		if due == nil {
			return nil
		}
		if k, _ := due.Cursor().First(); k != nil {
			next, ok = time.Unix(0, int64(binary.BigEndian.Uint64(k[:8]))).UTC(), true
		}
		return nil
	})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: next delivery: %w", err)
	}
	return next, ok, nil
}

// Delivery returns the pending delivery of an alert, or an error wrapping
// ErrNotFound when it has none (no webhook, its subscription is gone, or
// it was settled: delivered or given up).
func (s *Store) Delivery(alertID string) (Delivery, error) {
	seq, err := seqKey(alertID)
	if err != nil {
		return Delivery{}, err
	}
	var d Delivery
	err = s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOutbox)
		if b == nil {
			return ErrNotFound
		}
		v := b.Get(seq)
		if v == nil {
			return ErrNotFound
		}
		return json.Unmarshal(v, &d)
	})
	if err != nil {
		return Delivery{}, fmt.Errorf("store: delivery of alert %s: %w", alertID, err)
	}
	return d, nil
}

// RecordAttempt records the outcome of an attempt to deliver an alert and
// returns the delivery as it now is; a settled one leaves the outbox. Only a pending delivery takes an
// outcome; for one that is gone (its subscription was deleted) or already
// settled, the error wraps ErrNotFound.
func (s *Store) RecordAttempt(alertID string, a Attempt) (Delivery, error) {
	seq, err := seqKey(alertID)
	if err != nil {
		return Delivery{}, err
	}
	var d Delivery
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := createDeliveryBuckets(tx); err != nil {
			return err
		}
		v := tx.Bucket(bucketOutbox).Get(seq)
		if v == nil {
			return ErrNotFound
		}
		if err := json.Unmarshal(v, &d); err != nil {
			return err
		}
		if d.Status != DeliveryPending {
			return fmt.Errorf("already %s: %w", d.Status, ErrNotFound)
		}
		if err := tx.Bucket(bucketOutboxDue).Delete(dueKey(d.NextAttempt, seq)); err != nil {
			return err
		}
		d.Attempts++
		d.LastAttempt = a.At.UTC()
		d.LastError = a.Err
		d.NextAttempt = time.Time{}
		switch {
		case a.Err == "":
			d.Status = DeliveryDelivered
		case a.RetryAt.IsZero():
			d.Status = DeliveryFailed
		default:
			d.NextAttempt = a.RetryAt.UTC()
			if err := tx.Bucket(bucketOutboxDue).Put(dueKey(d.NextAttempt, seq), nil); err != nil {
				return err
			}
		}
		// A settled delivery leaves the outbox: nothing sends or reads it
		// again, its subscription's counts keep the outcome, and kept it
		// would grow the store by a JSON record an alert.
		write := func() error { return tx.Bucket(bucketOutbox).Delete(seq) }
		if d.Status == DeliveryPending {
			write = func() error { return putDelivery(tx, seq, d) }
		}
		if err := write(); err != nil {
			return err
		}
		return updateStats(tx, d.Subscription, func(st *DeliveryStats) {
			st.LastAttempt = d.LastAttempt
			switch d.Status {
			case DeliveryDelivered:
				st.Pending--
				st.Delivered++
				st.LastSuccess = d.LastAttempt
				st.LastError = ""
			case DeliveryFailed:
				st.Pending--
				st.Failed++
				st.LastError = a.Err
			default:
				st.LastError = a.Err
			}
		})
	})
	if err != nil {
		return Delivery{}, fmt.Errorf("store: record delivery of alert %s: %w", alertID, err)
	}
	return d, nil
}

// Postpone moves the next attempt of pending deliveries to at without
// counting an attempt: when one delivery to an endpoint fails, the others
// due for it wait with it instead of failing one by one.
func (s *Store) Postpone(alertIDs []string, at time.Time) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := createDeliveryBuckets(tx); err != nil {
			return err
		}
		for _, id := range alertIDs {
			seq, err := seqKey(id)
			if err != nil {
				return err
			}
			v := tx.Bucket(bucketOutbox).Get(seq)
			if v == nil {
				continue // deleted with its subscription
			}
			var d Delivery
			if err := json.Unmarshal(v, &d); err != nil {
				return err
			}
			if d.Status != DeliveryPending || !d.NextAttempt.Before(at) {
				continue
			}
			if err := tx.Bucket(bucketOutboxDue).Delete(dueKey(d.NextAttempt, seq)); err != nil {
				return err
			}
			d.NextAttempt = at.UTC()
			if err := tx.Bucket(bucketOutboxDue).Put(dueKey(d.NextAttempt, seq), nil); err != nil {
				return err
			}
			if err := putDelivery(tx, seq, d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: postpone %d deliveries: %w", len(alertIDs), err)
	}
	return nil
}

// DeliveryStats returns the delivery counts of every subscription that
// ever had a delivery, by subscription ID.
func (s *Store) DeliveryStats() (map[string]DeliveryStats, error) {
	out := map[string]DeliveryStats{}
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDeliveries)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var st DeliveryStats
			if err := json.Unmarshal(v, &st); err != nil {
				return err
			}
			out[string(k)] = st
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: delivery stats: %w", err)
	}
	return out, nil
}

// deleteDeliveries forgets the deliveries of a subscription whose alert
// keys (8-byte seqs) are given (inside DeleteSubscription).
func deleteDeliveries(tx *bolt.Tx, sub string, seqs [][]byte) error {
	box := tx.Bucket(bucketOutbox)
	if box == nil {
		return nil
	}
	for _, seq := range seqs {
		v := box.Get(seq)
		if v == nil {
			continue
		}
		var d Delivery
		if err := json.Unmarshal(v, &d); err != nil {
			return err
		}
		if d.Status == DeliveryPending {
			if err := tx.Bucket(bucketOutboxDue).Delete(dueKey(d.NextAttempt, seq)); err != nil {
				return err
			}
		}
		if err := box.Delete(seq); err != nil {
			return err
		}
	}
	return tx.Bucket(bucketDeliveries).Delete([]byte(sub))
}
