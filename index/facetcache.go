package index

import (
	"encoding/json"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
)

// facetCache keeps the facet counts of searches without a text query
// (filters only: a component, an entity, a week) until the index
// changes. Those are the searches whose facets cost most, since they
// count over every document the filters let through, and they repeat:
// the search page without a query, the digest, the radar and the
// alliance review ask the same ones again and again. The generation is
// Index.gen, which every write advances before it lands; an entry is
// stored with the generation read before its search ran, so an entry
// that may have missed a write is never served.
type facetCache struct {
	mu  sync.Mutex
	gen uint64
	m   map[string]search.FacetResults
}

// maxFacetEntries bounds the cache; when full it starts afresh (the
// searches that repeat come back at once).
const maxFacetEntries = 256

// get returns the counts stored for key in generation gen, or nil.
func (c *facetCache) get(key string, gen uint64) search.FacetResults {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return nil
	}
	return c.m[key]
}

// put stores the counts of key computed in generation gen, dropping the
// entries of older generations.
func (c *facetCache) put(key string, gen uint64, fr search.FacetResults) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen < c.gen {
		return
	}
	if gen > c.gen || c.m == nil || len(c.m) >= maxFacetEntries {
		c.gen, c.m = gen, map[string]search.FacetResults{}
	}
	c.m[key] = fr
}

// facetKey identifies the counts of req: its query (which documents
// match) and its facet requests. Ranking clauses are part of the query,
// so a relevance and a date search of the same filters are two entries.
func facetKey(req *bleve.SearchRequest) string {
	b, err := json.Marshal(struct {
		Q any
		F bleve.FacetsRequest
	}{req.Query, req.Facets})
	if err != nil {
		return "" // not cacheable; never stored under ""
	}
	return string(b)
}
