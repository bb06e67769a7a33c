package crawler

import (
	"context"
	"sync"
)

// pipeline runs page extraction on worker goroutines while the crawl goes
// on fetching, and hands the outcomes back to the crawl's goroutine in the
// order the pages were fetched: results are emitted in that order, links
// are queued in it (so the crawl stays breadth-first), and every callback
// (emit, Known, Progress) stays on the crawl's goroutine.
//
// The crawl fetches one page at a time per host, so on a machine with a
// spare core extraction is otherwise the crawl's critical path: with the
// pipeline, fetching page n+1 overlaps extracting page n.
type pipeline struct {
	ctx  context.Context // when it ends, workers skip the work left
	jobs chan *job
	wg   sync.WaitGroup
	// order holds the jobs not finished yet, oldest first. Its length
	// is at most max: a job holds a page body, up to max_body_bytes.
	order []*job
	max   int
}

// job is one outcome to report in order. work, if any, runs on a worker;
// finish then runs on the crawl's goroutine.
type job struct {
	work   func()
	finish func()
	done   chan struct{} // closed once work has run (or been skipped)
}

// newPipeline starts workers goroutines; close stops them.
func newPipeline(ctx context.Context, workers, max int) *pipeline {
	p := &pipeline{ctx: ctx, jobs: make(chan *job, max), max: max}
	for range workers {
		p.wg.Go(func() {
			for j := range p.jobs {
				if p.ctx.Err() == nil {
					j.work()
				}
				close(j.done)
			}
		})
	}
	return p
}

// submit queues work for a worker and finish for after it. When max jobs
// are already waiting, it first waits for the oldest and finishes it.
func (p *pipeline) submit(work, finish func()) {
	for len(p.order) >= p.max {
		p.next()
	}
	j := &job{work: work, finish: finish, done: make(chan struct{})}
	p.order = append(p.order, j)
	p.jobs <- j // never blocks: the channel holds max jobs
}

// later runs finish now if nothing is waiting, or else after the jobs
// submitted before it.
func (p *pipeline) later(finish func()) {
	if len(p.order) == 0 {
		finish()
		return
	}
	done := make(chan struct{})
	close(done)
	p.order = append(p.order, &job{finish: finish, done: done})
}

// poll finishes the jobs that are done, oldest first, without waiting.
func (p *pipeline) poll() {
	for len(p.order) > 0 {
		select {
		case <-p.order[0].done:
			p.pop()
		default:
			return
		}
	}
}

// next waits for the oldest job and finishes it; false when none waits.
func (p *pipeline) next() bool {
	if len(p.order) == 0 {
		return false
	}
	<-p.order[0].done
	p.pop()
	return true
}

func (p *pipeline) pop() {
	j := p.order[0]
	p.order[0] = nil
	p.order = p.order[1:]
	if p.ctx.Err() == nil {
		j.finish()
	}
}

// drain finishes every job.
func (p *pipeline) drain() {
	for p.next() {
	}
}

// pending says how many jobs are not finished yet.
func (p *pipeline) pending() int { return len(p.order) }

// close stops the workers once the jobs queued are done or skipped, and
// waits for them. Jobs not finished by then are dropped.
func (p *pipeline) close() {
	close(p.jobs)
	p.wg.Wait()
}
