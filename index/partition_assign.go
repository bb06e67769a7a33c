package index

import (
	"time"
)

// DefaultPartitionDocs is Options.PartitionDocs's default: about a month
// of a large deployment's documents, and well inside the size at which
// one bleve index still searches fast (the README's Performance at scale).
const DefaultPartitionDocs = 250_000

// Which partition a new document goes to.
//
// Every partition covers a contiguous span of months [first, last], and
// the spans of different partitions never overlap, so every month maps to
// at most one partition. A new document's month is that of its
// publication date, or of now if the date is in the future (so that a
// feed's wrong year cannot open the span of partitions to come; the real
// date still widens the partition's date range, which pruning uses):
//
//   - a month a partition covers goes to that partition, however full;
//   - a month before every span widens the oldest partition back to it
//     while that one holds fewer than PartitionDocs documents; otherwise
//     a new partition starts, covering the months from the document's to
//     the one before the oldest's first: an archive read newest first (a
//     feed lists its newest item first, so a first crawl of a deep
//     archive arrives so) is cut into partitions as live news is, and
//     old or hostile dates add partitions only as documents fill them,
//     never by how far back they reach;
//   - a month after every span widens the newest partition to it while
//     that one holds fewer than PartitionDocs documents; otherwise a new
//     partition starts, covering the months from the newest one's last to
//     the document's, so that spans stay contiguous;
//   - with a retention (Options.Retention, SetRetention), a partition
//     also spans at most a sixth of it (at least a month), as
//     Elasticsearch rolls over by age, so that retention drops documents
//     at most about a sixth of it late: a month past that after every
//     span starts a new partition, and one before every span starts a new
//     partition before the oldest, unless the oldest's documents are all
//     past the retention already (then it widens: expired dates, however
//     many, make one partition, which retention drops);
//   - a month between two spans (a gap the monthly layout may have left)
//     widens the older neighbour while it holds fewer than PartitionDocs
//     documents, else the newer one, else the older one anyway: new
//     partitions start only at the present end of time.
//
// Widening changes the partition's months in memory at once (the caller
// is the only writer) and on disk with the batch's span (writeBatch).

// assign returns the batch of the partition a new document published at
// published goes to, widening or creating it. now is the time of
// indexing. The caller holds writeMu.
func (w *partWrites) assign(ix *Index, published, now time.Time) (*partWrite, error) {
	m := monthOf(published)
	if nm := monthOf(now); m.After(nm) {
		m = nm
	}
	ix.mu.RLock()
	parts := ix.parts // changed only by the writer, which is the caller
	ix.mu.RUnlock()
	if len(parts) == 0 {
		return w.create(ix, m, m)
	}
	full := func(p *partition) (*partWrite, bool, error) {
		pw, err := w.of(p)
		if err != nil {
			return nil, false, err
		}
		return pw, pw.docs+pw.added >= uint64(ix.partitionDocs()), nil
	}
	oldest, newest := parts[0], parts[len(parts)-1]
	maxSpan := ix.retentionSpan()
	switch {
	case m.Before(oldest.first):
		pw, isFull, err := full(oldest)
		if err != nil {
			return nil, err
		}
		if isFull {
			// An archive read newest first (a feed's order) fills
			// partitions backwards as live news fills them forwards.
			return w.create(ix, m, oldest.first.AddDate(0, -1, 0))
		}
		if maxSpan > 0 && months(m, oldest.last) > maxSpan && oldest.hi.After(ix.retention.Cutoff(now)) {
			// Retention drops whole partitions: one that held both
			// months would keep this document as long as the newest.
			return w.create(ix, m, oldest.first.AddDate(0, -1, 0))
		}
		return w.widen(ix, pw.p, m, oldest.last)
	case m.After(newest.last):
		pw, isFull, err := full(newest)
		if err != nil {
			return nil, err
		}
		if isFull || maxSpan > 0 && months(newest.first, m) > maxSpan {
			return w.create(ix, newest.last.AddDate(0, 1, 0), m)
		}
		return w.widen(ix, pw.p, pw.p.first, m)
	}
	for i, p := range parts {
		if m.Before(p.first) {
			// Between parts[i-1] and p: i > 0, since m is not before
			// the oldest.
			prev := parts[i-1]
			pw, isFull, err := full(prev)
			if err != nil {
				return nil, err
			}
			if !isFull {
				return w.widen(ix, prev, prev.first, m)
			}
			if _, nextFull, err := full(p); err != nil {
				return nil, err
			} else if !nextFull {
				return w.widen(ix, p, m, p.last)
			}
			return w.widen(ix, pw.p, prev.first, m)
		}
		if !m.After(p.last) {
			return w.counted(p)
		}
	}
	return w.widen(ix, newest, newest.first, m) // not reached: m is after no span
}

// counted returns p's batch, counting one more new document in it.
func (w *partWrites) counted(p *partition) (*partWrite, error) {
	pw, err := w.of(p)
	if err != nil {
		return nil, err
	}
	pw.added++
	return pw, nil
}

// widen makes p cover the months first to last and returns its batch,
// counting one more new document in it.
func (w *partWrites) widen(ix *Index, p *partition, first, last time.Time) (*partWrite, error) {
	if !first.Equal(p.first) || !last.Equal(p.last) {
		p.spanMu.Lock()
		p.first, p.last = first, last
		p.spanMu.Unlock()
	}
	return w.counted(p)
}

// create starts a partition covering first to last and returns its
// batch, counting one new document in it.
func (w *partWrites) create(ix *Index, first, last time.Time) (*partWrite, error) {
	p, err := ix.newPartition(first, last)
	if err != nil {
		return nil, err
	}
	return w.counted(p)
}

// monthOf is the first instant (UTC) of t's month.
func monthOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// partitionDocs is the size at which a partition stops widening.
func (ix *Index) partitionDocs() int {
	if ix.partDocs > 0 {
		return ix.partDocs
	}
	return DefaultPartitionDocs
}

// retentionSpan is the most months a partition spans under the index's
// retention: a sixth of it, at least 1; 0 without a retention. The caller
// holds writeMu.
func (ix *Index) retentionSpan() int {
	r := ix.retention
	if r.IsZero() {
		return 0
	}
	m := r.Months + r.Days/30 + int(r.D/(30*24*time.Hour))
	return max(1, m/6)
}

// months is the number of months from the month of a to that of b,
// both counted.
func months(a, b time.Time) int {
	return (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month()) + 1
}
