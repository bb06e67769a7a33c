// Package crawler crawls a "site" source politely and turns its HTML pages
// into untagged index.Documents. colly is imported here and nowhere else.
//
// # Crawl
//
// Crawl walks one site breadth-first from a start URL and reports every
// page it reaches to an emit callback as a Result: Fetched (new or changed,
// with its document), Unchanged or Gone. Failed and skipped pages are
// counted in Stats (skips by reason) and logged; Config.Progress sees the
// Stats after every page.
//
// Scope: the start page's host (or the host its redirects end on), plus
// Config.AllowedDomains (exact hosts and "*.example.com"), narrowed by the
// Include and Exclude regular expressions, up to MaxDepth links away and
// MaxPages pages in MaxDuration. Every link is canonicalised with
// index.CanonicalURL, so a page is fetched at most once per run, and links
// over 2,000 bytes are dropped. Redirects are followed by the crawl itself,
// so that every hop is checked against the scope, robots.txt and the pages
// already seen. Calendar and session-id traps therefore end at MaxPages;
// MaxDuration bounds the wall-clock time.
//
// Discovery: links come from the whole page (navigation included), and the
// site's sitemaps (its robots.txt Sitemap lines and /sitemap.xml; nested
// indexes, gzip, text sitemaps) are read once after the start page, their
// pages queued at depth 1. Sitemap files do not count toward MaxPages.
//
// Politeness: robots.txt is obeyed for our user agent (RFC 9309, including
// "5xx means disallow all" and "use the parseable rules", which colly does
// not do by itself), its Crawl-delay applied when larger than Delay (up to
// 30s), one request at a time per host with Delay between the end of one
// and the start of the next, and a 429 or 503 with Retry-After waited for
// and retried once (up to 60s; a host asking for longer is left alone for
// the rest of the run).
//
// Speed: each page is parsed once; its links are queued from the same tree
// that extraction then reads. Parsing and extraction run on worker
// goroutines (one per core, at most two pages each waiting) while the
// crawl fetches the next page, and their outcomes come back to the crawl's
// goroutine in fetch order: results are emitted, links queued and
// callbacks called exactly as a sequential crawl would.
//
// Change detection: Config.Known tells the crawl what a previous run saw.
// A known page whose links the crawl would not follow (at MaxDepth) is
// asked conditionally (If-None-Match, If-Modified-Since; RFC 9110 section
// 13.1, RFC 9111 section 4.3) and a 304 is Unchanged; other known pages
// are fetched in full, because an unchanged page can link to changed or
// vanished ones, and are Unchanged when ContentHash of their text is the
// one remembered; a page whose body is byte for byte the one remembered
// (PageState.BodyHash) is Unchanged without being extracted at all. A
// known page answering 404 or 410 is Gone.
//
// All network I/O goes through one http.RoundTripper wrapper (transport.go,
// hosts.go, robots.go) that keeps the per-host politeness, enforces the
// body cap after decompression (colly's own cap counts compressed bytes
// and truncates silently) and ties colly's context-less robots.txt fetch
// to the crawl's context.
//
// # Extract
//
// Extract is the pure HTML → page function: bytes and a URL in, title,
// main text, author, publication date and links out. Boilerplate
// (navigation, headers, footers, asides, cookie banners, share, related
// and comment blocks, forms, scripts, hidden elements) is removed first;
// then go-readability finds the article. A page too short to be judged an
// article keeps the text of its <main>, lone <article> or <body> instead
// (Page.Article says which).
//
// A listing (a newsroom front page, a tag page, an archive: Page.Listing)
// is a page whose link lists and teasers (a linked headline and its
// summary, repeated) hold most of its text, or that has several
// <article>s. Its Body is its own text without them, so that the
// companies its teasers name do not tag it, just as a "related news"
// sidebar does not tag an article; it is still crawled for its links and
// its text hash still detects changes to what it says itself. A listing
// with no text of its own is skipped (SkipListing) but its links are
// followed. Extract does no I/O, so it is fuzzed and can be reused by
// anything that holds an HTML page.
//
// # ArticleFetcher
//
// ArticleFetcher fetches single pages, such as the articles feed items
// link to, through the same transport, robots.txt cache, politeness and
// extractor, for as many URLs as a run needs.
package crawler
