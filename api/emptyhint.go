package api

import (
	"context"

	"github.com/techintel/techintel/index"
)

// EmptyIndexHint is what a search of an index with no documents at all
// says, so that "0 results" is not taken for "nothing matches".
const EmptyIndexHint = "nothing has been gathered yet: the index holds no documents. " +
	"Run `techintel crawl -config FILE` (or wait for serve's first runs) and see /sources for each source's last run and error"

// IndexEmpty reports whether the index holds no documents at all. It is
// asked only after a search found nothing. A Searcher that counts its
// documents (Counter: the index does) answers from the count, which costs
// nothing; any other is asked a search of everything, which on a large
// index sorts every document by date and counts the facets: at 20,000
// documents that search was most of the API's p99 (a query that matches
// nothing is common).
func IndexEmpty(ctx context.Context, s Searcher) bool {
	inner := s
	if t, ok := s.(timeoutSearcher); ok {
		inner = t.Searcher // counting needs no deadline
	}
	if c, ok := inner.(Counter); ok {
		n, err := c.Count()
		return err == nil && n == 0
	}
	res, err := s.Search(ctx, index.Query{Limit: 1, NoFacets: true})
	return err == nil && res.Total == 0
}

// Counter is a Searcher that tells how many documents it holds.
type Counter interface {
	Count() (uint64, error)
}

// searchResponse is GET /api/v1/search's answer: the index's result, and a
// hint when the index is empty.
type searchResponse struct {
	*index.Result
	Hint string `json:"hint,omitempty"`
}
