package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrDamaged: the state file is truncated or inconsistent.
var ErrDamaged = errors.New("damaged")

// Check runs bbolt's consistency check on the store at path, read-only,
// before it is opened for serving: a truncated or corrupt state.db made
// serve panic at start or answer 500s. It reports whether the store holds
// anything worth keeping (subscriptions, alerts or source states), and an
// error wrapping ErrDamaged, ErrLocked, or fs.ErrNotExist when there is
// no store.
func Check(path string) (holdsState bool, err error) {
	if _, err := os.Stat(path); err != nil {
		return false, err
	}
	// A damaged file read through mmap can fault outside the mapped
	// pages; turn that into a panic this function recovers.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		// bbolt trusts its page headers; a torn file can send it past
		// the end of its map.
		if r := recover(); r != nil {
			holdsState, err = false, fmt.Errorf("store: %w: %s: %v", ErrDamaged, path, r)
		}
	}()
	// bbolt maps the file and follows its page numbers: pages past the
	// end of a truncated file fault (SIGBUS) in its own goroutines,
	// beyond any recover. The meta page says how long the file must be.
	if err := checkLength(path); err != nil {
		return false, fmt.Errorf("store: %w: %s: %v", ErrDamaged, path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return false, fmt.Errorf("store: check %s: %w", path, ErrLocked)
	}
	if err != nil {
		return false, fmt.Errorf("store: %w: %s: %v", ErrDamaged, path, err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		var first error
		for err := range tx.Check() { // drain: the checker stops when read to the end
			if first == nil {
				first = err
			}
		}
		if first != nil {
			return first
		}
		for _, name := range [][]byte{bucketSubs, bucketGroups, bucketLog, bucketAlertsV1, bucketSources} {
			if b := tx.Bucket(name); b != nil {
				if k, _ := b.Cursor().First(); k != nil {
					holdsState = true
				}
			}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: %w: %s: %v", ErrDamaged, path, err)
	}
	return holdsState, nil
}

// ForgetFetchState drops what the store remembers of fetching: source
// states (HTTP validators, last runs), page states and the feed items
// seen. After the index was lost, the next runs then fetch everything
// again instead of skipping what they saw before. Subscriptions, alerts
// and deliveries stay.
func (s *Store) ForgetFetchState() error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketSources, bucketPages, bucketItems} {
			if tx.Bucket(name) == nil {
				continue
			}
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
		}
		for _, name := range [][]byte{bucketSources, bucketPages} {
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: forget fetch state: %w", err)
	}
	return nil
}

// checkLength reads bbolt's two meta pages (page header, then magic,
// version, page size, flags, root bucket, freelist, high-water page id,
// transaction id and an FNV-64a checksum of the fields before it) and
// checks that the file holds every page the newest valid one counts.
func checkLength(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	const header, metaLen, magic = 16, 64, 0xED0CDAED
	var best struct {
		ok          bool
		txid, pages uint64
		pageSize    uint64
	}
	var pageSize uint64 = 4096
	for i := range 2 {
		buf := make([]byte, header+metaLen)
		off := int64(i) * int64(pageSize)
		if _, err := f.ReadAt(buf, off); err != nil {
			continue
		}
		m := buf[header:]
		if binary.LittleEndian.Uint32(m[0:]) != magic {
			continue
		}
		h := fnv.New64a()
		h.Write(m[:56])
		if h.Sum64() != binary.LittleEndian.Uint64(m[56:]) {
			continue
		}
		ps := uint64(binary.LittleEndian.Uint32(m[8:]))
		if i == 0 && ps >= 512 {
			pageSize = ps // the second meta page sits one page in
		}
		if txid := binary.LittleEndian.Uint64(m[48:]); !best.ok || txid > best.txid {
			best.ok, best.txid, best.pages, best.pageSize = true, txid, binary.LittleEndian.Uint64(m[40:]), ps
		}
	}
	if !best.ok {
		return fmt.Errorf("no valid meta page (not a bbolt file, or its first pages are overwritten)")
	}
	if need := best.pages * best.pageSize; uint64(info.Size()) < need {
		return fmt.Errorf("truncated: %d bytes, its pages need %d", info.Size(), need)
	}
	return nil
}
