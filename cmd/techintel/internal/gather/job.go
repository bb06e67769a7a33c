// Package gather is the fetch side of ingest: it turns a Job (one source
// and everything known about it) into Batches of documents, using the
// network and the parsers only. It never opens the data directory; the
// commit side (tagging, identity, journal, upsert, percolation, store
// writes) takes the batches. Job and Batch are plain data that encode to
// JSON, so that fetching can run on another machine than committing.
package gather

import (
	"time"

	"github.com/techintel/techintel/index"
)

// The kinds of source a Job fetches.
const (
	KindFeed = "feed"
	KindSite = "site"
)

// MaxErrors caps the page errors one run reports.
const MaxErrors = 50

// Job is one run of one source: what to fetch and everything the commit
// side knows about it that the fetch needs.
type Job struct {
	Source string `json:"source"`
	Kind   string `json:"kind"` // KindFeed or KindSite
	URL    string `json:"url"`  // as configured
	// FeedURL is the feed a web page URL was found to link to by an
	// earlier run; empty when URL is the feed or not yet resolved.
	FeedURL string `json:"feed_url,omitempty"`
	// FullText: replace the summary of each new feed item with its
	// article's text.
	FullText bool `json:"full_text,omitempty"`
	// Validators of the feed's last successful fetch, for a conditional
	// request.
	Validators Validators `json:"validators"`
	// KnownItems are the identity keys of the feed's items already
	// indexed (key → document ID); with FullText their articles are not
	// fetched again. Filled only for full_text feeds.
	KnownItems map[string]string `json:"known_items,omitempty"`
	// Pages is the state of the site's pages already crawled, by URL:
	// their validators and text hashes make a recrawl conditional.
	Pages map[string]PageState `json:"pages,omitempty"`
	Crawl Crawl                `json:"crawl"`
}

// Validators are the HTTP validators of a fetch.
type Validators struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// PageState is what is known of a crawled page: its validators and the
// hashes that tell whether its text changed.
type PageState struct {
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	Hash         string    `json:"hash,omitempty"`
	Length       int       `json:"length,omitempty"`
	BodyHash     string    `json:"body_hash,omitempty"`
	Seen         time.Time `json:"seen,omitzero"`
}

// Crawl is how a site is crawled.
type Crawl struct {
	AllowedDomains []string      `json:"allowed_domains,omitempty"`
	Include        []string      `json:"include,omitempty"`
	Exclude        []string      `json:"exclude,omitempty"`
	MaxDepth       int           `json:"max_depth,omitempty"`
	MaxPages       int           `json:"max_pages,omitempty"`
	Delay          time.Duration `json:"delay,omitempty"`
	MaxDuration    time.Duration `json:"max_duration,omitempty"`
}

// Batch is what a fetch hands to the commit side: documents to index and
// the state to record once they are. A feed gives one batch; a site crawl
// one every few hundred pages, the last with Final set.
type Batch struct {
	Source string `json:"source"`
	// Final: the last batch of the run. Fetched and Seen count the whole
	// run only in the final batch.
	Final     bool             `json:"final,omitempty"`
	Documents []index.Document `json:"documents,omitempty"`
	// ItemKeys[i] is the identity key, within its feed, of the item
	// Documents[i] was made from (feeds only).
	ItemKeys []string `json:"item_keys,omitempty"`
	// Pages are the crawled pages' new states, to record once Documents
	// are indexed; a nil state forgets the page.
	Pages map[string]*PageState `json:"pages,omitempty"`
	// Gone are the IDs of documents whose page answered 404 or 410.
	Gone []string `json:"gone,omitempty"`
	// Validators of this fetch of a feed, to record once Documents are
	// indexed (nil for a site).
	Validators *Validators `json:"validators,omitempty"`
	// ResolvedURL is the feed found linked from a source URL that is a
	// web page, to remember as the Job's FeedURL.
	ResolvedURL string `json:"resolved_url,omitempty"`
	// NotModified: the feed answered 304; nothing to index.
	NotModified bool `json:"not_modified,omitempty"`
	// Fetched is how many documents the run fetched (items of a feed,
	// new, changed or unchanged pages of a site); Seen how many items or
	// pages it saw in all.
	Fetched int `json:"fetched"`
	Seen    int `json:"seen"`
	// Errors are what went wrong with single items or pages, which did
	// not fail the run (at most MaxErrors).
	Errors []string `json:"errors,omitempty"`
}
