package story

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"
)

func TestBucketsProbeAndGrow(t *testing.T) {
	var tb buckets
	if got := tb.get(42); got != 0 {
		t.Fatalf("empty table: get = %d", got)
	}
	// Keys sharing their high bits share a home slot: they probe past
	// each other, across the growth of the table.
	const n = 3000
	key := func(i int) uint64 { return 0xabcd_0000_0000_0000 | uint64(i)<<16 | uint64(i%7) }
	for i := range n {
		tb.grow(tb.n + 1)
		s := tb.slot(key(i))
		if s.post != 0 {
			t.Fatalf("key %d: new key found a used slot", i)
		}
		s.post = int32(i + 1)
	}
	if tb.n != n || 10*tb.n > maxLoad*len(tb.slots) {
		t.Fatalf("%d keys in %d slots", tb.n, len(tb.slots))
	}
	for i := range n {
		if got := tb.get(key(i)); got != int32(i+1) {
			t.Fatalf("get(key %d) = %d", i, got)
		}
		if s := tb.slot(key(i)); s.post != int32(i+1) {
			t.Fatalf("slot(key %d).post = %d", i, s.post)
		}
	}
	if got := tb.get(key(n)); got != 0 {
		t.Errorf("absent key: get = %d", got)
	}
	if tb.n != n {
		t.Errorf("lookups changed the count: %d", tb.n)
	}
}

// TestBulkBucketsMatchOneByOne: a restore bucketed in bulk (sorted by
// slot) holds the same chains, and assigns the same stories, as one that
// bucketed each document as it came.
func TestBulkBucketsMatchOneByOne(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	zipf := rand.NewZipf(rng, 1.1, 2, 5000)
	const n = 3 * bulkPairs / Bands // past the bulk threshold
	texts := make([]string, n+200)
	for i := range texts {
		if i > 0 && rng.IntN(4) == 0 {
			prev := texts[rng.IntN(i)]
			texts[i] = prev[:len(prev)*3/4]
		} else {
			texts[i] = benchText(rng, zipf, 40+rng.IntN(60))
		}
	}
	at := func(i int) time.Time { return t0.Add(time.Duration(i%500) * time.Minute) }
	bulk, single := NewClusterer(), NewClusterer()
	for i := range n {
		sig := Fingerprint("", texts[i])
		bulk.Restore(strconv.Itoa(i), "s"+strconv.Itoa(i%97), sig, at(i))
		single.Restore(strconv.Itoa(i), "s"+strconv.Itoa(i%97), sig, at(i))
		single.bucketAll()
	}
	bulk.bucketAll()
	if bulk.buckets.n != single.buckets.n || len(bulk.posts) != len(single.posts) {
		t.Fatalf("bulk: %d keys, %d postings; one by one: %d, %d", bulk.buckets.n, len(bulk.posts), single.buckets.n, len(single.posts))
	}
	chain := func(c *Clusterer, key uint64) []int32 {
		var docs []int32
		for p := c.buckets.get(key); p != 0; p = c.posts[p-1].next {
			docs = append(docs, c.posts[p-1].doc)
		}
		return docs
	}
	for _, s := range single.buckets.slots {
		if s.post != 0 && !slices.Equal(chain(bulk, s.key), chain(single, s.key)) {
			t.Fatalf("key %x: bulk chain %v, one by one %v", s.key, chain(bulk, s.key), chain(single, s.key))
		}
	}
	joined := 0
	for i := n; i < len(texts); i++ {
		sig := Fingerprint("", texts[i])
		a, b := bulk.Add(strconv.Itoa(i), sig, at(i)), single.Add(strconv.Itoa(i), sig, at(i))
		if a != b {
			t.Errorf("document %d: story %q after a bulk restore, %q one by one", i, a, b)
		}
		if a != strconv.Itoa(i) {
			joined++
		}
	}
	if joined < 20 {
		t.Errorf("only %d of 200 documents joined a story: the test tests little", joined)
	}
}
