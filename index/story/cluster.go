package story

import (
	"slices"
	"sync"
	"time"
)

// Clusterer defaults.
const (
	// Window is how far apart in publication time two copies of a story
	// may be: syndication happens within days, while the same template
	// a year later ("3GPP freezes Release 19") is news of its own.
	Window = 14 * 24 * time.Hour
	// MaxBucketScan bounds how many of the most recently added documents
	// of one LSH bucket Add compares with, so that a flood of identical
	// documents, or a pair of words that half the news shares, cannot make
	// Add linear. A copy shares many buckets with its story, nearly all
	// of them small.
	MaxBucketScan = 16
)

// Clusterer assigns story ids to documents as they arrive. A document joins
// the story of the most similar earlier document (see Similar) published
// within Window of it; otherwise it starts a story whose id is its own
// document id. Candidates come from LSH buckets, at most
// Bands×MaxBucketScan of them however many documents it holds, so Add does
// not slow down in proportion to them. Assignments depend only on
// the documents and the order they are added in, so rebuilding from the
// same documents in the same order gives the same story ids. A Clusterer is
// safe for concurrent use.
type Clusterer struct {
	mu sync.Mutex
	// Per document, by the order added. Signatures, the bulk, live in
	// fixed chunks so that growing never copies them, and with times in
	// seconds they hold no pointers for the garbage collector to chase.
	ids     []string
	stories []string
	times   []int64       // Unix seconds of publication
	sigs    [][]Signature // chunks of sigChunk
	stamp   []uint32      // the last Add that compared the document
	byID    map[string]int32
	buckets buckets // band key → newest posting + 1
	posts   []posting
	gen     uint32
	// old holds the documents AddKept did not keep and that joined no
	// kept story, so that copies of one old story added close together
	// still join each other; replaced by an empty one past maxOld
	// documents, dropped by Prune.
	old *Clusterer
	// unbucketed is the first document not yet in its buckets: Restore
	// defers that work so that bucketAll can do it for many documents in
	// the order of their slots in the table, not at random.
	unbucketed int32
}

const sigChunk = 1024

// posting is one document in one bucket, chained to the one before it.
type posting struct {
	doc  int32
	next int32 // index + 1 of the older posting in the bucket, 0 at the end
}

// NewClusterer returns an empty Clusterer.
func NewClusterer() *Clusterer {
	return &Clusterer{byID: map[string]int32{}}
}

// Grow makes room for n more documents, so that restoring many at once
// does not grow the tables step by step.
func (c *Clusterer) Grow(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ids = slices.Grow(c.ids, n)
	c.stories = slices.Grow(c.stories, n)
	c.times = slices.Grow(c.times, n)
	c.stamp = slices.Grow(c.stamp, n)
	if len(c.byID) == 0 {
		c.byID = make(map[string]int32, n)
	}
}

// Add assigns docID a story and returns the story id. A document already
// added keeps its story: Add returns it and changes nothing, so re-adding
// an updated document is harmless. A signature without shingles always
// starts a story of its own.
func (c *Clusterer) Add(docID string, sig Signature, published time.Time) (storyID string) {
	return c.AddKept(docID, sig, published, time.Time{})
}

// maxOld bounds the documents AddKept keeps apart: a Clusterer's Add
// slows as it grows. 5,000 cost about what 20,000 cost in
// BenchmarkClusterAddKept, so the larger, which joins more copies.
const maxOld = 20000

// AddKept is Add for a Clusterer that holds only the documents published
// at or after keepFrom (those Prune(keepFrom) keeps). An older document
// joins the story of the most similar document it holds, as Add would,
// but is not kept: later documents cannot join it, and Story and Len do
// not count it. Keeping it would cost the tables and buckets of every
// document of a first crawl of a year's archive until the next Prune,
// which slows every Add, for news that a restart would not restore
// either. Such a document that joins no story is added to a small
// Clusterer of the last thousands of them (maxOld), so that copies of
// one old story added close together still join each other; copies
// further apart, or an old one and a kept copy added after it, start a
// story each. A zero
// keepFrom keeps every document, as Add does.
func (c *Clusterer) AddKept(docID string, sig Signature, published, keepFrom time.Time) (storyID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i, ok := c.byID[docID]; ok {
		return c.stories[i]
	}
	c.bucketAll()
	at := published.Unix()
	storyID = docID
	if best := c.nearest(&sig, at); best >= 0 {
		storyID = c.stories[best]
	}
	if !keepFrom.IsZero() && published.Before(keepFrom) {
		if storyID != docID {
			return storyID
		}
		if c.old == nil || c.old.Len() >= maxOld {
			c.old = NewClusterer()
		}
		return c.old.Add(docID, sig, published)
	}
	c.append(docID, storyID, at, &sig)
	c.bucketAll()
	return storyID
}

// Restore adds a document whose story was assigned earlier, such as one
// read back from the index at start-up, without assigning it anew. Later
// documents can join its story. A document already added is left as it is.
func (c *Clusterer) Restore(docID, storyID string, sig Signature, published time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byID[docID]; ok {
		return
	}
	if storyID == "" {
		storyID = docID
	}
	c.append(docID, storyID, published.Unix(), &sig)
}

// Settle puts the documents restored since the last Add into their LSH
// buckets now rather than at the next Add: a restore of many documents
// calls it once at the end, so that the work is done in bulk (bucketAll)
// and before ingest waits on it.
func (c *Clusterer) Settle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bucketAll()
}

// append stores a document; bucketAll puts it into its buckets.
func (c *Clusterer) append(id, story string, at int64, sig *Signature) {
	d := int32(len(c.ids))
	c.ids = append(c.ids, id)
	c.stories = append(c.stories, story)
	c.times = append(c.times, at)
	c.stamp = append(c.stamp, 0)
	if int(d)%sigChunk == 0 {
		c.sigs = append(c.sigs, make([]Signature, 0, sigChunk))
	}
	last := &c.sigs[len(c.sigs)-1]
	*last = append(*last, *sig)
	c.byID[id] = d
}

// bulkPairs is how many postings bucketAll must add for sorting them by
// slot first to pay: a restore's hundreds of thousands, not an Add's 40.
const bulkPairs = 1 << 16

// bucketAll puts the documents appended since the last call into the
// bucket of each of their bands, in the order they were added, so that
// each bucket's chain runs from the newest to the oldest. Many at once
// are sorted by their key's slot in the table first (stably, keeping
// that order per bucket), which turns millions of random probes of a
// table far larger than the caches into one sweep.
func (c *Clusterer) bucketAll() {
	from, n := c.unbucketed, int32(len(c.ids))
	if from == n {
		return
	}
	c.unbucketed = n
	pairs := make([]keyed, 0, int(n-from)*Bands)
	for d := from; d < n; d++ {
		sig := c.sig(d)
		if sig.Shingles == 0 {
			continue
		}
		for b := range Bands {
			pairs = append(pairs, keyed{key: bandKey(sig, b), doc: d})
		}
	}
	c.buckets.grow(c.buckets.n + len(pairs))
	if len(pairs) >= bulkPairs {
		pairs = c.buckets.sortByHome(pairs)
	}
	c.posts = slices.Grow(c.posts, len(pairs))
	for _, p := range pairs {
		head := c.buckets.slot(p.key)
		c.posts = append(c.posts, posting{doc: p.doc, next: head.post})
		head.post = int32(len(c.posts))
	}
}

func (c *Clusterer) sig(d int32) *Signature {
	return &c.sigs[d/sigChunk][d%sigChunk]
}

// nearest returns the earlier document most similar to sig within Window
// of at, the first added among equals, or -1.
func (c *Clusterer) nearest(sig *Signature, at int64) int32 {
	if sig.Shingles == 0 {
		return -1
	}
	c.gen++
	if c.gen == 0 { // wrapped: forget old stamps
		clear(c.stamp)
		c.gen = 1
	}
	window := int64(Window / time.Second)
	best, bestJ := int32(-1), 0.0
	for b := range Bands {
		p := c.buckets.get(bandKey(sig, b))
		for n := 0; p != 0 && n < MaxBucketScan; n++ {
			post := c.posts[p-1]
			p = post.next
			d := post.doc
			if c.stamp[d] == c.gen {
				continue
			}
			c.stamp[d] = c.gen
			if dt := at - c.times[d]; dt > window || dt < -window {
				continue
			}
			other := c.sig(d)
			j := jaccard(sig, other)
			if !similar(j, sig, other) {
				continue
			}
			if j > bestJ || j == bestJ && d < best {
				best, bestJ = d, j
			}
		}
	}
	return best
}

// Story returns the story of an added document.
func (c *Clusterer) Story(docID string) (storyID string, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	i, ok := c.byID[docID]
	if !ok {
		return "", false
	}
	return c.stories[i], true
}

// Len returns how many documents the Clusterer holds.
func (c *Clusterer) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.ids)
}

// Prune forgets the documents published before cutoff, which no longer
// matter once every new document is published after cutoff+Window, and
// returns how many it forgot. The others keep their stories; a forgotten
// document added again is assigned anew.
func (c *Clusterer) Prune(cutoff time.Time) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	at := cutoff.Unix()
	c.old = nil // only documents published before some cutoff
	if !slices.ContainsFunc(c.times, func(t int64) bool { return t < at }) {
		return 0
	}
	old := &Clusterer{ids: c.ids, stories: c.stories, times: c.times, sigs: c.sigs}
	c.ids, c.stories, c.times, c.sigs, c.stamp, c.posts = nil, nil, nil, nil, nil, nil
	c.byID, c.buckets, c.gen, c.unbucketed = map[string]int32{}, buckets{}, 0, 0
	for d := range int32(len(old.ids)) {
		if old.times[d] >= at {
			c.append(old.ids[d], old.stories[d], old.times[d], old.sig(d))
		}
	}
	c.bucketAll()
	return len(old.ids) - len(c.ids)
}

// bandKey hashes band b of sig: its index and its Rows MinHash values.
func bandKey(sig *Signature, b int) uint64 {
	h := uint64(b+1) * 0x9e3779b97f4a7c15
	for _, v := range sig.Mins[b*Rows : (b+1)*Rows] {
		h = mix(h ^ uint64(v))
	}
	return h
}
