package crawler

import (
	"encoding/json"
	"strings"
)

// articleTypes are the schema.org types of a page that is one article.
var articleTypes = map[string]bool{
	"article": true, "newsarticle": true, "blogposting": true, "reportagenewsarticle": true,
	"analysisnewsarticle": true, "opinionnewsarticle": true, "reviewnewsarticle": true,
	"backgroundnewsarticle": true, "techarticle": true, "scholarlyarticle": true, "report": true,
	"socialmediaposting": true, "liveblogposting": true, "posting": true,
}

// jsonLDArticle says whether a JSON-LD block describes the page as an
// article: its top-level object, one of a top-level array, or one of its
// @graph has an article @type (or a WebPage whose mainEntity has one).
// Objects nested deeper (an ItemList's elements on a front page) do not
// count.
func jsonLDArticle(src string) bool {
	src = strings.TrimSpace(src)
	src = strings.TrimSuffix(strings.TrimPrefix(src, "<!--"), "-->")
	var v any
	if json.Unmarshal([]byte(src), &v) != nil {
		return false
	}
	var tops []any
	switch t := v.(type) {
	case []any:
		tops = t
	case map[string]any:
		tops = []any{t}
		if g, ok := t["@graph"].([]any); ok {
			tops = append(tops, g...)
		}
	}
	for _, o := range tops {
		m, ok := o.(map[string]any)
		if !ok {
			continue
		}
		if typedArticle(m["@type"]) {
			return true
		}
		if me, ok := m["mainEntity"].(map[string]any); ok && typedArticle(me["@type"]) {
			return true
		}
	}
	return false
}

// typedArticle says whether a JSON-LD @type (a string or a list) names an
// article type.
func typedArticle(t any) bool {
	switch v := t.(type) {
	case string:
		return articleTypes[strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(v, "http://schema.org/"), "https://schema.org/"))]
	case []any:
		for _, e := range v {
			if typedArticle(e) {
				return true
			}
		}
	}
	return false
}
