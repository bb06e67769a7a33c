package feeds

import (
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
// A document is one item (see Keys for how items are told apart). Its URL is
// the item's link made absolute and canonical (index.CanonicalURL); an item
// without a usable http(s) link falls back to its GUID when that is an
// absolute http(s) URL. Where the feed links several items to one page, an
// item linking to a #fragment of it keeps the fragment, and an item whose
// URL an earlier item of the feed already has (a podcast episode linking to
// the show's page) is anchored under it with a fragment naming the item
// (ItemAnchor). An item with no link at all (a JSON Feed status, an RSS item
// with only a description, a tag: GUID) is anchored under its feed's page,
// so that its GUID, or title and date, or text, identify it on every
// fetch; it is skipped and counted only when it has no GUID, text nor
// enclosure, or the feed has no http(s) address. An item listed twice (the
// same key) gives one document. Title and Body are plain text. Published is
// the item's date, or zero when it has none or one more than a day after
// fetched (index.Upsert then uses the first-fetch time); Fetched and Updated
// are fetched. DocumentsWithKeys only reads f.
func (f *Feed) DocumentsWithKeys(source string, fetched time.Time) (docs []index.Document, keys []string, skipped int) {
	fetched = fetched.UTC()
	ids := identify(f.base(), f.Items)
	docs = make([]index.Document, 0, len(f.Items))
	keys = make([]string, 0, len(f.Items))
	for i, it := range f.Items {
		id := ids[i]
		switch {
		case id.dup:
			continue
		case id.url == "":
			skipped++
			continue
		}
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
			ID:        index.DocID(id.url),
			URL:       id.url,
			Title:     title,
			Body:      body,
			Author:    oneLine(plaintext.Clean(it.Author)),
			Source:    source,
			Published: published,
			Fetched:   fetched,
			Updated:   fetched,
		})
		keys = append(keys, id.key)
	}
	return docs, keys, skipped
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
