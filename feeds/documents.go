package feeds

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/plaintext"
)

// maxFuture is how far past the fetch time a published date may lie before
// it is taken for a wrong clock or a placeholder (year 2999 exists in the
// wild) rather than a time zone slip.
const maxFuture = 24 * time.Hour

// maxTitleRunes bounds a title made up from the body of an untitled item.
const maxTitleRunes = 100

// Documents turns the feed's items into untagged documents, in feed order;
// it is DocumentsWithKeys without the keys.
func (f *Feed) Documents(source string, fetched time.Time) (docs []index.Document, skipped int) {
	docs, _, skipped = f.DocumentsWithKeys(source, fetched)
	return docs, skipped
}

// DocumentsWithKeys turns the feed's items into untagged documents, in feed
// order, and returns with each its item's identity within the feed: keys[i]
// is docs[i]'s key as Keys defines it.
//
// Each document's URL is the item's link made absolute and canonical
// (index.CanonicalURL); an item without a usable http(s) link falls back to
// its GUID when that is an absolute http(s) URL. An item with neither (a
// JSON Feed status, an RSS item with only a description, a tag: GUID) is
// kept under its feed's page with a fragment naming the item (ItemAnchor),
// so that title and date (or its GUID) still identify it on every fetch; it
// is skipped and counted only when it has no text at all or the feed has no
// http(s) address. Items whose URLs or keys coincide are reduced to the
// first, so that neither repeats. Title and Body are plain text. Published is the
// item's date, or zero when it has none or one more than a day after fetched
// (index.Upsert then uses the first-fetch time); Fetched and Updated are
// fetched. DocumentsWithKeys only reads f.
func (f *Feed) DocumentsWithKeys(source string, fetched time.Time) (docs []index.Document, keys []string, skipped int) {
	fetched = fetched.UTC()
	urls, itemKeys := f.identities()
	base := f.base()
	seen := make(map[string]bool, len(f.Items))
	docs = make([]index.Document, 0, len(f.Items))
	keys = make([]string, 0, len(f.Items))
	for i, it := range f.Items {
		u, key := urls[i], itemKeys[i]
		if u == "" {
			if u = itemAnchor(base, key); u == "" || (strings.TrimSpace(it.Title) == "" && strings.TrimSpace(it.HTML) == "") {
				skipped++
				continue
			}
		}
		// URL and key live in one set: "url:" keys cannot be mistaken for
		// URLs, which always start with "http".
		if seen[u] || seen[key] {
			continue
		}
		seen[u], seen[key] = true, true

		body := plaintext.FromHTML(it.HTML)
		title := oneLine(plaintext.FromHTML(it.Title))
		if title == "" {
			title = summary(body, maxTitleRunes)
		}
		// An item without a usable date keeps a zero Published: the index
		// fills in the first-fetch time and keeps it across re-fetches, so
		// a dateless item is not "changed" on every fetch.
		published := it.Published.UTC()
		if published.IsZero() || published.After(fetched.Add(maxFuture)) {
			published = time.Time{}
		}
		docs = append(docs, index.Document{
			ID:        index.DocID(u),
			URL:       u,
			Title:     title,
			Body:      body,
			Author:    oneLine(plaintext.Clean(it.Author)),
			Source:    source,
			Published: published,
			Fetched:   fetched,
			Updated:   fetched,
		})
		keys = append(keys, key)
	}
	return docs, keys, skipped
}

// anchorPrefix starts the fragment of a linkless item's URL.
const anchorPrefix = "#item-"

// itemAnchor returns the URL a linkless item is indexed under: the feed's
// page (the site's, else the feed's own), canonical, with "#item-" and 16
// bytes of the hash of the item's key in hex as fragment. It opens the page
// the item was published on, is the same on every fetch, and is never a
// linked item's URL, since canonical URLs have no fragment. It returns ""
// when the feed has no http(s) address.
func itemAnchor(base *url.URL, key string) string {
	if base == nil {
		return ""
	}
	page, err := index.CanonicalURL(base.String())
	if err != nil {
		return ""
	}
	sum := sha256.Sum256([]byte(key))
	return page + anchorPrefix + hex.EncodeToString(sum[:16])
}

// ItemAnchor reports whether a document URL is that of an item without a
// link of its own (see DocumentsWithKeys): the page it names is the feed's,
// not the item's, so there is no article to fetch there.
func ItemAnchor(docURL string) bool {
	_, frag, ok := strings.Cut(docURL, "#")
	return ok && strings.HasPrefix("#"+frag, anchorPrefix)
}

// base returns the URL that relative item links resolve against: the
// site's, or else the feed's own.
func (f *Feed) base() *url.URL {
	for _, s := range []string{f.SiteURL, f.FeedURL} {
		if u, err := url.Parse(strings.TrimSpace(s)); err == nil && u.IsAbs() {
			return u
		}
	}
	return nil
}

// itemURL returns the canonical URL of an item, from its link or else its
// GUID, or "" if neither is an http(s) URL.
func itemURL(base *url.URL, it Item) string {
	if it.URL != "" {
		if u, err := index.ResolveURL(base, it.URL); err == nil {
			return u
		}
	}
	// A GUID is an identifier, not a link: only an absolute URL is taken,
	// never one resolved against the feed.
	if it.GUID != "" {
		if u, err := index.CanonicalURL(it.GUID); err == nil {
			return u
		}
	}
	return ""
}

// canonicalOr returns the canonical form of an absolute URL, or the URL as
// it is if it has none.
func canonicalOr(s string) string {
	if c, err := index.CanonicalURL(s); err == nil {
		return c
	}
	return s
}

// summary returns the first line of plain text, cut at a word boundary to at
// most limit runes with an ellipsis.
func summary(text string, limit int) string {
	line, _, _ := strings.Cut(text, "\n")
	runes := []rune(line)
	if len(runes) <= limit {
		return line
	}
	cut := limit - 1
	for i := cut; i > limit/2; i-- {
		if unicode.IsSpace(runes[i]) {
			cut = i
			break
		}
	}
	return strings.TrimRightFunc(string(runes[:cut]), unicode.IsSpace) + "…"
}
