package api

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/techintel/techintel/index"
)

// ErrSearchTimeout wraps the error of a search cut at its deadline.
var ErrSearchTimeout = errors.New("search took too long")

// timeoutSearcher cuts every search at a deadline: bleve checks its
// context while it collects hits, so a heavy query (a long one, many fuzzy
// terms) stops there instead of holding a core for a minute.
type timeoutSearcher struct {
	Searcher
	d time.Duration
}

// WithSearchTimeout returns s with every Search cut after d. d 0 keeps
// the limit s already has, or else means DefaultSearchTimeout: New gets a
// searcher its caller has wrapped (api.search_timeout), which Options'
// zero SearchTimeout must not reset to the default. The web pages get the
// same wrapper, so that they are no way around the limit.
func WithSearchTimeout(s Searcher, d time.Duration) Searcher {
	if s == nil {
		return nil
	}
	if t, ok := s.(timeoutSearcher); ok {
		s = t.Searcher
		if d <= 0 {
			d = t.d
		}
	}
	if d <= 0 {
		d = DefaultSearchTimeout
	}
	return timeoutSearcher{Searcher: s, d: d}
}

func (t timeoutSearcher) Search(ctx context.Context, q index.Query) (*index.Result, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, t.d, ErrSearchTimeout)
	defer cancel()
	res, err := t.Searcher.Search(ctx, q)
	if err != nil && errors.Is(context.Cause(ctx), ErrSearchTimeout) {
		return nil, fmt.Errorf("%w: stopped after %v (api.search_timeout); narrow the query", ErrSearchTimeout, t.d)
	}
	return res, err
}
