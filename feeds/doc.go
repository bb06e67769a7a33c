// Package feeds reads web feeds: it fetches them conditionally over HTTP,
// parses RSS 2.0, RSS 1.0 (RDF), Atom and JSON Feed into plain values, and
// turns their items into untagged index.Documents. It also finds the feeds a
// web page advertises, and reads and writes OPML subscription lists.
//
// The three stages are separate so that only the first touches the network:
//
//	f := feeds.NewFetcher(transport, userAgent, 20*time.Second, 10<<20)
//	resp, err := f.Fetch(ctx, url, previous)     // conditional GET (RFC 9111)
//	feed, err := feeds.Parse(resp.Body, resp.URL, resp.ContentType)
//	docs, keys, skipped := feed.DocumentsWithKeys(source, time.Now())
//
// keys[i] is docs[i]'s identity within the feed (GUID, else canonical link,
// else title and date; see Feed.Keys): a caller that remembers which document
// each key produced recognises an item whose link changed. Documents is the
// same without keys.
//
// Errors say what happened in terms a person who configured the source can
// act on ("no answer within 20s", "connection refused by host:port", "TLS
// certificate is for another host", "not a feed: the server sent an HTML
// page"), while keeping the underlying error in the chain for errors.Is and
// errors.As. A *StatusError carries the status and any Retry-After; errors
// about a body that is no feed at all wrap ErrNotFeed.
//
// Discovery is pure too: Discover reads the <link rel="alternate"> and
// rel="feed" elements of a page, and Fetcher.Resolve chains Fetch, Parse and
// Discover to turn the address a user typed into a feed URL. Only declared
// links count; /feed and /rss are never guessed. ParseOPML and WriteOPML
// import and export subscription lists (folders become categories), bounded
// in size, outline count and nesting, with no entity expansion.
//
// github.com/mmcdole/gofeed is imported here and nowhere else. It is not used
// for fetching (it has no conditional GET, see gofeed issue #111), and its
// input is prepared first, because real feeds break it in known ways:
//
//   - Bodies are converted to UTF-8 before gofeed sees them: windows-1252 bytes
//     in a feed that declares UTF-8 or nothing are repaired byte by byte, a
//     legacy charset from the XML declaration or the Content-Type is decoded,
//     a UTF-8 body whose declaration claims windows-1252 is kept as UTF-8, and
//     the declaration is rewritten so that nothing converts it twice.
//   - A pre-scan with encoding/xml rejects absurd nesting and cuts the items
//     beyond MaxItems or the MaxElements budget out of the body, so memory
//     stays bounded by the body size rather than by what gofeed builds.
//   - gofeed's universal item forgets which Atom and JSON Feed fields are
//     plain text; read as HTML, "a <b> c" would lose its "<b>". The format's
//     own type information is used instead.
//   - gofeed resolves Atom xml:base by appending "/" to the base path, which
//     turns xml:base="https://example.org/blog/index.atom" plus href="a" into
//     ".../index.atom/a". The pre-scan resolves xml:base itself (RFC 3986
//     section 5) and its links are used whenever a feed declares xml:base.
//   - Nothing from a feed is trusted as markup: titles and bodies become plain
//     text (script and style dropped), and only absolute http(s) URLs are
//     ever used, so javascript: links never reach the index.
package feeds
