package story

import "math/bits"

// buckets maps LSH band keys to the newest posting of their bucket. It is
// an open-addressing table with linear probing rather than a Go map: a
// Clusterer of 100,000 documents holds 4,000,000 keys, and restoring it
// at start-up is mostly inserting them, which a flat table of key and
// head side by side does with about one cache miss each, where the map
// took 1.3 to 2 times the CPU in paired runs. Keys are never removed (Prune builds a new
// Clusterer), so no tombstones are needed.
type buckets struct {
	slots []bucket // at most maxLoad full
	n     int      // slots in use
}

// maxLoad is how full the table may get, in tenths: linear probing then
// reads about 6 slots (a cache line or two) to find a key absent, and a
// restore's table of 4,000,000 keys takes 91 MB, where one at most half
// full took 134 MB (BenchmarkClusterAdd: 1,753 heap bytes a document,
// the Go map 1,723).
const maxLoad = 7

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
	for i := t.home(key); ; i = t.next(i) {
		s := &t.slots[i]
		if s.post == 0 || s.key == key {
			return s.post
		}
	}
}

// slot returns key's slot, claiming a free one (post 0) if key is new.
// The table must have room (grow).
func (t *buckets) slot(key uint64) *bucket {
	for i := t.home(key); ; i = t.next(i) {
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
// their high 32 bits, scaled to the table's size, serve.
func (t *buckets) home(key uint64) uint64 {
	return key >> 32 * uint64(len(t.slots)) >> 32
}

// next is the slot after i, wrapping around.
func (t *buckets) next(i uint64) uint64 {
	if i++; i == uint64(len(t.slots)) {
		return 0
	}
	return i
}

// grow makes room for keys keys in all, rehashing when they would fill
// more than maxLoad: into a table just large enough for a restore's many
// keys given at once, and at least half as large again as before, so that keys
// added one by one are rehashed a bounded number of times each.
func (t *buckets) grow(keys int) {
	if 10*keys <= maxLoad*len(t.slots) {
		return
	}
	size := max(10*keys/maxLoad+1, len(t.slots)+len(t.slots)/2, 1024)
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
	width := bits.Len(uint(len(t.slots)))
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
