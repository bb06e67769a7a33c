package index

import (
	"fmt"
	"strconv"

	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
)

// A date histogram of the matches (the bars over a search's results, as
// Kibana's Discover draws them) is a bleve date-range facet on published:
// one range per bucket, counted in the same pass as the hits.

// facetHistogram names the histogram's facet.
const facetHistogram = "published_histogram"

// MaxBuckets caps Query.Histogram.
const MaxBuckets = 120

// Bucket is one bar of Result.Histogram: documents published in
// [Start, End).
type Bucket struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Count int       `json:"count"`
}

// addHistogram asks for q.Histogram's buckets (its consecutive edges).
func addHistogram(req *bleve.SearchRequest, q Query) error {
	n := len(q.Histogram) - 1
	if n < 1 {
		return nil
	}
	if n > MaxBuckets {
		return fmt.Errorf("%w: at most %d histogram buckets", ErrBadQuery, MaxBuckets)
	}
	fr := bleve.NewFacetRequest(fieldPublished, n)
	for i := range n {
		if !q.Histogram[i].Before(q.Histogram[i+1]) {
			return fmt.Errorf("%w: histogram edges must increase", ErrBadQuery)
		}
		fr.AddDateTimeRange(strconv.Itoa(i), q.Histogram[i], q.Histogram[i+1])
	}
	req.AddFacet(facetHistogram, fr)
	return nil
}

// histogram reads the buckets back in order, with zero for empty ones.
func histogram(q Query, facets search.FacetResults) []Bucket {
	n := len(q.Histogram) - 1
	if n < 1 {
		return nil
	}
	out := make([]Bucket, n)
	for i := range out {
		out[i] = Bucket{Start: q.Histogram[i].UTC(), End: q.Histogram[i+1].UTC()}
	}
	if f := facets[facetHistogram]; f != nil {
		for _, r := range f.DateRanges {
			if i, err := strconv.Atoi(r.Name); err == nil && i >= 0 && i < n {
				out[i].Count = r.Count
			}
		}
	}
	return out
}
