package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// alertTx is one write transaction's view of the alert buckets; it
// gathers what the transaction changes in runs and records and writes
// them in flush, each once.
type alertTx struct {
	subNo, subOf, groups, bySub, docSubs, kept *bolt.Bucket

	nums  map[string]uint32  // sub key → number
	recs  map[string]*subSet // idKey → record, read or changed in this transaction
	runs  map[uint32]*subRun // sub number → its last run, extended in this transaction
	dirty map[string]bool    // recs to write
	group groupEncoder
}

// subRun is the last run of a subscription's seqs in alert_bysub.
type subRun struct {
	key  []byte
	last uint64
	val  []byte
}

func openAlertTx(tx *bolt.Tx) (*alertTx, error) {
	var bs [6]*bolt.Bucket
	for i, name := range alertBuckets {
		b, err := tx.CreateBucketIfNotExists(name)
		if err != nil {
			return nil, err
		}
		bs[i] = b
	}
	a := &alertTx{subNo: bs[0], subOf: bs[1], groups: bs[2], bySub: bs[3], docSubs: bs[4], kept: bs[5],
		nums: map[string]uint32{}, recs: map[string]*subSet{}, runs: map[uint32]*subRun{}, dirty: map[string]bool{}}
	// Numbers and seqs only grow: these buckets are appended to, and
	// their pages split full instead of half. alert_docsubs is keyed by
	// hashes, yet split full it fills its pages too (99% against 50% at
	// bbolt's default, BenchmarkAlertStoreGrowth): a transaction adds a
	// few records to each page, which then splits into one full page
	// and one that fills with the next batches.
	a.subOf.FillPercent, a.groups.FillPercent, a.docSubs.FillPercent = 1.0, 1.0, 1.0
	return a, nil
}

// subNum returns the number of a subscription (its 8-byte key), giving it
// one if create is set; 0 when it has none.
func (a *alertTx) subNum(sub []byte, create bool) (uint32, error) {
	if n, ok := a.nums[string(sub)]; ok {
		return n, nil
	}
	if v := a.subNo.Get(sub); v != nil {
		n, w := binary.Uvarint(v)
		if w <= 0 || n == 0 || n > 1<<32-1 {
			return 0, fmt.Errorf("subscription %x: damaged number", sub)
		}
		a.nums[string(sub)] = uint32(n)
		return uint32(n), nil
	}
	if !create {
		return 0, nil
	}
	n, err := a.subNo.NextSequence()
	if err != nil {
		return 0, err
	}
	if n > 1<<32-1 {
		return 0, errors.New("out of subscription numbers")
	}
	if err := a.subNo.Put(sub, binary.AppendUvarint(nil, n)); err != nil {
		return 0, err
	}
	if err := a.subOf.Put(numBytes(uint32(n)), sub); err != nil {
		return 0, err
	}
	a.nums[string(sub)] = uint32(n)
	return uint32(n), nil
}

// rec returns the record of a document or story (its idKey), read once
// per transaction.
func (a *alertTx) rec(k []byte) (*subSet, error) {
	if r, ok := a.recs[string(k)]; ok {
		return r, nil
	}
	r, err := decodeSubSet(a.docSubs.Get(k))
	if err != nil {
		return nil, fmt.Errorf("alerts of %s: %w", idOfKey(k), err)
	}
	a.recs[string(k)] = &r
	return &r, nil
}

// mark records that sub alerted on k with bits.
func (a *alertTx) mark(k []byte, sub uint32, bits byte) error {
	r, err := a.rec(k)
	if err != nil {
		return err
	}
	r.set(sub, bits)
	a.dirty[string(k)] = true
	return nil
}

// alerted says whether sub alerted already on the document of m or on its
// story.
func (a *alertTx) alerted(sub uint32, m Match) (bool, error) {
	d, err := a.rec(idKey(m.Document))
	if err != nil || d.has(sub, bitDoc) {
		return err == nil, err
	}
	if m.Story == "" {
		return false, nil
	}
	s, err := a.rec(idKey(m.Story))
	if err != nil {
		return false, err
	}
	return s.has(sub, bitStory), nil
}

// add records alert seq of subscription sub on match m.
func (a *alertTx) add(sub uint32, seq uint64, m Match, created int64) error {
	if a.group.n >= maxGroup {
		if err := a.group.flush(a.groups); err != nil {
			return err
		}
	}
	doc := idKey(m.Document)
	a.group.add(groupAlert{seq: seq, sub: sub, doc: doc, created: created})
	if err := a.appendRun(sub, seq); err != nil {
		return err
	}
	switch {
	case m.Story == m.Document:
		return a.mark(doc, sub, bitDoc|bitStory)
	case m.Story != "":
		if err := a.mark(idKey(m.Story), sub, bitStory); err != nil {
			return err
		}
	}
	return a.mark(doc, sub, bitDoc)
}

// appendRun adds seq, greater than every seq of sub so far, to sub's last
// run in alert_bysub, or starts a new run.
func (a *alertTx) appendRun(sub uint32, seq uint64) error {
	r, ok := a.runs[sub]
	if !ok {
		r = &subRun{}
		prefix := numBytes(sub)
		k, v := seekFloor(a.bySub.Cursor(), append(bytes.Clone(prefix), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))
		if k != nil && len(k) == 12 && bytes.HasPrefix(k, prefix) {
			seqs, err := decodeRun(k, v)
			if err != nil {
				return err
			}
			r.key, r.last, r.val = bytes.Clone(k), seqs[len(seqs)-1], bytes.Clone(v)
		}
		a.runs[sub] = r
	}
	if r.key == nil || len(r.val) >= bySubRun || seq <= r.last {
		if r.key != nil {
			if err := a.bySub.Put(r.key, r.val); err != nil {
				return err
			}
		}
		r.key, r.val = append(numBytes(sub), seqBytes(seq)...), nil
	} else {
		r.val = binary.AppendUvarint(r.val, seq-r.last)
	}
	r.last = seq
	return nil
}

// decodeRun returns the seqs of a run.
func decodeRun(k, v []byte) ([]uint64, error) {
	if len(k) != 12 {
		return nil, fmt.Errorf("alert run key %x: %w", k, errDamagedGroup)
	}
	seq := binary.BigEndian.Uint64(k[4:])
	out := []uint64{seq}
	for len(v) > 0 {
		d, w := binary.Uvarint(v)
		if w <= 0 || d == 0 {
			return nil, fmt.Errorf("alert run %x: %w", k, errDamagedGroup)
		}
		seq += d
		out, v = append(out, seq), v[w:]
	}
	return out, nil
}

// flush writes what the transaction gathered.
func (a *alertTx) flush() error {
	if err := a.group.flush(a.groups); err != nil {
		return err
	}
	for _, r := range a.runs {
		if r.key != nil {
			if err := a.bySub.Put(r.key, r.val); err != nil {
				return err
			}
		}
	}
	a.runs = map[uint32]*subRun{}
	for k := range a.dirty {
		r := a.recs[k]
		var err error
		if len(*r) == 0 {
			err = a.docSubs.Delete([]byte(k))
		} else {
			err = a.docSubs.Put([]byte(k), r.encode())
		}
		if err != nil {
			return err
		}
	}
	a.dirty = map[string]bool{}
	return nil
}
