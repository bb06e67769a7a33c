package feeds

import (
	"html"
	"strings"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/json"
)

// itemText is an item's title and content as markup, for formats that say
// which of their fields are plain text. gofeed's universal item forgets
// that, and plain text read as HTML loses everything that looks like a tag.
type itemText struct{ title, html string }

// scanMatches reports whether the pre-scan saw the same items as gofeed, so
// that its records can be paired with gofeed's items by position.
func scanMatches(scan *xmlScan, gf *gofeed.Feed) bool {
	return scan != nil && scan.complete && len(scan.items) == len(gf.Items)
}

// atomTexts returns the markup of every entry of an Atom feed, or nil if the
// scan cannot be paired with gofeed's entries.
func atomTexts(gf *gofeed.Feed, scan *xmlScan) []itemText {
	if !scanMatches(scan, gf) {
		return nil
	}
	out := make([]itemText, len(gf.Items))
	for i, gi := range gf.Items {
		if gi == nil {
			continue
		}
		s := scan.items[i]
		out[i].title = asMarkup(gi.Title, s.title)
		out[i].html = asMarkup(gi.Content, s.content)
		if strings.TrimSpace(out[i].html) == "" {
			out[i].html = asMarkup(gi.Description, s.summary)
		}
	}
	return out
}

// feedTitle returns the feed's title as markup.
func feedTitle(gf *gofeed.Feed, scan *xmlScan) string {
	switch {
	case gf.FeedType == "json":
		return html.EscapeString(gf.Title)
	case scan != nil && scan.root == "feed":
		return asMarkup(gf.Title, scan.title)
	}
	return gf.Title
}

func asMarkup(s string, kind textKind) string {
	switch kind {
	case kindText:
		return html.EscapeString(s)
	case kindOther:
		return ""
	}
	return s
}

// jsonTexts returns the markup of every item of a JSON Feed, where only
// content_html is HTML (JSON Feed 1.1, "Items").
func jsonTexts(jf *json.Feed) []itemText {
	out := make([]itemText, len(jf.Items))
	for i, it := range jf.Items {
		// Plain text by the spec, but publishers put entities in it
		// ("&#8216;"), which readers show as characters: decode them once.
		out[i].title = html.EscapeString(html.UnescapeString(it.Title))
		switch {
		case strings.TrimSpace(it.ContentHTML) != "":
			out[i].html = it.ContentHTML
		case strings.TrimSpace(it.ContentText) != "":
			out[i].html = html.EscapeString(it.ContentText)
		default:
			out[i].html = html.EscapeString(it.Summary)
		}
	}
	return out
}

// dropNullJSON removes the nulls a JSON Feed may hold where objects belong:
// gofeed's translator dereferences them and panics.
func dropNullJSON(jf *json.Feed) {
	items := jf.Items[:0]
	for _, it := range jf.Items {
		if it != nil {
			it.Authors = dropNilAuthors(it.Authors)
			items = append(items, it)
		}
	}
	clear(jf.Items[len(items):])
	jf.Items = items
	jf.Authors = dropNilAuthors(jf.Authors)
}

func dropNilAuthors(as []*json.Author) []*json.Author {
	out := as[:0]
	for _, a := range as {
		if a != nil {
			out = append(out, a)
		}
	}
	return out
}
