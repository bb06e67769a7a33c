package crawler

import (
	"strings"
	"unicode/utf8"
)

// titleSeparators stand between a page's own title and its site's name.
var titleSeparators = []string{" | ", " - ", " – ", " — ", " · ", " • ", " :: ", " » ", " / ", " : "}

// cleanTitle removes the site's name from a title, on evidence from the
// page only: a site name it declares (og:site_name, application-name)
// found after (or before) a separator, or a title it confirms (og:title,
// the <h1>) found before (or after) one. Without evidence the title is
// kept whole: a guess like readability's (drop what follows the last " -
// " when enough words remain) cuts real titles such as "Nokia - Ericsson
// deal: what it means for 5G".
func cleanTitle(title string, siteNames, headings []string) string {
	t := trimSiteName(title, siteNames, headings)
	if !utf8.ValidString(t) {
		return title // a case fold changed a length: cut in the wrong place
	}
	return t
}

func trimSiteName(title string, siteNames, headings []string) string {
	for _, sep := range titleSeparators {
		for _, name := range siteNames {
			if name == "" {
				continue
			}
			if rest, ok := cutSuffixFold(title, sep+name); ok && rest != "" {
				return rest
			}
			if rest, ok := cutPrefixFold(title, name+sep); ok && rest != "" {
				return rest
			}
		}
		for _, h := range headings {
			if h == "" || strings.EqualFold(h, title) {
				continue
			}
			if _, ok := cutPrefixFold(title, h+sep); ok {
				return title[:len(h)]
			}
			if _, ok := cutSuffixFold(title, sep+h); ok {
				return title[len(title)-len(h):]
			}
		}
	}
	return title
}

func cutSuffixFold(s, suffix string) (string, bool) {
	if len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix) {
		return strings.TrimSpace(s[:len(s)-len(suffix)]), true
	}
	return s, false
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return strings.TrimSpace(s[len(prefix):]), true
	}
	return s, false
}
