package feeds

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"

	"github.com/techintel/techintel/index"
)

// Bounds on discovery.
const (
	// maxLinks is how many feed links Discover returns from one page.
	maxLinks = 50
	// maxTried is how many discovered links Resolve fetches before it gives up.
	maxTried = 3
)

// Link is a feed that a web page advertises.
type Link struct {
	URL   string // canonical absolute http(s) URL
	Title string // the link's title attribute, plain text on one line
	// Type is the media type the page gives, lower case without parameters
	// ("application/rss+xml"); "" for a rel="feed" link without one.
	Type string
}

// feedType reports whether an alternate link's media type names a feed.
// application/json is among them, although WordPress advertises its REST API
// with it on every page: Discover puts such links last.
func feedType(mt string) bool {
	switch mt {
	case "application/rss+xml", "application/atom+xml", "application/feed+json",
		"application/rdf+xml", "application/json":
		return true
	}
	return false
}

// Discover finds the feeds an HTML page advertises with RSS autodiscovery
// (<link rel="alternate" type="application/rss+xml" href="..."> and its Atom,
// RDF and JSON Feed variants) and with rel="feed" (WHATWG link type "feed").
// Relative hrefs resolve against the page's first <base href> and pageURL
// (HTML Living Standard, "document base URL"); the results are canonical
// (index.CanonicalURL), without duplicates, in page order except that
// application/json links come after all others. Links to other schemes are
// dropped. contentType is the page's Content-Type, for its charset.
//
// Only what the page declares is used. Anchors that look like feed links and
// well-known paths (/feed, /rss.xml) are not guessed: the RSS Autodiscovery
// specification (RSS Advisory Board, 2006) defines link elements only, and
// guessing costs requests to URLs the site never offered, whose answers are
// as often a page or a soft 404 as a feed.
func Discover(body []byte, pageURL, contentType string) ([]Link, error) {
	page, err := url.Parse(strings.TrimSpace(pageURL))
	if err != nil || (page.Scheme != "http" && page.Scheme != "https") || page.Host == "" {
		return nil, fmt.Errorf("feeds: discover %q: the page URL is not an absolute http(s) URL", pageURL)
	}
	if enc, name, _ := charset.DetermineEncoding(body, contentType); name != "utf-8" {
		if b, err := enc.NewDecoder().Bytes(body); err == nil {
			body = b
		}
	}

	type rawLink struct{ href, title, typ string }
	var (
		raw     []rawLink
		baseRef string
		hasBase bool
	)
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break // io.EOF: the tokenizer never fails otherwise on a byte slice
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		if !hasAttr || (string(name) != "link" && string(name) != "base") {
			continue
		}
		attrs := tagAttrs(z)
		if string(name) == "base" {
			if href, ok := attrs["href"]; ok && !hasBase {
				baseRef, hasBase = href, true
			}
			continue
		}
		// Collecting stops well past maxLinks, leaving room for duplicates,
		// while the scan goes on for a <base> further down.
		if typ, ok := feedLink(attrs["rel"], attrs["type"]); ok && attrs["href"] != "" && len(raw) < 4*maxLinks {
			raw = append(raw, rawLink{attrs["href"], attrs["title"], typ})
		}
	}

	base := page
	if hasBase {
		// Only an http(s) base counts; a javascript: or data: one is ignored
		// rather than trusted.
		if s := absHTTP(page, baseRef); s != "" {
			base, _ = url.Parse(s)
		}
	}
	var first, generic []Link
	seen := map[string]bool{}
	for _, r := range raw {
		u := absHTTP(base, r.href)
		if u == "" {
			continue
		}
		c, err := index.CanonicalURL(u)
		if err != nil || seen[c] {
			continue
		}
		seen[c] = true
		l := Link{URL: c, Title: cleanTitle(r.title), Type: r.typ}
		if l.Type == "application/json" {
			generic = append(generic, l)
		} else {
			first = append(first, l)
		}
	}
	links := append(first, generic...)
	if len(links) > maxLinks {
		links = links[:maxLinks]
	}
	return links, nil
}

// tagAttrs returns the current tag's attributes; the tokenizer lower-cases
// their names and decodes entities in their values. The first of a repeated
// attribute wins, as in HTML parsing.
func tagAttrs(z *html.Tokenizer) map[string]string {
	attrs := map[string]string{}
	for more := true; more; {
		var k, v []byte
		k, v, more = z.TagAttr()
		if _, dup := attrs[string(k)]; !dup {
			attrs[string(k)] = strings.TrimSpace(string(v))
		}
	}
	return attrs
}

// feedLink reports whether a link element with these rel and type values
// points to a feed, and returns its media type. rel is a set of
// space-separated, case-insensitive tokens (HTML Living Standard, "link
// types"). rel="feed" needs no type, but one naming HTML is a page of posts
// (an h-feed), not a feed document.
func feedLink(rel, typ string) (string, bool) {
	mt := ""
	if typ != "" {
		var err error
		if mt, _, err = mime.ParseMediaType(typ); err != nil {
			return "", false
		}
	}
	for tok := range strings.FieldsSeq(strings.ToLower(rel)) {
		switch tok {
		case "alternate":
			if feedType(mt) {
				return mt, true
			}
		case "feed":
			if mt == "" || feedType(mt) {
				return mt, true
			}
		}
	}
	return "", false
}

// cleanTitle makes an attribute value one line of valid UTF-8.
func cleanTitle(s string) string {
	return strings.Join(strings.Fields(strings.ToValidUTF8(s, string(utf8.RuneError))), " ")
}

// Resolve finds the feed behind a URL a user gave. If the URL serves a feed,
// Resolve returns it. If it serves a web page, Resolve discovers the page's
// feed links (Discover) and returns the first of the first three that
// fetches and parses as a feed, with all the links found, so that a caller
// can offer the others. feedURL is always a URL that was asked for, never a
// redirect's target: a temporary redirect must not be remembered.
//
// When nothing works the error says why: the page's own fetch or parse error,
// "is a web page with no feed links", or the links tried and how each failed.
func (f *Fetcher) Resolve(ctx context.Context, rawURL string) (feedURL string, links []Link, err error) {
	resp, err := f.Fetch(ctx, rawURL, Validators{})
	if err != nil {
		return "", nil, err
	}
	_, perr := Parse(resp.Body, resp.URL, resp.ContentType)
	if perr == nil {
		return rawURL, nil, nil
	}
	if !errors.Is(perr, ErrNotFeed) {
		return "", nil, perr // a broken feed is still a feed: say what is wrong with it
	}
	if links, err = Discover(resp.Body, resp.URL, resp.ContentType); err != nil {
		return "", nil, err
	}
	noLinks := func() error {
		var nf notFeed
		if errors.As(perr, &nf) && nf.html {
			// The parse error's advice (discover the feed) is what failed.
			return &failure{fmt.Sprintf("feeds: %s is a web page with no feed links", rawURL), perr}
		}
		return perr
	}
	if len(links) == 0 {
		return "", nil, noLinks()
	}
	var tried []error
	for _, l := range links {
		if len(tried) == maxTried {
			break
		}
		if l.URL == canonicalOr(resp.URL) || l.URL == canonicalOr(rawURL) {
			continue // the page itself, known not to be a feed
		}
		err := f.tryFeed(ctx, l.URL)
		if err == nil {
			return l.URL, links, nil
		}
		if ctx.Err() != nil {
			return "", links, err
		}
		tried = append(tried, err)
	}
	if len(tried) == 0 { // every link pointed back at the page
		return "", links, noLinks()
	}
	return "", links, &resolveError{url: rawURL, links: len(links), tried: tried}
}

// tryFeed fetches a candidate feed and checks that it parses as one.
func (f *Fetcher) tryFeed(ctx context.Context, feedURL string) error {
	resp, err := f.Fetch(ctx, feedURL, Validators{})
	if err != nil {
		return err
	}
	_, err = Parse(resp.Body, resp.URL, resp.ContentType)
	return err
}

// resolveError is Resolve's error when a page has feed links and none of
// those tried is a working feed.
type resolveError struct {
	url   string
	links int
	tried []error
}

func (e *resolveError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "feeds: %s is a web page whose feed links do not work", e.url)
	if e.links > len(e.tried) {
		fmt.Fprintf(&b, " (tried %d of %d)", len(e.tried), e.links)
	}
	for i, err := range e.tried {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		// The errors say `feeds: fetch "URL": ...`; one prefix is enough.
		b.WriteString(strings.TrimPrefix(err.Error(), "feeds: "))
	}
	return b.String()
}

func (e *resolveError) Unwrap() []error { return e.tried }
