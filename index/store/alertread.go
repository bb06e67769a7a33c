package store

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// alertReader reads alerts in one transaction, read or write.
type alertReader struct {
	subOf, groups, bySub, kept *bolt.Bucket
	subIDs                     map[uint32]string
	// The group decoded last: listing a subscription's alerts reads
	// several of one group in a row.
	groupKey []byte
	group    []groupAlert
}

func newAlertReader(tx *bolt.Tx) *alertReader {
	r := &alertReader{subOf: tx.Bucket(bucketSubOf), groups: tx.Bucket(bucketGroups),
		bySub: tx.Bucket(bucketBySub), kept: tx.Bucket(bucketKept), subIDs: map[uint32]string{}}
	if r.subOf == nil || r.groups == nil || r.bySub == nil || r.kept == nil {
		return nil // no alert was ever stored
	}
	return r
}

func (r *alertReader) subID(num uint32) (string, error) {
	if id, ok := r.subIDs[num]; ok {
		return id, nil
	}
	v := r.subOf.Get(numBytes(num))
	if len(v) != 8 {
		return "", fmt.Errorf("subscription number %d unknown", num)
	}
	id := hex.EncodeToString(v)
	r.subIDs[num] = id
	return id, nil
}

// alert is the Alert of a group's entry, with what is kept of its document.
func (r *alertReader) alert(g groupAlert) (Alert, error) {
	sub, err := r.subID(g.sub)
	if err != nil {
		return Alert{}, fmt.Errorf("alert %d: %w", g.seq, err)
	}
	a := Alert{ID: strconv.FormatUint(g.seq, 10), Subscription: sub, Document: idOfKey(g.doc),
		Created: time.Unix(g.created, 0).UTC()}
	if v := r.kept.Get(g.doc); v != nil {
		a.Title, a.URL = decodeKept(v)
	}
	return a, nil
}

// find returns the entry of seq, decoding the group that holds it.
func (r *alertReader) find(seq uint64) (groupAlert, bool, error) {
	if r.group != nil && seq >= binary.BigEndian.Uint64(r.groupKey) && seq <= r.group[len(r.group)-1].seq {
		return searchGroup(r.group, seq)
	}
	k, v := seekFloor(r.groups.Cursor(), seqBytes(seq))
	if k == nil {
		return groupAlert{}, false, nil
	}
	g, err := decodeGroup(k, v)
	if err != nil {
		return groupAlert{}, false, err
	}
	if len(g) == 0 {
		return groupAlert{}, false, nil
	}
	r.groupKey, r.group = bytes.Clone(k), g
	return searchGroup(g, seq)
}

func searchGroup(g []groupAlert, seq uint64) (groupAlert, bool, error) {
	i, ok := slices.BinarySearchFunc(g, seq, func(a groupAlert, s uint64) int {
		switch {
		case a.seq < s:
			return -1
		case a.seq > s:
			return 1
		}
		return 0
	})
	if !ok {
		return groupAlert{}, false, nil
	}
	return g[i], true, nil
}

func encodeKept(title, url string) []byte {
	if len(title) > maxAlertTitle {
		title = title[:maxAlertTitle]
	}
	v := binary.AppendUvarint(nil, uint64(len(title)))
	return append(append(v, title...), url...)
}

func decodeKept(v []byte) (title, url string) {
	n, w := binary.Uvarint(v)
	if w <= 0 || uint64(len(v)-w) < n {
		return "", ""
	}
	return string(v[w : w+int(n)]), string(v[w+int(n):])
}

// listAll returns up to limit alerts of every subscription with a seq of
// at least from.
func listAll(tx *bolt.Tx, from uint64, limit int) ([]Alert, error) {
	out := []Alert{}
	r := newAlertReader(tx)
	if r == nil {
		return out, nil
	}
	c := r.groups.Cursor()
	k, v := seekFloor(c, seqBytes(from))
	if k == nil {
		k, v = c.First()
	}
	for ; k != nil && len(out) < limit; k, v = c.Next() {
		g, err := decodeGroup(k, v)
		if err != nil {
			return nil, err
		}
		for _, e := range g {
			if e.seq < from {
				continue
			}
			if len(out) == limit {
				break
			}
			a, err := r.alert(e)
			if err != nil {
				return nil, err
			}
			out = append(out, a)
		}
	}
	return out, nil
}

// listSub returns up to limit alerts of one subscription (its 8-byte
// key) with a seq of at least from.
func listSub(tx *bolt.Tx, sub []byte, from uint64, limit int) ([]Alert, error) {
	out := []Alert{}
	r := newAlertReader(tx)
	if r == nil {
		return out, nil
	}
	v := tx.Bucket(bucketSubNo).Get(sub)
	if v == nil {
		return out, nil
	}
	n, w := binary.Uvarint(v)
	if w <= 0 || n > 1<<32-1 {
		return nil, fmt.Errorf("subscription %x: damaged number", sub)
	}
	prefix := numBytes(uint32(n))
	c := r.bySub.Cursor()
	start := append(bytes.Clone(prefix), seqBytes(from)...)
	// The run that starts at or before from may hold it.
	k, rv := seekFloor(c, start)
	if k == nil || !bytes.HasPrefix(k, prefix) {
		k, rv = c.Seek(start)
	}
	for ; k != nil && bytes.HasPrefix(k, prefix) && len(out) < limit; k, rv = c.Next() {
		seqs, err := decodeRun(k, rv)
		if err != nil {
			return nil, err
		}
		for _, seq := range seqs {
			if seq < from {
				continue
			}
			if len(out) == limit {
				break
			}
			e, ok, err := r.find(seq)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, fmt.Errorf("alert %d of subscription %x: not in the log", seq, sub)
			}
			a, err := r.alert(e)
			if err != nil {
				return nil, err
			}
			out = append(out, a)
		}
	}
	return out, nil
}

// Alert returns one alert of a subscription, or an error wrapping
// ErrNotFound.
func (s *Store) Alert(subID, alertID string) (Alert, error) {
	var a Alert
	err := s.db.View(func(tx *bolt.Tx) error {
		sub, ok := subKey(subID)
		seq, err := strconv.ParseUint(alertID, 10, 64)
		if !ok || err != nil {
			return ErrNotFound
		}
		r := newAlertReader(tx)
		if r == nil {
			return ErrNotFound
		}
		e, found, err := r.find(seq)
		if err != nil {
			return err
		}
		if !found {
			return ErrNotFound
		}
		if a, err = r.alert(e); err != nil {
			return err
		}
		if a.Subscription != hex.EncodeToString(sub) {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return Alert{}, fmt.Errorf("store: alert %s of subscription %s: %w", alertID, subID, err)
	}
	return a, nil
}
