// Package crawler crawls a "site" source politely and turns its HTML pages
// into untagged index.Documents. colly is imported here and nowhere else.
//
// Crawl walks one site breadth-first from a start URL, staying on the start
// page's host, up to a link depth and a page budget. It obeys robots.txt for
// its user agent (RFC 9309, including "5xx means disallow all", which colly
// does not do by itself), makes one request at a time per host with a
// politeness delay between them, canonicalises every link with
// index.CanonicalURL so that each page is fetched at most once per run, and
// follows redirects itself so that every hop is checked against the host,
// robots.txt and the set of pages already seen.
//
// All network I/O goes through one http.RoundTripper wrapper (transport.go)
// that paces requests, enforces the body cap after decompression (colly's
// own cap counts compressed bytes and truncates silently) and ties colly's
// context-less robots.txt fetch to the crawl's context.
//
// Extract is the pure HTML → page function: bytes and a URL in, title, main
// text, publication date and links out. It does no I/O, so it is fuzzed and
// can be reused by anything that holds an HTML page.
package crawler
