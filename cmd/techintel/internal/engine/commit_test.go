package engine

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/techintel/techintel/index"
)

// groupRecorder is a commit function that records the groups it gets.
type groupRecorder struct {
	mu     sync.Mutex
	groups [][]string // the sources of each group
}

func (r *groupRecorder) commit(group []*commitReq) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var names []string
	for _, req := range group {
		names = append(names, req.source)
	}
	r.groups = append(r.groups, names)
}

func reqOf(source string, docs int) *commitReq {
	r := &commitReq{source: source}
	for i := range docs {
		r.docs = append(r.docs, index.Document{ID: fmt.Sprintf("%s-%d", source, i)})
	}
	return r
}

// TestGroupCommitQuietDoesNotWait: a lone run's batch is committed at
// once, however long the linger: nothing else is fetching. (Were it to
// wait, the test would hang until its deadline.)
func TestGroupCommitQuietDoesNotWait(t *testing.T) {
	gc := &groupCommitter{linger: time.Hour}
	var rec groupRecorder
	gc.begin()
	if err := gc.submit(reqOf("a", 10), rec.commit); err != nil {
		t.Fatal(err)
	}
	gc.end()
	if len(rec.groups) != 1 || len(rec.groups[0]) != 1 {
		t.Fatalf("groups %v, want one of a", rec.groups)
	}
}

// TestGroupCommitWaitsForFetchingRuns: a small batch waits for the runs
// still fetching (here with no time limit to speak of), so that batches
// arriving close together are one group: one bleve batch.
func TestGroupCommitWaitsForFetchingRuns(t *testing.T) {
	for _, tc := range []struct {
		name string
		// b: what the second run does after the first submitted.
		b    func(gc *groupCommitter, rec *groupRecorder) error
		want [][]string
	}{
		{"the other run submits", func(gc *groupCommitter, rec *groupRecorder) error {
			return gc.submit(reqOf("b", 10), rec.commit)
		}, [][]string{{"a", "b"}}},
		{"the other run ends without a batch (a 304)", func(*groupCommitter, *groupRecorder) error { return nil },
			[][]string{{"a"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gc := &groupCommitter{linger: time.Hour}
			var rec groupRecorder
			gc.begin() // a
			gc.begin() // b
			errs := make(chan error, 2)
			go func() {
				defer gc.end()
				errs <- gc.submit(reqOf("a", 10), rec.commit)
			}()
			// b acts once a waits in the queue.
			waitFor(t, func() bool {
				gc.mu.Lock()
				defer gc.mu.Unlock()
				return len(gc.queue) == 1 && gc.leading
			})
			go func() {
				defer gc.end()
				errs <- tc.b(gc, &rec)
			}()
			for range 2 {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			if fmt.Sprint(rec.groups) != fmt.Sprint(tc.want) {
				t.Errorf("groups %v, want %v", rec.groups, tc.want)
			}
		})
	}
}

// TestGroupCommitFullGroupDoesNotWait: a queue of minGroupDocs or more
// is committed without waiting for the runs still fetching.
func TestGroupCommitFullGroupDoesNotWait(t *testing.T) {
	gc := &groupCommitter{linger: time.Hour}
	var rec groupRecorder
	gc.begin()
	gc.begin() // a run that never delivers within the test
	if err := gc.submit(reqOf("a", minGroupDocs), rec.commit); err != nil {
		t.Fatal(err)
	}
	gc.end()
	gc.end()
	if len(rec.groups) != 1 {
		t.Fatalf("groups %v", rec.groups)
	}
}

// TestGroupCommitLingerIsBounded: with a run that never delivers, a small
// batch is committed once the linger runs out.
func TestGroupCommitLingerIsBounded(t *testing.T) {
	gc := &groupCommitter{linger: time.Millisecond}
	var rec groupRecorder
	gc.begin()
	gc.begin()
	if err := gc.submit(reqOf("a", 1), rec.commit); err != nil {
		t.Fatal(err)
	}
	if len(rec.groups) != 1 {
		t.Fatalf("groups %v", rec.groups)
	}
}

// TestGroupCommitCapsGroups: a backlog is split in groups of at most
// maxGroupDocs documents.
func TestGroupCommitCapsGroups(t *testing.T) {
	gc := &groupCommitter{}
	var rec groupRecorder
	// Queue three batches behind a leader that is busy committing.
	release := make(chan struct{})
	first := true
	commit := func(group []*commitReq) {
		if first {
			first = false
			<-release
		}
		rec.commit(group)
	}
	errs := make(chan error, 4)
	for _, name := range []string{"lead", "x", "y", "z"} {
		gc.begin()
		go func() {
			defer gc.end()
			errs <- gc.submit(reqOf(name, maxGroupDocs/2), commit)
		}()
		if name == "lead" {
			waitFor(t, func() bool { gc.mu.Lock(); defer gc.mu.Unlock(); return gc.leading && len(gc.queue) == 0 })
		}
	}
	waitFor(t, func() bool { gc.mu.Lock(); defer gc.mu.Unlock(); return len(gc.queue) == 3 })
	close(release)
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if len(rec.groups) != 3 || len(rec.groups[1]) != 2 || len(rec.groups[2]) != 1 {
		t.Errorf("groups %v, want the lead's, then two batches, then one", rec.groups)
	}
}

// waitFor polls cond until it holds, failing after a generous deadline.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within a minute")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestQueuedRunGivesUpItsSlots: a run whose last batch waits behind a
// commit in progress hears fetched at once (its run and host slots go to
// the next sources) while the queue has room; past maxQueuedDocs it
// hears it only when a group taken from the queue makes room.
func TestQueuedRunGivesUpItsSlots(t *testing.T) {
	gc := &groupCommitter{linger: time.Nanosecond}
	block := make(chan struct{})
	var rec groupRecorder
	commit := func(group []*commitReq) {
		if group[0].source == "lead" {
			<-block // the first commit is in progress until the test says
		}
		rec.commit(group)
	}
	fetched := map[string]chan struct{}{}
	req := func(name string, docs int) *commitReq {
		r := reqOf(name, docs)
		ch := make(chan struct{})
		fetched[name] = ch
		r.fetched = func() { close(ch) } // a second call would panic
		return r
	}
	heard := func(name string) bool {
		select {
		case <-fetched[name]:
			return true
		default:
			return false
		}
	}
	errs := make(chan error, 4)
	submit := func(r *commitReq) {
		gc.begin()
		go func() {
			defer gc.end()
			errs <- gc.submit(r, commit)
		}()
	}
	lead := req("lead", 10)
	submit(lead)
	waitFor(t, func() bool { return heard("lead") }) // alone in the queue: room
	waitFor(t, func() bool {
		gc.mu.Lock()
		defer gc.mu.Unlock()
		return gc.leading && len(gc.queue) == 0 // lead is being committed
	})
	// Two batches that fill the queue hear it at once; the third, past
	// the limit, keeps its slots.
	a, b, c := req("a", maxQueuedDocs/2), req("b", maxQueuedDocs/2), req("c", 10)
	for _, r := range []*commitReq{a, b, c} {
		submit(r)
		waitFor(t, func() bool {
			gc.mu.Lock()
			defer gc.mu.Unlock()
			return slices.Contains(gc.queue, r)
		})
	}
	if !heard("a") || !heard("b") {
		t.Fatal("batches queued with room kept their slots")
	}
	if heard("c") {
		t.Fatal("a batch past maxQueuedDocs gave up its slots: fetching would outrun the index")
	}
	close(block) // lead's commit ends; the next group (a) makes room for c
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if !heard("c") {
		t.Fatal("c never heard fetched")
	}
	if len(rec.groups) < 2 {
		t.Errorf("groups %v", rec.groups)
	}
}
