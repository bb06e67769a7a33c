package feeds

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	"github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"

	"github.com/techintel/techintel/index/plaintext"
)

// ErrNotFeed is wrapped by the errors Parse returns for a body that is not a
// feed at all (empty, an HTML page, some other document), as opposed to a
// feed that is broken. A caller may try feed discovery on the former.
var ErrNotFeed = errors.New("not a feed")

// notFeed is an ErrNotFeed with the reason as its message.
type notFeed struct {
	msg  string
	html bool // the body is a web page, whose feed links Discover may find
}

func (e notFeed) Error() string        { return e.msg }
func (e notFeed) Is(target error) bool { return target == ErrNotFeed }

// htmlPage is the error for a web page where a feed was expected: the most
// common mistake when adding a source is giving the site's address.
func htmlPage(feedURL, contentType string) notFeed {
	what := "an HTML page"
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		what += " (" + mt + ")"
	}
	return notFeed{html: true, msg: fmt.Sprintf("not a feed: the server sent %s; "+
		"is this the site's home page? try `techintel sources discover %s`", what, feedURL)}
}

// otherDocument is the error for a body that is neither a feed nor a web
// page. It quotes the body's start, which usually tells what went wrong
// ("Access denied", a captive portal, a sitemap).
func otherDocument(b []byte, contentType string) notFeed {
	const show = 40
	start := b
	if len(start) > show {
		start = start[:show]
		for len(start) > 0 && !utf8.Valid(start) {
			start = start[:len(start)-1] // do not cut a character in two
		}
	}
	what := "a body"
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		what = mt
	}
	kind := "neither XML nor JSON"
	if b[0] == '[' {
		kind = "a JSON array"
	}
	return notFeed{msg: fmt.Sprintf("not a feed: the server sent %s that is %s, starting %q", what, kind, start)}
}

// Feed is a parsed feed.
type Feed struct {
	Type    string // "rss", "atom" or "json"
	Title   string // plain text
	SiteURL string // canonical absolute URL of the site, "" if none
	FeedURL string // the URL given to Parse
	Items   []Item
	Dropped int // items beyond MaxItems or the MaxElements budget, not in Items
}

// Item is one entry of a feed, as the feed gives it.
type Item struct {
	GUID string // the item's id as written (RSS guid, Atom id, JSON Feed id)
	URL  string // absolute http(s) URL of the item, "" if it has none
	// Title and HTML are markup, for plaintext.FromHTML. Titles that a
	// format declares plain text (Atom type="text", JSON Feed) are escaped,
	// so that "a <b> c" survives; RSS titles are taken as HTML, as feed
	// readers do.
	Title  string
	HTML   string // content, or the description (summary) when there is none
	Author string // plain text
	// Enclosure is the absolute http(s) URL of the item's first enclosure
	// (a podcast's audio), "" if none: it tells apart items that have
	// nothing else.
	Enclosure string
	// Published is when the item was published, or else last updated, in
	// UTC; zero if the feed gives neither or a date outside [1990, 2200).
	Published time.Time
}

// Dates outside these years are typing errors or placeholders (0001-01-01,
// the Unix epoch, year 2999), not publication dates.
const (
	earliestYear = 1990
	latestYear   = 2199
)

// Parse parses an RSS 2.0, RSS 1.0 (RDF), Atom or JSON feed. feedURL is where
// body came from: relative links resolve against it. contentType is the
// response's Content-Type, whose charset is used when the body is not UTF-8.
// Parse only reads its arguments; it is safe for concurrent use.
func Parse(body []byte, feedURL, contentType string) (*Feed, error) {
	return parse(body, feedURL, contentType, defaultLimits())
}

func parse(body []byte, feedURL, contentType string, lim limits) (*Feed, error) {
	f, err := parseFeed(body, feedURL, contentType, lim)
	if err != nil {
		return nil, fmt.Errorf("feeds: parse %q: %w", feedURL, err)
	}
	return f, nil
}

func parseFeed(body []byte, feedURL, contentType string, lim limits) (*Feed, error) {
	b := bytes.TrimLeft(toUTF8(body, contentType), " \t\r\n")
	if len(b) == 0 {
		return nil, notFeed{msg: "not a feed: the body is empty"}
	}
	docBase, err := url.Parse(strings.TrimSpace(feedURL))
	if err != nil || !docBase.IsAbs() {
		docBase = nil
	}
	var (
		gf      *gofeed.Feed
		scan    *xmlScan
		texts   []itemText
		dropped int
	)
	switch b[0] {
	case '{':
		if err := checkJSONDepth(b, lim.depth); err != nil {
			return nil, err
		}
		if b, dropped, err = capJSONItems(b, lim.items); err != nil {
			return nil, err
		}
		jf, err := (&json.Parser{}).Parse(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("malformed JSON feed: %w", err)
		}
		dropNullJSON(jf)
		if gf, err = (&gofeed.DefaultJSONTranslator{}).Translate(jf); err != nil {
			return nil, err
		}
		texts = jsonTexts(jf)
	case '<':
		if looksLikeHTML(b) {
			return nil, htmlPage(feedURL, contentType)
		}
		b = stripInvalidXMLChars(fixDeclaration(b))
		if !lim.fullScan {
			scan = quickScan(b, lim)
		}
		if scan == nil {
			if scan, err = scanXML(b, docBase, lim); err != nil {
				return nil, err
			}
		}
		if gf, err = parseXML(scan, feedURL, contentType); err != nil {
			return nil, err
		}
		dropped = scan.dropped
		if scan.root == "feed" {
			texts = atomTexts(gf, scan)
		}
	default:
		return nil, otherDocument(b, contentType)
	}
	if len(gf.Items) > lim.items { // in case gofeed found items the scan did not
		dropped += len(gf.Items) - lim.items
		gf.Items = gf.Items[:lim.items]
	}
	return convert(gf, scan, texts, feedURL, docBase, dropped), nil
}

// parseXML hands the scanned body to the gofeed parser for its root element.
// Choosing the parser from the scan, rather than gofeed's own detection,
// also finds feeds whose root element starts after gofeed's 4 KB peek.
func parseXML(scan *xmlScan, feedURL, contentType string) (*gofeed.Feed, error) {
	switch {
	case scan.root == "":
		if scan.err != nil {
			return nil, fmt.Errorf("malformed feed: %w", scan.err)
		}
		return nil, notFeed{msg: "not a feed: an XML document without a root element"}
	case scan.root == "html" || scan.root == "head" || scan.root == "body":
		return nil, htmlPage(feedURL, contentType)
	case !feedRoot(scan.root):
		if strings.Contains(contentType, "html") {
			return nil, htmlPage(feedURL, contentType)
		}
		if scan.root == "urlset" || scan.root == "sitemapindex" {
			return nil, notFeed{msg: fmt.Sprintf("not a feed: an XML sitemap (root element <%s>); crawl the site instead", scan.root)}
		}
		return nil, notFeed{msg: fmt.Sprintf("not a feed: an XML document with root element <%s>", scan.root)}
	}
	var (
		gf  *gofeed.Feed
		err error
	)
	if scan.root == "feed" {
		var af *atom.Feed
		if af, err = (&atom.Parser{}).Parse(bytes.NewReader(scan.body)); err == nil {
			gf, err = (&gofeed.DefaultAtomTranslator{}).Translate(af)
		}
	} else {
		var rf *rss.Feed
		if rf, err = (&rss.Parser{}).Parse(bytes.NewReader(scan.body)); err == nil {
			gf, err = rssTranslator().Translate(rf)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("malformed feed: %w", err)
	}
	return gf, nil
}

// rssTranslator is gofeed's RSS translator without its search of each
// item's content and description HTML for an image (an HTML parse of
// every item, a quarter of parsing a feed): a feed's images are never
// used here.
func rssTranslator() *gofeed.DefaultRSSTranslator {
	return &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
}

// looksLikeHTML reports whether b starts, after any XML declaration,
// comments and doctype, like an HTML page rather than a feed.
func looksLikeHTML(b []byte) bool {
	for {
		b = bytes.TrimLeft(b, " \t\r\n")
		switch {
		case hasPrefixFold(b, "<!doctype html"), hasPrefixFold(b, "<html"):
			return true
		case bytes.HasPrefix(b, []byte("<?")):
			i := bytes.Index(b, []byte("?>"))
			if i < 0 {
				return false
			}
			b = b[i+2:]
		case bytes.HasPrefix(b, []byte("<!--")):
			i := bytes.Index(b, []byte("-->"))
			if i < 0 {
				return false
			}
			b = b[i+3:]
		default:
			return false
		}
	}
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && strings.EqualFold(string(b[:len(prefix)]), prefix)
}

// convert turns gofeed's universal feed into ours.
func convert(gf *gofeed.Feed, scan *xmlScan, texts []itemText, feedURL string, docBase *url.URL, dropped int) *Feed {
	// The scan's links replace gofeed's only where gofeed gets them wrong
	// (xml:base), and only if both saw the same items.
	useScan := scanMatches(scan, gf) && scan.hasBase

	f := &Feed{
		Type:    gf.FeedType,
		Title:   oneLine(plaintext.FromHTML(feedTitle(gf, scan))),
		FeedURL: feedURL,
		Dropped: dropped,
		Items:   make([]Item, 0, len(gf.Items)),
	}
	site := gf.Link
	if useScan && scan.siteLink != "" {
		site = resolveRef(scan.siteBase, scan.siteLink)
	}
	// Relative item links resolve against the site's link, which is what
	// feed authors mean by them, or else against the feed's own URL.
	itemBase := docBase
	if s := absHTTP(docBase, site); s != "" {
		f.SiteURL = canonicalOr(s)
		itemBase, _ = url.Parse(s)
	}
	feedAuthor := personName(gf.Author, gf.Authors)
	for i, gi := range gf.Items {
		if gi == nil {
			continue
		}
		link, guid := gi.Link, gi.GUID
		if link == "" && len(gi.Links) > 0 {
			link = gi.Links[0]
		}
		if useScan {
			// gofeed resolved the Atom id against xml:base too, which can
			// turn an id that is no URL at all into an http one.
			s := scan.items[i]
			guid = s.id
			if s.link != "" {
				link = resolveRef(s.linkBase, s.link)
			}
		}
		it := Item{
			GUID:      strings.TrimSpace(guid),
			URL:       absHTTP(itemBase, link),
			Title:     strings.TrimSpace(gi.Title),
			Author:    personName(gi.Author, gi.Authors),
			HTML:      gi.Content,
			Published: itemDate(gi),
		}
		if len(gi.Enclosures) > 0 && gi.Enclosures[0] != nil {
			it.Enclosure = absHTTP(itemBase, gi.Enclosures[0].URL)
		}
		if strings.TrimSpace(it.HTML) == "" {
			it.HTML = gi.Description
		}
		if i < len(texts) {
			it.Title, it.HTML = texts[i].title, texts[i].html
		}
		if it.Author == "" {
			it.Author = feedAuthor
		}
		it.HTML = closeRawText(it.HTML)
		f.Items = append(f.Items, it)
	}
	return f
}

// itemDate returns the item's publication date, else its update date: as
// gofeed read it, or as parseLooseDate reads what gofeed could not
// ("2018-01-06T08:00", "Seg, 24 Set 2018 19:18:49 -0300").
func itemDate(gi *gofeed.Item) time.Time {
	for _, d := range []struct {
		parsed *time.Time
		raw    string
	}{{gi.PublishedParsed, gi.Published}, {gi.UpdatedParsed, gi.Updated}} {
		if d.parsed != nil {
			if u := d.parsed.UTC(); u.Year() >= earliestYear && u.Year() <= latestYear {
				return u
			}
			continue
		}
		if t, ok := parseLooseDate(d.raw); ok {
			return t
		}
	}
	return time.Time{}
}

func personName(p *gofeed.Person, all []*gofeed.Person) string {
	if p == nil && len(all) > 0 {
		p = all[0]
	}
	if p == nil {
		return ""
	}
	name := oneLine(plaintext.FromHTML(p.Name))
	if name == "" {
		name = oneLine(plaintext.FromHTML(p.Email))
	}
	return name
}

// resolveRef resolves ref against base if there is one, leaving it as written
// otherwise (or if it does not parse), so that a later base can still apply.
func resolveRef(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if base == nil {
		return ref
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	return base.ResolveReference(u).String()
}

// absHTTP resolves ref against base and returns it if the result is an
// absolute http(s) URL, "" otherwise: javascript:, data: and mailto: links,
// and relative links with no base, are never used.
func absHTTP(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

// oneLine joins the lines of plain text with spaces.
func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }

// selfClosedRawText matches a self-closed element whose content HTML reads
// as raw text: "<iframe src=… />". XHTML writers (Blogger's feeds) close
// them so, but an HTML parser ignores the slash and takes the rest of the
// item, "</p>" and all, for the element's text.
var selfClosedRawText = regexp.MustCompile(`(?i)<(iframe|script|style|textarea|title|noembed|noframes|xmp|noscript)(\s[^<>]*?)?/\s*>`)

// closeRawText closes the self-closed raw-text elements of an item's markup.
func closeRawText(s string) string {
	if !strings.Contains(s, "/>") {
		return s
	}
	return selfClosedRawText.ReplaceAllString(s, "<$1$2></$1>")
}
