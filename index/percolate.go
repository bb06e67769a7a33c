package index

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
)

// Standing is a saved search to match against new documents: the query
// part of a subscription.
type Standing struct {
	ID         string
	Q          string   // query-string syntax; empty matches everything
	Components []string // ORed, like the search filter
	Entities   []string // ORed, like the search filter
}

// Percolate matches a batch of documents against standing searches and
// returns, per standing search ID, the IDs of the documents it matches. A
// standing search that fails (its query cannot run) is reported in failed
// and does not stop the others.
//
// It works like Lucene's Monitor and the Elasticsearch percolator: the
// batch goes into a small in-memory index with the same mapping as the main
// index, and each standing search runs against it with the query Search
// would build, so a subscription matches exactly the documents the same
// search would return among them. Filters are checked first on the
// documents' tags, so a standing search whose entities or components no
// document of the batch has costs no query at all.
func Percolate(ctx context.Context, docs []Document, searches []Standing) (matched map[string][]string, failed map[string]error, err error) {
	out := map[string][]string{}
	failed = map[string]error{}
	if len(docs) == 0 || len(searches) == 0 {
		return out, failed, nil
	}
	configure()
	mem, err := bleve.NewUsing("", newMapping(false), scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("index: percolate: %w", err)
	}
	defer mem.Close()
	b := mem.NewBatch()
	present := map[string]bool{} // "c:"+component, "e:"+entity present in the batch
	for i := range docs {
		d := &docs[i]
		if err := indexDoc(b, d, ""); err != nil {
			return nil, nil, err
		}
		for _, c := range d.Components {
			present["c:"+c] = true
		}
		for _, e := range d.Entities {
			present["e:"+e] = true
		}
	}
	if err := mem.Batch(b); err != nil {
		return nil, nil, fmt.Errorf("index: percolate: %w", err)
	}
	anyPresent := func(prefix string, values []string) bool {
		if len(values) == 0 {
			return true
		}
		return slices.ContainsFunc(values, func(v string) bool { return present[prefix+v] })
	}
	for _, s := range searches {
		if err := ctx.Err(); err != nil {
			return nil, nil, fmt.Errorf("index: percolate: %w", err)
		}
		if !anyPresent("c:", s.Components) || !anyPresent("e:", s.Entities) {
			continue
		}
		req, err := buildRequest(Query{Q: s.Q, Components: s.Components, Entities: s.Entities, Limit: MaxLimit, NoFacets: true})
		if err != nil {
			failed[s.ID] = err
			continue
		}
		req.Size = len(docs)
		req.Fields = nil
		req.Highlight = nil
		req.SortBy([]string{"_id"}) // nothing to score: no stored fields or doc values needed
		sr, err := mem.SearchInContext(ctx, req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, fmt.Errorf("index: percolate: %w", ctx.Err())
			}
			failed[s.ID] = fmt.Errorf("index: percolate %s: %w", s.ID, err)
			continue
		}
		for _, h := range sr.Hits {
			out[s.ID] = append(out[s.ID], h.ID)
		}
	}
	return out, failed, nil
}

// ValidateQuery checks that a query parses and can run, as a subscription
// must before it is saved: some errors (fuzziness over 2, a bad regular
// expression, too many expanded terms) only show when a search starts.
func ValidateQuery(ctx context.Context, q string) error {
	probe := Document{ID: "probe", URL: "https://probe.invalid/", Title: "probe", Body: "probe"}
	_, failed, err := Percolate(ctx, []Document{probe}, []Standing{{ID: "q", Q: q}})
	if err != nil {
		return err
	}
	if err := failed["q"]; err != nil {
		if errors.Is(err, ErrBadQuery) {
			return err
		}
		return fmt.Errorf("%w: %v", ErrBadQuery, err)
	}
	return nil
}
