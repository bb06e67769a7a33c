package index

import "github.com/blevesearch/bleve/v2"

// AddToBatch adds d to b as Upsert stores it (the same fields, analysed
// by NewMapping), without Upsert's bookkeeping: no content-hash check of
// the stored copy, no write guard. It is for benchmarks that compare the
// product with a bare bleve index holding the same documents.
func AddToBatch(b *bleve.Batch, d *Document) error {
	return indexDoc(b, d, contentHash(d))
}
