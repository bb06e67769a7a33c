package feeds

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
	"time"

	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/plaintext"
)

// identity is what identify decides for one item: the key that recognises
// it on the next fetch, and the URL its document is indexed under.
type identity struct {
	key string
	// url is the item's document URL: its canonical link; the link with its
	// #fragment when other items of the feed link to other parts of the
	// same page; an item anchor (ItemAnchor) under its link when another
	// item of the feed already has that URL (a podcast whose every episode
	// links to the show's page), or under the feed's page when it has no
	// link. "" when the item is to be skipped: it has no link, no text and
	// no GUID, or the feed has no http(s) address for it.
	url string
	dup bool // the same item listed twice: only its first listing counts
}

// identify gives each item of a feed its identity. A document is one item:
// two items share a document only when they are the same item listed
// twice (the same GUID and link, or without GUID the same link and text).
// The rules, first that applies:
//
//   - the GUID, unless the feed gives it to items with different links (a
//     broken feed that puts the site's address in every GUID);
//   - the link, canonical, with its #fragment when the feed links to several
//     parts of one page (a blog linking each post as page.html#a080605);
//     items without GUID sharing a link but not their text are told apart
//     by their text;
//   - the item's text: title and date, or, for an item without a title,
//     its plain text, date and enclosure (description-only items are
//     distinct items).
//
// identify only reads its arguments.
func identify(base *url.URL, items []Item) []identity {
	canon := make([]string, len(items)) // canonical link, fragment kept where needed
	frag := make([]string, len(items))
	pages := make(map[string]map[string]bool) // canonical link → fragments linked
	for i, it := range items {
		canon[i], frag[i] = itemLink(base, it)
		if canon[i] == "" {
			continue
		}
		if pages[canon[i]] == nil {
			pages[canon[i]] = make(map[string]bool)
		}
		pages[canon[i]][frag[i]] = true
	}
	link := make([]string, len(items))
	for i := range items {
		link[i] = canon[i]
		if frag[i] != "" && len(pages[canon[i]]) > 1 {
			link[i] += "#" + frag[i]
		}
	}
	// A GUID on items linking to different pages (a fragment does not
	// count: "#comments" is the same story), or titled differently,
	// identifies none of them: feeds that put the site's address in every
	// GUID exist.
	guidLink := make(map[string]string, len(items)) // GUID → the page and title it was first seen with
	ambiguous := map[string]bool{}
	for i, it := range items {
		if it.GUID == "" {
			continue
		}
		seen := canon[i] + "\x00" + oneLine(plaintext.FromHTML(it.Title))
		if first, ok := guidLink[it.GUID]; !ok {
			guidLink[it.GUID] = seen
		} else if first != seen {
			ambiguous[it.GUID] = true
		}
	}
	ids := make([]identity, len(items))
	keyText := make(map[string]string, len(items)) // key → text of its first item
	seenURL := make(map[string]bool, len(items))
	for i, it := range items {
		var key string
		switch {
		case it.GUID != "" && !ambiguous[it.GUID]:
			key = guidKey(it.GUID)
		case link[i] != "":
			key = "url:" + link[i]
		default:
			key = titleDateKey(it)
		}
		// The same GUID (on the same page, with the same title) is the item
		// listed twice. The
		// same link or text without a GUID is too, when the text is the
		// same; with other text it is another item (a sponsor post reusing
		// a link).
		text := contentKey(it)
		first, seen := keyText[key]
		if seen && first != text && !strings.HasPrefix(key, "guid:") {
			key += "#" + text
			first, seen = keyText[key]
		}
		if !seen {
			keyText[key] = text
		}
		id := identity{key: key}
		switch {
		case seen:
			id.dup = true
		case link[i] != "" && !seenURL[link[i]]:
			id.url = link[i]
		case link[i] != "":
			id.url = itemAnchor(base, canon[i], key)
		case it.GUID != "" || strings.TrimSpace(it.Title) != "" || strings.TrimSpace(it.HTML) != "" || it.Enclosure != "":
			id.url = itemAnchor(base, "", key)
		}
		if id.url != "" {
			seenURL[id.url] = true
		}
		ids[i] = id
	}
	return ids
}

// itemLink returns an item's canonical URL, from its link or else its GUID,
// and the fragment its link had; "" if neither is an http(s) URL.
func itemLink(base *url.URL, it Item) (canon, fragment string) {
	if it.URL != "" {
		if u, err := index.ResolveURL(base, it.URL); err == nil {
			if p, err := url.Parse(strings.TrimSpace(it.URL)); err == nil {
				fragment = p.EscapedFragment()
			}
			return u, fragment
		}
	}
	// A GUID is an identifier, not a link: only an absolute URL is taken,
	// never one resolved against the feed.
	if it.GUID != "" {
		if u, err := index.CanonicalURL(it.GUID); err == nil {
			return u, ""
		}
	}
	return "", ""
}

func guidKey(guid string) string {
	if len(guid) <= maxKeyGUID {
		return "guid:" + guid
	}
	sum := sha256.Sum256([]byte(guid))
	return "guid:sha256:" + hex.EncodeToString(sum[:])
}

// titleDateKey identifies an item with neither GUID nor link by what a
// reader sees of it: its title and date, or for an item without a title
// its text, date and enclosure. The title is taken as plain text so that a
// change of markup alone does not make it another item.
func titleDateKey(it Item) string { return "td:" + contentKey(it) }

// contentKey hashes what a reader sees of an item (see titleDateKey).
func contentKey(it Item) string {
	var date string
	if !it.Published.IsZero() {
		date = it.Published.UTC().Format(time.RFC3339)
	}
	text := oneLine(plaintext.FromHTML(it.Title))
	if text == "" {
		text = "\x01" + plaintext.FromHTML(it.HTML) + "\x00" + it.Enclosure
	}
	sum := sha256.Sum256([]byte(text + "\x00" + date))
	return hex.EncodeToString(sum[:16])
}

// anchorPrefix starts the fragment of an item anchor.
const anchorPrefix = "#item-"

// itemAnchor returns the URL of an item that has no page of its own: page
// (its link, shared with another item), or else the feed's page (the
// site's, else the feed's own), canonical, with "#item-" and 16 bytes of
// the hash of the item's key in hex as fragment. It is the same on every
// fetch and never a page's URL, since canonical URLs have no fragment. It
// returns "" when there is no http(s) page to anchor it to.
func itemAnchor(base *url.URL, page, key string) string {
	if page == "" {
		if base == nil {
			return ""
		}
		var err error
		if page, err = index.CanonicalURL(base.String()); err != nil {
			return ""
		}
	}
	sum := sha256.Sum256([]byte(key))
	return page + anchorPrefix + hex.EncodeToString(sum[:16])
}

// ItemAnchor reports whether a document URL names an item inside a page
// rather than a page of its own: an item without a link, anchored at its
// feed's page; an item sharing its link with others (a podcast episode
// linking to the show's page); a post linked as page.html#fragment. There
// is no article of the item's own to fetch there.
func ItemAnchor(docURL string) bool {
	return strings.Contains(docURL, "#")
}
