package story

import "math/bits"

// buckets maps LSH band keys to the newest posting of their bucket. It is
// an open-addressing table with linear probing rather than a Go map: a
// Clusterer of 100,000 documents holds 4,000,000 keys, and restoring it
// at start-up is mostly inserting them, which a flat table of key and
// head side by side does with about one cache miss each, where the map
// took twice the time. Keys are never removed (Prune builds a new
// Clusterer), so no tombstones are needed.
type buckets struct {
	slots []bucket // len a power of two, at most half full
	n     int      // slots in use
}

// bucket is one slot: a band key and its newest posting's index + 1
// (0: the slot is free).
type bucket struct {
	key  uint64
	post int32
}

// get returns the newest posting + 1 of key's bucket, or 0.
func (t *buckets) get(key uint64) int32 {
	if len(t.slots) == 0 {
		return 0
	}
	mask := uint64(len(t.slots) - 1)
	for i := t.home(key); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.post == 0 || s.key == key {
			return s.post
		}
	}
}

// slot returns key's slot, claiming a free one (post 0) if key is new.
// The table must have room (grow).
func (t *buckets) slot(key uint64) *bucket {
	mask := uint64(len(t.slots) - 1)
	for i := t.home(key); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.post == 0 {
			s.key = key
			t.n++
			return s
		}
		if s.key == key {
			return s
		}
	}
}

// home is key's first slot. Band keys are already well-mixed hashes, so
// their high bits serve.
func (t *buckets) home(key uint64) uint64 {
	return key >> 32 * uint64(len(t.slots)) >> 32
}

// grow makes room for keys keys in all, rehashing into a table twice as
// large each time it would pass half full.
func (t *buckets) grow(keys int) {
	if 2*keys <= len(t.slots) {
		return
	}
	size := max(len(t.slots), 1024)
	for size < 2*keys {
		size *= 2
	}
	old := t.slots
	t.slots, t.n = make([]bucket, size), 0
	for _, s := range old {
		if s.post != 0 {
			*t.slot(s.key) = s
		}
	}
}

// keyed is a posting to add: a band key and its document, with the key's
// home slot once sortByHome has computed it.
type keyed struct {
	key  uint64
	doc  int32
	home uint32
}

// radixBits is the digit of sortByHome's radix sort: 2,048 counters fit
// in the L1 cache.
const radixBits = 11

// sortByHome returns pairs ordered by their keys' home slots in the
// table as it is now, stably: a least-significant-digit radix sort.
func (t *buckets) sortByHome(pairs []keyed) []keyed {
	for i := range pairs {
		pairs[i].home = uint32(t.home(pairs[i].key))
	}
	buf := make([]keyed, len(pairs))
	width := bits.Len(uint(len(t.slots) - 1))
	for shift := 0; shift < width; shift += radixBits {
		var count [1<<radixBits + 1]int
		for _, p := range pairs {
			count[p.home>>shift&(1<<radixBits-1)+1]++
		}
		for i := 1; i < len(count); i++ {
			count[i] += count[i-1]
		}
		for _, p := range pairs {
			digit := p.home >> shift & (1<<radixBits - 1)
			buf[count[digit]] = p
			count[digit]++
		}
		pairs, buf = buf, pairs
	}
	return pairs
}
