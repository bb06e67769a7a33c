package feeds

// maxKeyGUID is the longest GUID a key holds as it is; longer ones (a feed
// may put anything there) are hashed, so that a key stays small enough to
// keep one per item in a store.
const maxKeyGUID = 256

// Keys returns the identity of each item within the feed, keys[i] for
// f.Items[i], for recognising an item on the next fetch even when its link
// changed. The first rule that applies decides:
//
//   - "guid:" + the GUID (RSS guid, Atom id, JSON Feed id), as written; one
//     longer than 256 bytes as "guid:sha256:" + its hash in hex.
//   - "url:" + the item's canonical URL, with its #fragment when the feed
//     links to several parts of one page; when items without GUID share a
//     link but not their text, the later ones add "#" and a hash of their
//     text.
//   - "td:" + a hash of its plain-text title and its date (for an item
//     without a title: of its text, date and enclosure).
//
// A GUID that the feed gives to items with different URLs or titles
// identifies none of them: those items are keyed by URL. Broken feeds that give every item the
// same GUID (the site's address, say) exist, and trusting their GUIDs would
// merge distinct stories into one. The same GUID on two items with the same
// URL and title is one item listed twice. Distinct GUIDs are distinct items, whatever
// their links: a podcast links every episode to the show's page.
//
// Keys only reads f.
func (f *Feed) Keys() []string {
	ids := identify(f.base(), f.Items)
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = id.key
	}
	return keys
}
