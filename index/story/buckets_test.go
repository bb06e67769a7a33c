package story

import "testing"

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
	if tb.n != n || len(tb.slots) < 2*n {
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
