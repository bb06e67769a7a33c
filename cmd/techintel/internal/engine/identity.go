package engine

import (
	"fmt"

	"github.com/techintel/techintel/index"
)

// feedIdentities gives each document of a feed fetch the ID its item was
// indexed under before, found by the item's identity key within the feed
// (GUID, else canonical link, else title and date: feeds.Feed.Keys) in the
// source's map in the state store. An item whose link changed but whose
// GUID did not thus updates its document in place, URL included, instead of
// adding a second one. docs[i] has key keys[i]; IDs are changed in place.
//
// A document keeps its own ID, DocID(URL), when that already names another
// document: when another item of this fetch now has that URL, when an
// earlier item of this fetch took the remembered ID, or when the new URL is
// indexed already (from another feed or a crawl). The same URL then stays
// one document, and the remembered ID moves to it.
//
// It returns key → document ID, to be recorded with store.PutItemIDs once
// the documents are indexed: recording before would make a failed run
// remember IDs that were never written.
func (g *Gatherer) feedIdentities(source string, docs []index.Document, keys []string) (map[string]string, error) {
	if len(keys) != len(docs) {
		return nil, fmt.Errorf("identities of %q: %d keys for %d documents", source, len(keys), len(docs))
	}
	known, err := g.store.ItemIDs(source, keys)
	if err != nil {
		return nil, err
	}
	own := make(map[string]bool, len(docs)) // the URL-derived IDs of this fetch
	for _, d := range docs {
		own[d.ID] = true
	}
	var moved []int // documents whose item was known under another ID
	for i, d := range docs {
		if id, ok := known[keys[i]]; ok && id != d.ID && !own[id] {
			moved = append(moved, i)
		}
	}
	if len(moved) > 0 {
		// Whether a moved item's new URL is indexed already: one lookup for
		// the few items that moved, none for a feed whose links are stable.
		ids := make([]string, len(moved))
		for j, i := range moved {
			ids[j] = docs[i].ID
		}
		indexed, err := g.index.Exists(ids)
		if err != nil {
			return nil, fmt.Errorf("identities of %q: %w", source, err)
		}
		taken := map[string]bool{}
		for _, i := range moved {
			id := known[keys[i]]
			if indexed[docs[i].ID] || taken[id] {
				continue
			}
			taken[id] = true
			docs[i].ID = id
		}
	}
	out := make(map[string]string, len(docs))
	for i, d := range docs {
		out[keys[i]] = d.ID
	}
	return out, nil
}
