package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/techintel/techintel/index/story"
)

// Story signatures: the story clusterer's record of each recent document
// (see story.Record), kept so that the index restores the clusterer at
// start-up in one pass over them, instead of reading every document of
// the last weeks back from the index and fingerprinting it again.
//
// Layout: bucket "signatures" holds one bucket per day of publication
// (UTC), named by the day number since 1970 as 4 big-endian bytes with the
// sign bit flipped, so that days sort in time order and pruning drops
// whole buckets. In a day, a record's key is its publication time (Unix
// seconds, sign bit flipped, then nanoseconds, big-endian) followed by the
// document id, so that a scan reads the records in the order the index
// sorts documents by publication and id; the value is the story id as a
// uvarint length and bytes (empty when the story is named by the document
// itself, as most are) followed by the signature's binary form: about 520
// bytes a document. Bucket "signatures_meta" holds the backfill's mark.
var (
	bucketSignatures    = []byte("signatures")
	bucketSignatureMeta = []byte("signatures_meta")
	keySignaturesFilled = []byte("filled")
	keySignaturesOwner  = []byte("owner")
)

// signatureFill is how full bbolt fills a day's pages when it splits
// them (its default is half): news arrives in publication order, so a
// day's records are mostly appended after its last key, and a page
// left half empty would stay so. At half, a record took 1.2-1.3 KB of
// file instead of the 590 bytes it holds.
const signatureFill = 0.9

// signaturesComplete is the mark's value once the backfill is done.
const signaturesComplete = "complete"

// PutSignatures keeps the records recs, replacing any kept under the
// same publication time and id.
func (s *Store) PutSignatures(recs []story.Record) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		root, err := tx.CreateBucketIfNotExists(bucketSignatures)
		if err != nil {
			return err
		}
		var key, val []byte
		var day *bolt.Bucket
		dayNo := int64(0)
		for i := range recs {
			r := &recs[i]
			if d := dayOf(r.Published); d != dayNo || day == nil {
				if day, err = root.CreateBucketIfNotExists(dayKey(d)); err != nil {
					return err
				}
				day.FillPercent = signatureFill
				dayNo = d
			}
			key = appendSignatureKey(key[:0], r.Published, r.ID)
			name := r.Story
			if name == r.ID {
				name = ""
			}
			val = binary.AppendUvarint(val[:0], uint64(len(name)))
			val = append(val, name...)
			if val, err = r.Sig.AppendBinary(val); err != nil {
				return fmt.Errorf("document %s: %w", r.ID, err)
			}
			// bbolt keeps the slices until the transaction ends.
			if err := day.Put(bytes.Clone(key), bytes.Clone(val)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: keep %d story signatures: %w", len(recs), err)
	}
	return nil
}

// SetSignaturesFilled records a backfill's progress: the records of all
// the index's documents published before through are kept, or, when
// complete, the records of all documents are, and the index keeps each
// new document's record as it indexes it.
func (s *Store) SetSignaturesFilled(through time.Time, complete bool) error {
	mark := signaturesComplete
	if !complete {
		mark = through.UTC().Format(time.RFC3339Nano)
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bucketSignatureMeta)
		if err != nil {
			return err
		}
		return meta.Put(keySignaturesFilled, []byte(mark))
	})
	if err != nil {
		return fmt.Errorf("store: mark story signatures: %w", err)
	}
	return nil
}

// SignatureOwner returns the token of the index the kept records belong
// to (ResetSignatures), "" if none.
func (s *Store) SignatureOwner() (string, error) {
	var owner string
	err := s.db.View(func(tx *bolt.Tx) error {
		if meta := tx.Bucket(bucketSignatureMeta); meta != nil {
			owner = string(meta.Get(keySignaturesOwner))
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("store: story signatures' owner: %w", err)
	}
	return owner, nil
}

// ResetSignatures drops every kept record and the backfill's mark, and
// records owner as the token of the index the records to come belong to:
// the records of another index (one moved aside by a repair, or restored
// from another backup) would restore documents it does not hold.
func (s *Store) ResetSignatures(owner string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketSignatures, bucketSignatureMeta} {
			if tx.Bucket(name) != nil {
				if err := tx.DeleteBucket(name); err != nil {
					return err
				}
			}
		}
		meta, err := tx.CreateBucket(bucketSignatureMeta)
		if err != nil {
			return err
		}
		return meta.Put(keySignaturesOwner, []byte(owner))
	})
	if err != nil {
		return fmt.Errorf("store: reset story signatures: %w", err)
	}
	return nil
}

// SignaturesFilled returns the backfill's mark (SetSignaturesFilled):
// the zero time and false when no backfill has run.
func (s *Store) SignaturesFilled() (through time.Time, complete bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketSignatureMeta)
		if meta == nil {
			return nil
		}
		v := meta.Get(keySignaturesFilled)
		switch {
		case v == nil:
			return nil
		case string(v) == signaturesComplete:
			complete = true
			return nil
		}
		var err error
		through, err = time.Parse(time.RFC3339Nano, string(v))
		return err
	})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: story signatures' mark: %w", err)
	}
	return through, complete, nil
}

// Signatures calls fn with each kept record of a document published at
// or after since, in order of publication time, then id. It stops at fn's
// first error and returns it.
func (s *Store) Signatures(since time.Time, fn func(story.Record) error) error {
	err := s.db.View(func(tx *bolt.Tx) error {
		root := tx.Bucket(bucketSignatures)
		if root == nil {
			return nil
		}
		from := appendSignatureKey(nil, since, "")
		days := root.Cursor()
		for dk, _ := days.Seek(dayKey(dayOf(since))); dk != nil; dk, _ = days.Next() {
			day := root.Bucket(dk)
			if day == nil {
				continue
			}
			c := day.Cursor()
			for k, v := c.Seek(from); k != nil; k, v = c.Next() {
				r, err := decodeSignature(k, v)
				if err != nil {
					return err
				}
				if err := fn(r); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: read story signatures: %w", err)
	}
	return nil
}

// CountSignatures returns about how many records Signatures(since) would
// read: all those of since's day and later, counted from bbolt's page
// headers without reading the records.
func (s *Store) CountSignatures(since time.Time) (int, error) {
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		root := tx.Bucket(bucketSignatures)
		if root == nil {
			return nil
		}
		days := root.Cursor()
		for dk, _ := days.Seek(dayKey(dayOf(since))); dk != nil; dk, _ = days.Next() {
			if day := root.Bucket(dk); day != nil {
				n += day.Stats().KeyN
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: count story signatures: %w", err)
	}
	return n, nil
}

// PruneSignatures drops the records of the days before the day of
// before (UTC), and returns how many days it dropped.
func (s *Store) PruneSignatures(before time.Time) (int, error) {
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		root := tx.Bucket(bucketSignatures)
		if root == nil {
			return nil
		}
		end := dayKey(dayOf(before))
		var old [][]byte
		c := root.Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k, end) < 0; k, _ = c.Next() {
			old = append(old, bytes.Clone(k))
		}
		for _, k := range old {
			if err := root.DeleteBucket(k); err != nil {
				return err
			}
		}
		n = len(old)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: prune story signatures: %w", err)
	}
	return n, nil
}

func dayOf(t time.Time) int64 {
	return floorDiv(t.Unix(), 24*60*60)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

func dayKey(day int64) []byte {
	return binary.BigEndian.AppendUint32(nil, uint32(int32(day))^1<<31)
}

func appendSignatureKey(b []byte, t time.Time, id string) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(t.Unix())^1<<63)
	b = binary.BigEndian.AppendUint32(b, uint32(t.Nanosecond()))
	return append(b, id...)
}

// decodeSignature reads a record back from its key and value.
func decodeSignature(k, v []byte) (story.Record, error) {
	var r story.Record
	if len(k) < 12 {
		return r, fmt.Errorf("signature key %x: too short", k)
	}
	sec := int64(binary.BigEndian.Uint64(k) ^ 1<<63)
	r.Published = time.Unix(sec, int64(binary.BigEndian.Uint32(k[8:]))).UTC()
	r.ID = string(k[12:])
	n, used := binary.Uvarint(v)
	if used <= 0 || uint64(len(v)-used) < n {
		return r, fmt.Errorf("signature of %s: bad story id", r.ID)
	}
	r.Story = string(v[used : used+int(n)])
	if r.Story == "" {
		r.Story = r.ID
	}
	if err := r.Sig.UnmarshalBinary(v[used+int(n):]); err != nil {
		return r, fmt.Errorf("signature of %s: %w", r.ID, err)
	}
	return r, nil
}
