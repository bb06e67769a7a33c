// Package index is techintel's document store and search engine: the
// Document type, URL canonicalisation and document identity, the bleve
// mapping, and Open/Close, Upsert, Get and Search over an index on local
// disk. bleve is imported here and nowhere else.
package index
