package index

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
	"unicode/utf8"
)

// The four intelligence components every document is tagged with.
const (
	ComponentIndustry  = "industry"  // industry and customer requirements
	ComponentOwn       = "own"       // what our own firm is doing
	ComponentAlliances = "alliances" // what our alliances and partners are doing
	ComponentOthers    = "others"    // what others are doing technologically
)

// Components lists the component slugs in their canonical order.
var Components = []string{ComponentIndustry, ComponentOwn, ComponentAlliances, ComponentOthers}

// ValidComponent reports whether s is one of the four component slugs.
func ValidComponent(s string) bool {
	for _, c := range Components {
		if c == s {
			return true
		}
	}
	return false
}

// Document is one gathered item: a feed entry or a crawled page, after
// extraction and tagging. It is what the index stores and search returns.
type Document struct {
	ID        string    `json:"id"`    // DocID(URL)
	URL       string    `json:"url"`   // canonical URL
	Title     string    `json:"title"` // plain text
	Body      string    `json:"body"`  // plain text, HTML stripped
	Author    string    `json:"author,omitempty"`
	Source    string    `json:"source"`    // name of the source that first brought it
	Published time.Time `json:"published"` // falls back to Fetched
	Fetched   time.Time `json:"fetched"`   // first time it was fetched
	Updated   time.Time `json:"updated"`   // last time its content changed (equals Fetched until then)
	// Gone is when the page was found missing (404/410); zero while it
	// exists. A gone document is kept, not deleted: it is history.
	Gone time.Time `json:"gone,omitzero"`
	// Story groups near-duplicates: the same news told by several sources
	// (a syndicated press release) shares the story id, which is the ID of
	// the first of them indexed. Upsert assigns it.
	Story string `json:"story"`

	Components   []string   `json:"components"`
	Entities     []string   `json:"entities"`
	Technologies []string   `json:"technologies"`
	Evidence     []Evidence `json:"evidence"`
	// Salient lists the entities and technologies the document is about
	// (Salience.Salient), a subset of Entities and Technologies; Primary
	// is the component of its most salient entity, the one section of a
	// digest that tells the story ("" when no entity is salient and no
	// source gives a component). A passing mention tags the document but
	// makes it no story of that entity.
	Salient []string `json:"salient"`
	Primary string   `json:"primary,omitempty"`
	// Salience explains Salient: one entry per tagged entity and
	// technology, most salient first.
	Salience []Salience `json:"salience,omitempty"`

	// prep is what Prepare computed ahead of Upsert; nil if nothing.
	prep *prepared
}

// Salience is how much a document is about one of its entities or
// technologies, from where and how often it is mentioned.
type Salience struct {
	Name     string  `json:"name"`
	Score    float64 `json:"score"`    // 0 to 1
	Salient  bool    `json:"salient"`  // Score reaches the threshold
	Title    bool    `json:"title"`    // mentioned in the title
	Lead     bool    `json:"lead"`     // mentioned in the body's first sentences
	Mentions int     `json:"mentions"` // mentions that count, title and body
	Share    float64 `json:"share"`    // of the mentions of its kind in the document
}

// Evidence explains one tag: which watch-list entry or technology matched,
// what text matched it and in which field. Tags given by the source's
// configuration carry Field "source".
type Evidence struct {
	Entity    string `json:"entity"`              // watch-list entry or technology name
	Component string `json:"component,omitempty"` // empty for technologies
	Matched   string `json:"matched"`             // the text as it appears in the document
	Field     string `json:"field"`               // "title", "body" or "source"
	Excerpt   string `json:"excerpt,omitempty"`   // plain text around the match
}

// DocID returns the document ID for a canonical URL: the first 16 bytes of
// its SHA-256 in hex. The same URL always gives the same ID, so re-fetching
// a page updates it in place and replaying a batch is harmless.
func DocID(canonicalURL string) string {
	sum := sha256.Sum256([]byte(canonicalURL))
	return hex.EncodeToString(sum[:16])
}

// Bounds on what one document stores. A feed item with a 1 MB title made
// every search and alert page that listed it megabytes long and raised
// serve's memory tenfold; no real title comes near these.
const (
	// MaxLineChars bounds one-line fields (title, author, evidence
	// matches and excerpts), in characters, the ellipsis included.
	MaxLineChars = 1000
	// MaxBodyBytes bounds the body's plain text: a long report's text
	// fits; a page of generated filler is cut.
	MaxBodyBytes = 512 << 10
)

// Ellipsis ends a field that was cut.
const Ellipsis = "…"

// CapChars returns s cut to at most n characters, ending in an ellipsis
// when it was cut.
func CapChars(s string, n int) string {
	if len(s) <= n { // bytes ≥ characters
		return s
	}
	count := 0
	for i := range s {
		if count == n-1 {
			if utf8.RuneCountInString(s[i:]) <= 1 {
				return s
			}
			return s[:i] + Ellipsis
		}
		count++
	}
	return s
}

// capBytes returns s cut at a character boundary to at most n bytes, the
// ellipsis included.
func capBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len(Ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + Ellipsis
}

// Capped cuts the document's fields to MaxLineChars and MaxBodyBytes.
// Upsert applies it, so that nothing stored or shown is larger.
func (d *Document) Capped() {
	d.Title = CapChars(d.Title, MaxLineChars)
	d.Author = CapChars(d.Author, MaxLineChars)
	d.Body = capBytes(d.Body, MaxBodyBytes)
	for i := range d.Evidence {
		e := &d.Evidence[i]
		e.Matched = CapChars(e.Matched, MaxLineChars)
		e.Excerpt = CapChars(e.Excerpt, MaxLineChars)
	}
}
