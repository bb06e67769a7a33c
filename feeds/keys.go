package feeds

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/techintel/techintel/index/plaintext"
)

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
//   - "url:" + the item's canonical URL, as its document has it.
//   - "td:" + a hash of its plain-text title and its date.
//
// A GUID that the feed gives to items with different URLs identifies none of
// them: those items are keyed by URL. Broken feeds that give every item the
// same GUID (the site's address, say) exist, and trusting their GUIDs would
// merge distinct stories into one. The same GUID on two items with the same
// URL is one item listed twice.
//
// Keys only reads f.
func (f *Feed) Keys() []string {
	_, keys := f.identities()
	return keys
}

// identities returns each item's canonical URL, "" if it has none, and key.
func (f *Feed) identities() (urls, keys []string) {
	base := f.base()
	urls = make([]string, len(f.Items))
	guidURL := make(map[string]string, len(f.Items)) // GUID → the URL it was first seen with
	ambiguous := map[string]bool{}
	for i, it := range f.Items {
		urls[i] = itemURL(base, it)
		if it.GUID == "" {
			continue
		}
		if first, ok := guidURL[it.GUID]; !ok {
			guidURL[it.GUID] = urls[i]
		} else if first != urls[i] {
			ambiguous[it.GUID] = true
		}
	}
	keys = make([]string, len(f.Items))
	for i, it := range f.Items {
		switch {
		case it.GUID != "" && !ambiguous[it.GUID]:
			keys[i] = guidKey(it.GUID)
		case urls[i] != "":
			keys[i] = "url:" + urls[i]
		default:
			keys[i] = titleDateKey(it)
		}
	}
	return urls, keys
}

func guidKey(guid string) string {
	if len(guid) <= maxKeyGUID {
		return "guid:" + guid
	}
	sum := sha256.Sum256([]byte(guid))
	return "guid:sha256:" + hex.EncodeToString(sum[:])
}

// titleDateKey identifies an item with neither GUID nor link by what a
// reader sees of it. The title is taken as plain text so that a change of
// markup alone does not make it another item.
func titleDateKey(it Item) string {
	var date string
	if !it.Published.IsZero() {
		date = it.Published.UTC().Format(time.RFC3339)
	}
	sum := sha256.Sum256([]byte(oneLine(plaintext.FromHTML(it.Title)) + "\x00" + date))
	return "td:" + hex.EncodeToString(sum[:16])
}
