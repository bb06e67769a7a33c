package web

import (
	"net/http"
	"net/url"
)

// HelpExample is one example of the Search help page: a query and what it
// finds. Every example finds something in the demo world (a test holds
// it), so that a new user's first tries work.
type HelpExample struct {
	Q, Means string
}

// HelpExamples lists the Search help page's examples.
func HelpExamples() []HelpExample {
	return []HelpExample{
		{`5G slicing`, "both words, anywhere in the title or the body: words are ANDed"},
		{`5G AND slicing`, "the same, with the AND written out"},
		{`slicing OR "open ran"`, "either"},
		{`"open ran" -huawei`, "the phrase, and not the word huawei (NOT huawei is the same)"},
		{`(Nokia OR Ericsson) "private 5G"`, "parentheses group; AND binds tighter than OR"},
		{`Nokia NEAR/5 trial`, "both within five words of each other, in either order"},
		{`quantum*`, "words starting with quantum: quantum, quantum-safe…"},
		{`title:"open ran"`, "the phrase in the title only"},
		{`entity:"deutsche telekom"`, "documents tagged with a watched entity, by name or alias, in any case"},
		{`technology:"open ran"`, "documents tagged with a technology"},
		{`salient:ericsson`, "documents about an entity or technology, not naming it in passing"},
		{`component:own slicing`, "documents of one component: industry, own, alliances or others"},
		{`published:>=2026-01-01 AI-RAN`, "published on or after a date; >, <=, < too, and published:2026-01 for a month"},
	}
}

type helpView struct {
	Examples []helpLink
	Fields   []string
}

type helpLink struct {
	HelpExample
	URL string
}

func (h *Handler) handleSearchHelp(w http.ResponseWriter, r *http.Request) {
	var v helpView
	for _, e := range HelpExamples() {
		v.Examples = append(v.Examples, helpLink{e, "/?" + url.Values{"q": {e.Q}}.Encode()})
	}
	h.render(w, r, http.StatusOK, "help", "Search help", "search", v)
}
