package index

import (
	"net/url"
	"path"
	"regexp"
	"strings"
)

// kindPage is the kind of a page that is not an article: a site's front
// page, a listing (tag, category, archive, paged index) or an about,
// contact or legal page. Relevance order ranks them below articles: they
// mention everything a site does, and are rarely what a search is for.
const kindPage = "page"

// kindArticle is the kind of every other document. Ranking lifts it with
// a single term (cheap to advance to) rather than pushing pages down with
// a match-all-but clause, which costs a searcher per candidate.
const kindArticle = "article"

// pageRE matches the last path segment of pages that are not articles.
var pageRE = regexp.MustCompile(`^(index|default|home|about(-us)?|contact(-us)?|impressum|imprint|privacy(-policy)?|legal|terms|cookies?|careers|jobs|team|sitemap|archives?|news|blog|press|newsroom|media|tags?|categor(y|ies)|topics?|authors?|page)$`)

// listingDirRE matches path segments under which pages are listings.
var listingDirRE = regexp.MustCompile(`^(tags?|categor(y|ies)|topics?|authors?|archives?|page)$`)

// pageKind tells from its URL whether a document is a page (kindPage) or
// an article (kindArticle).
func pageKind(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return kindArticle // not a web address: nothing to tell from it
	}
	p := strings.Trim(u.Path, "/")
	if p == "" {
		return kindPage // the front page
	}
	segs := strings.Split(p, "/")
	last := strings.ToLower(segs[len(segs)-1])
	last = strings.TrimSuffix(last, path.Ext(last))
	if pageRE.MatchString(last) {
		return kindPage
	}
	for _, s := range segs[:len(segs)-1] {
		if listingDirRE.MatchString(strings.ToLower(s)) {
			return kindPage
		}
	}
	return kindArticle
}
