package index

import "github.com/microcosm-cc/bluemonday"

// snippetPolicy is the allow-list for snippets: <mark> without attributes,
// everything else escaped text (tags that are not <mark> are dropped,
// script and style with their contents). A bluemonday policy is safe for
// concurrent use once built, and this one is never changed after.
var snippetPolicy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("mark")
	return p
}()

// SanitizeSnippet returns s with only <mark> and </mark> left as markup.
// Snippets made by Search are escaped text with marks already; this is
// the allow-list that holds even if they were not (a highlighter bug, a
// snippet from elsewhere), for every place a snippet reaches HTML.
func SanitizeSnippet(s string) string { return snippetPolicy.Sanitize(s) }
