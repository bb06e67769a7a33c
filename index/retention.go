package index

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
)

// Retention is how long documents are kept, by publication date:
// calendar months, days or a Go duration. The zero value keeps
// everything.
type Retention struct {
	Months int
	Days   int
	D      time.Duration
}

// ParseRetention reads data.retention: "" (keep everything), a number of
// days ("730d", "730 days"), months ("24 months"), years ("2y",
// "2 years") or a Go duration ("8760h").
func ParseRetention(s string) (Retention, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "" {
		return Retention{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d <= 0 {
			return Retention{}, fmt.Errorf("%q: must be positive", s)
		}
		return Retention{D: d}, nil
	}
	i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if i <= 0 {
		return Retention{}, fmt.Errorf("%q: want a number and a unit, like \"730d\" or \"24 months\"", s)
	}
	n, err := strconv.Atoi(s[:i])
	if err != nil || n <= 0 || n > 10000 {
		return Retention{}, fmt.Errorf("%q: %s is not a number of days, months or years between 1 and 10000", s, s[:i])
	}
	switch strings.TrimSpace(s[i:]) {
	case "d", "day", "days":
		return Retention{Days: n}, nil
	case "mo", "month", "months":
		return Retention{Months: n}, nil
	case "y", "year", "years":
		return Retention{Months: 12 * n}, nil
	}
	return Retention{}, fmt.Errorf("%q: unknown unit %q (want d, days, months, y or years, or a Go duration like \"8760h\")", s, strings.TrimSpace(s[i:]))
}

// IsZero: the retention keeps everything.
func (r Retention) IsZero() bool { return r == Retention{} }

// Cutoff is the publication date before which documents are dropped at
// now.
func (r Retention) Cutoff(now time.Time) time.Time {
	return now.UTC().AddDate(0, -r.Months, -r.Days).Add(-r.D)
}

func (r Retention) String() string {
	switch {
	case r.Months > 0:
		return fmt.Sprintf("%d months", r.Months)
	case r.Days > 0:
		return fmt.Sprintf("%d days", r.Days)
	case r.D > 0:
		return r.D.String()
	}
	return "everything"
}

// SetRetention sets the retention ApplyRetention applies and the logger
// that hears what it drops (nil: none), for an index opened with Open.
func (ix *Index) SetRetention(r Retention, logger *slog.Logger) {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	ix.retention = r
	if logger != nil {
		ix.log = logger
	}
}

// ApplyRetention drops the partitions every document of which was
// published before the retention's cutoff at now (nothing else is
// deleted), logging each; serve calls it daily, OpenWith at open. It
// returns the keys of the partitions it dropped.
func (ix *Index) ApplyRetention(now time.Time) ([]string, error) {
	ix.writeMu.Lock()
	r := ix.retention
	ix.writeMu.Unlock()
	if r.IsZero() {
		return nil, nil
	}
	return ix.DropBefore(r.Cutoff(now))
}

// DropBefore drops the partitions whose every document was published
// before cutoff: it closes them and removes their directories. It returns
// their keys.
func (ix *Index) DropBefore(cutoff time.Time) ([]string, error) {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	// Told before searches wait (ix.mu): the hook reads whole partitions.
	for _, p := range ix.parts {
		if !p.hi.After(cutoff) {
			if err := ix.tellLeaving(p); err != nil {
				return nil, fmt.Errorf("index: retention: %s: %w", p.key, err)
			}
		}
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	var dropped []string
	keep := ix.parts[:0:0]
	for i, p := range ix.parts {
		if p.hi.After(cutoff) {
			keep = append(keep, p)
			continue
		}
		n, _ := p.bi.DocCount()
		if err := p.bi.Close(); err != nil {
			ix.parts = append(keep, ix.parts[i:]...)
			return dropped, fmt.Errorf("index: retention: close %s: %w", p.key, err)
		}
		if ix.path != "" {
			if err := os.RemoveAll(filepath.Join(ix.path, p.key)); err != nil {
				ix.parts = append(keep, ix.parts[i+1:]...)
				return dropped, fmt.Errorf("index: retention: remove %s: %w", p.key, err)
			}
		}
		ix.log.Info("index: retention dropped a partition", "partition", p.key, "docs", n,
			"published_before", p.hi.Format(time.RFC3339), "retention", ix.retention.String(), "cutoff", cutoff.Format(time.RFC3339))
		dropped = append(dropped, p.key)
	}
	ix.parts = keep
	return dropped, nil
}

// Leaving is a document that leaves the index: retention drops its
// partition.
type Leaving struct{ ID, Title, URL string }

// SetLeavingHook makes retention tell keep of every document of a
// partition, a page at a time, before it drops the partition: the state
// store keeps what alerts still show of them. An error from keep keeps
// the partition, for the next ApplyRetention.
func (ix *Index) SetLeavingHook(keep func([]Leaving) error) {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	ix.leaving = keep
}

// leavingPage is how many documents tellLeaving reads a search.
const leavingPage = 2000

// tellLeaving gives the leaving hook every document of p.
func (ix *Index) tellLeaving(p *partition) error {
	if ix.leaving == nil {
		return nil
	}
	var after []string
	for {
		req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), leavingPage, 0, false)
		req.SortBy([]string{"_id"})
		req.Fields = []string{fieldTitle, fieldURL}
		if after != nil {
			req.SetSearchAfter(after)
		}
		sr, err := p.bi.Search(req)
		if err != nil {
			return fmt.Errorf("read the documents leaving: %w", err)
		}
		if len(sr.Hits) == 0 {
			return nil
		}
		docs := make([]Leaving, len(sr.Hits))
		for i, h := range sr.Hits {
			docs[i] = Leaving{ID: h.ID, Title: str(h.Fields[fieldTitle]), URL: str(h.Fields[fieldURL])}
		}
		if err := ix.leaving(docs); err != nil {
			return fmt.Errorf("keep what alerts show of the documents leaving: %w", err)
		}
		if len(sr.Hits) < leavingPage {
			return nil
		}
		after = sr.Hits[len(sr.Hits)-1].Sort
	}
}
