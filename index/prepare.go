package index

import "github.com/techintel/techintel/index/story"

// prepared is a document's story signature computed by Prepare, with the
// title and body it was computed from: a document whose text changed
// since (a caller editing it after Prepare) has it computed again.
type prepared struct {
	title, body string
	sig         story.Signature
}

// Prepare does, on all cores and without any of the index's locks, the
// part of a later Upsert of docs that needs none: it caps each document's
// fields (Document.Capped) and computes its story signature (MinHash of
// the title and body, about 36 µs a document), which Upsert's single
// writer would otherwise compute while every other write waits. Calling
// it is optional: Upsert computes what was not prepared, and what no
// longer matches its document.
//
// The signature is computed for every document, including those Upsert
// will find unchanged; a caller that re-sends mostly unchanged documents
// (a feed without conditional GET) pays that for nothing.
func Prepare(docs []Document) {
	parallel(len(docs), func(i int) {
		d := &docs[i]
		d.Capped()
		d.prep = &prepared{title: d.Title, body: d.Body, sig: story.Fingerprint(d.Title, d.Body)}
	})
}

// signature is d's story signature, from Prepare when its text is still
// the one prepared. Comparing the strings costs little: a prepared
// document's strings are the very ones prepared, and Go compares their
// pointers first.
func (d *Document) signature() story.Signature {
	if p := d.prep; p != nil && p.title == d.Title && p.body == d.Body {
		return p.sig
	}
	return story.Fingerprint(d.Title, d.Body)
}
