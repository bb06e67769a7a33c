package engine

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/store"
)

// Group sizes. A bleve batch has a fixed cost (a segment, merged later
// at the price of rewriting it), so bigger groups index faster: when
// runs deliver faster than the index writes, batches queue during a
// commit and the next group takes up to maxGroupDocs of them. A group
// of fewer than minGroupDocs waits for runs still fetching, at most
// maxLinger, so that runs finishing close together share a batch; a
// lone run (quiet ingest) never waits, and an alert is late by at most
// maxLinger.
const (
	// maxGroupDocs: one Upsert of one bleve batch per partition
	// (index.Upsert writes up to 2,000 documents or 8 MB a batch:
	// bigger batches cost bleve more CPU and memory, index.go says how
	// much).
	maxGroupDocs = 2000
	minGroupDocs = 1000
	maxLinger    = 250 * time.Millisecond
	// maxQueuedDocs: a run whose last batch is queued gives up its run
	// and host slots (so that other sources fetch while the index
	// writes) while the queue, the group being committed apart, holds at
	// most this many documents; past it, runs keep their slots until
	// the queue drains, and fetching waits for the index.
	maxQueuedDocs = 2 * maxGroupDocs
)

// commitReq is one fetched batch, tagged, waiting to be committed: its
// documents, and the state to record once they are indexed.
type commitReq struct {
	ctx        context.Context
	source     string
	docs       []index.Document
	gone       []string
	items      map[string]string // feed item key → document ID
	validators *[2]string
	pages      map[string]*store.PageState
	// fetched, if set, is called (once, under the committer's lock) when
	// the request is queued with room in the queue: maxQueuedDocs.
	fetched func()

	// Set by the commit.
	new, updated, goneN int
	err                 error
	done                chan struct{}
}

// groupCommitter commits the batches that arrive while a commit is in
// progress together: one journal entry, one Upsert, one percolation and
// one bbolt transaction for the state of them all. It owns no
// goroutine: the first caller to find no commit in progress commits for
// everyone queued until the queue is empty, and the others wait for
// theirs.
type groupCommitter struct {
	mu      sync.Mutex
	queue   []*commitReq
	leading bool
	// fetching counts the runs that may submit a batch soon: between
	// begin and end, except while they wait in submit.
	fetching int
	// wake tells a lingering leader that a batch arrived or a run ended.
	wake chan struct{}
	// linger is how long a small group waits for runs still fetching;
	// zero means maxLinger (tests set it).
	linger time.Duration
}

// begin registers a run that will submit batches; end, its end.
func (gc *groupCommitter) begin() {
	gc.mu.Lock()
	gc.fetching++
	gc.mu.Unlock()
}

func (gc *groupCommitter) end() {
	gc.mu.Lock()
	gc.fetching--
	gc.signal()
	gc.mu.Unlock()
}

// signal wakes a lingering leader. gc.mu is held.
func (gc *groupCommitter) signal() {
	if gc.wake == nil {
		gc.wake = make(chan struct{}, 1)
	}
	select {
	case gc.wake <- struct{}{}:
	default:
	}
}

// submit queues req and returns once it is committed, with its error.
// The caller is between begin and end (a run's fetch, a cluster
// indexer's batches of one source).
func (gc *groupCommitter) submit(req *commitReq, commit func([]*commitReq)) error {
	req.done = make(chan struct{})
	gc.mu.Lock()
	gc.queue = append(gc.queue, req)
	gc.releaseLocked()
	gc.fetching--
	defer func() {
		gc.mu.Lock()
		gc.fetching++
		gc.mu.Unlock()
	}()
	if gc.leading {
		gc.signal()
		gc.mu.Unlock()
		<-req.done // a journaled batch is committed whole, so no ctx here
		return req.err
	}
	gc.leading = true
	for len(gc.queue) > 0 {
		gc.lingerLocked()
		group := gc.take()
		gc.releaseLocked()
		gc.mu.Unlock()
		commit(group)
		for _, r := range group {
			close(r.done)
		}
		gc.mu.Lock()
	}
	gc.leading = false
	gc.mu.Unlock()
	return req.err
}

// lingerLocked waits, at most gc.linger, while the queue holds fewer
// than minGroupDocs documents and some run is still fetching. gc.mu is
// held, and released while waiting.
func (gc *groupCommitter) lingerLocked() {
	limit := gc.linger
	if limit <= 0 {
		limit = maxLinger
	}
	var timer *time.Timer
	for gc.fetching > 0 && gc.queuedDocs() < minGroupDocs {
		if timer == nil {
			timer = time.NewTimer(limit)
			defer timer.Stop()
		}
		if gc.wake == nil {
			gc.wake = make(chan struct{}, 1)
		}
		wake := gc.wake
		gc.mu.Unlock()
		select {
		case <-wake:
			gc.mu.Lock()
		case <-timer.C:
			gc.mu.Lock()
			return
		}
	}
}

// releaseLocked calls the fetched of the queued requests, in queue
// order, that the queue has room for (maxQueuedDocs). gc.mu is held.
func (gc *groupCommitter) releaseLocked() {
	n := 0
	for _, r := range gc.queue {
		n += len(r.docs)
		if n > maxQueuedDocs && n > len(r.docs) {
			return // the first request always has room, however big
		}
		if r.fetched != nil {
			r.fetched()
			r.fetched = nil
		}
	}
}

// queuedDocs is the documents in the queue. gc.mu is held.
func (gc *groupCommitter) queuedDocs() int {
	n := 0
	for _, r := range gc.queue {
		n += len(r.docs)
	}
	return n
}

// take removes the next group from the queue: at least one batch, then
// more while they add up to at most maxGroupDocs documents and name no
// document another batch of the group names (two copies of one document
// must be written one after the other). gc.mu is held.
func (gc *groupCommitter) take() []*commitReq {
	ids := map[string]bool{}
	n := 0
	i := 0
	for ; i < len(gc.queue); i++ {
		r := gc.queue[i]
		if i > 0 && n+len(r.docs) > maxGroupDocs {
			break
		}
		clash := false
		for _, d := range r.docs {
			if ids[d.ID] {
				clash = true
				break
			}
		}
		if clash && i > 0 {
			break
		}
		for _, d := range r.docs {
			ids[d.ID] = true
		}
		n += len(r.docs)
	}
	group := gc.queue[:i:i]
	gc.queue = gc.queue[i:]
	return group
}

// commitGroup indexes the documents of a group of batches and records
// their state; every batch of the group gets the outcome.
func (g *Gatherer) commitGroup(group []*commitReq) {
	err := g.commitAll(group)
	for _, r := range group {
		r.err = err
	}
}

func (g *Gatherer) commitAll(group []*commitReq) error {
	g.gate.RLock()
	defer g.gate.RUnlock()
	var docs []index.Document
	var ids []string
	for _, r := range group {
		for _, d := range r.docs {
			docs = append(docs, d)
			ids = append(ids, d.ID)
		}
	}
	ctx := group[0].ctx
	var seq []uint64
	if len(docs) > 0 {
		// Whatever may fail or be cancelled comes before the journal
		// entry: once a batch is journaled, only a crash may leave it
		// there.
		if err := g.index.PrepareWrites(ctx); err != nil {
			return indexWriteError(err)
		}
		// Journalled before the index write, cleared once the alerts
		// are stored: a crash in between is replayed at the next start.
		// From here a shutdown does not cancel the group: it is
		// committed whole, so a clean stop leaves the journal empty.
		s, err := g.store.JournalAdd(ids)
		if err != nil {
			return indexWriteError(err)
		}
		seq = append(seq, s)
	}
	ctx = context.WithoutCancel(ctx)
	if len(docs) > 0 {
		// Upsert sets each document's first-fetch time in docs, which
		// decides whether it is newer than a subscription.
		up, err := g.index.Upsert(ctx, docs)
		kind := make(map[string]int, len(up.New)+len(up.Updated)) // 1 new, 2 updated
		for _, id := range up.New {
			kind[id] = 1
		}
		for _, id := range up.Updated {
			kind[id] = 2
		}
		for _, r := range group {
			counted := map[string]bool{} // duplicates within a batch
			for _, d := range r.docs {
				if counted[d.ID] {
					continue
				}
				counted[d.ID] = true
				switch kind[d.ID] {
				case 1:
					r.new++
				case 2:
					r.updated++
				}
			}
		}
		if err != nil {
			return indexWriteError(err)
		}
		var changed []index.Document
		for _, d := range docs {
			if kind[d.ID] != 0 {
				changed = append(changed, d)
				delete(kind, d.ID)
			}
		}
		// Percolate what was written, right after it was indexed.
		if _, err := g.alerts.percolate(ctx, changed); err != nil {
			return fmt.Errorf("alerts: %w", err)
		}
	}
	c := store.Commit{Journal: seq, Seen: g.now().UTC(), Items: map[string]map[string]string{},
		Validators: map[string][2]string{}, Pages: map[string]map[string]*store.PageState{}}
	for _, r := range group {
		if len(r.gone) > 0 {
			n, err := g.index.MarkGone(ctx, r.gone, g.now())
			r.goneN += n
			if err != nil {
				return err
			}
		}
		// Validators and page states are stored only once their
		// documents are indexed: a failure above must not turn the next
		// fetch into a 304 that skips them.
		if r.items != nil {
			c.Items[r.source] = r.items
		}
		if r.validators != nil {
			c.Validators[r.source] = *r.validators
		}
		if r.pages != nil {
			c.Pages[r.source] = r.pages
		}
	}
	return g.store.PutCommit(c)
}
