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
// asked only after a search found nothing, so it costs a search only then.
func IndexEmpty(ctx context.Context, s Searcher) bool {
	res, err := s.Search(ctx, index.Query{Limit: 1})
	return err == nil && res.Total == 0
}

// searchResponse is GET /api/v1/search's answer: the index's result, and a
// hint when the index is empty.
type searchResponse struct {
	*index.Result
	Hint string `json:"hint,omitempty"`
}
