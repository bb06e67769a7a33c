package crawler

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"unicode/utf8"

	"github.com/techintel/techintel/index"
)

var (
	// ErrDisallowed: robots.txt disallows the page for our user agent.
	ErrDisallowed = errors.New("crawler: disallowed by robots.txt")
	// ErrNotHTML: the page is a PDF, an image or anything else but HTML.
	ErrNotHTML = errors.New("crawler: not HTML")
)

// StatusError is an HTTP answer that is neither a success nor a redirect
// the crawler follows.
type StatusError struct{ Code int }

func (e *StatusError) Error() string {
	return fmt.Sprintf("crawler: HTTP %d %s", e.Code, http.StatusText(e.Code))
}

// ContentHash is PageState.Hash for an extracted page: the hex SHA-256,
// first 16 bytes, of title + "\n" + body. It changes when the text a
// reader sees changes, not when an ad, a timestamp in a comment or a
// session token in the markup does.
func ContentHash(title, body string) string {
	h := sha256.New()
	h.Write([]byte(title))
	h.Write([]byte{'\n'})
	h.Write([]byte(body))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// BodyHash is PageState.BodyHash: the hex SHA-256, first 16 bytes, of a
// response body as received.
func BodyHash(body []byte) string {
	h := sha256.Sum256(body)
	return hex.EncodeToString(h[:16])
}

// page handles a 2xx answer: it parses the page, queues its links,
// extracts it and reports it as Fetched, or Unchanged when its text hashes
// as last time. Parsing and extraction run on the pipeline's workers; the
// rest runs on the crawl's goroutine, in fetch order. A known page whose
// body is byte for byte the one last seen is Unchanged without extraction
// (its links are still read, if they are to be followed).
func (cr *crawl) page(it item, res *response, known *PageState) {
	cr.pages++ // every outcome below costs this request
	ct := res.contentType
	if ct == "" {
		ct = http.DetectContentType(res.body)
		if !isHTML(ct) {
			cr.skip(it, SkipNotHTML, "not HTML: sniffed "+ct, false)
			return
		}
	}
	final, err := url.Parse(res.url)
	if err != nil {
		cr.fail(it, fmt.Errorf("crawler: final url: %w", err), false)
		return
	}
	docURL, err := index.CanonicalURL(res.url)
	if err != nil {
		cr.fail(it, fmt.Errorf("crawler: final url: %w", err), false)
		return
	}
	cr.seen[docURL] = true
	if docURL != it.url && cr.cfg.Known != nil {
		known = nil
		if st, ok := cr.cfg.Known(docURL); ok {
			known = &st
		}
	}
	follow := it.depth < cr.cfg.MaxDepth
	bodyHash := BodyHash(res.body)
	same := known != nil && known.Hash != "" && known.BodyHash == bodyHash
	var p Page
	work := func() {
		if same && !follow {
			return // nothing to read: not even the links
		}
		pp := parsePage(res.body, decodedContentType(ct), final)
		if same {
			p = pp.page
			return
		}
		p = pp.extract()
	}
	cr.pipe.submit(work, func() { cr.extracted(it, res, docURL, known, same, bodyHash, p) })
}

// extracted reports a page parsed (and unless same, extracted) as p.
func (cr *crawl) extracted(it item, res *response, docURL string, known *PageState, same bool, bodyHash string, p Page) {
	if it.depth < cr.cfg.MaxDepth && !p.NoFollow {
		for _, l := range p.Links {
			cr.enqueue(l, it.depth+1)
		}
	}
	switch {
	case p.NoIndex:
		cr.skip(it, SkipNoIndex, "noindex", false)
		return
	case !same && p.Title == "" && p.Body == "" && p.Listing:
		cr.skip(it, SkipListing, "a listing with no text of its own", false)
		return
	case !same && p.Title == "" && p.Body == "":
		cr.skip(it, SkipNoText, "no text", false)
		return
	case cr.emitted[docURL]:
		cr.skip(it, SkipDuplicate, "already reported as "+docURL, false)
		return
	}
	cr.emitted[docURL] = true
	r := Result{URL: docURL, Status: res.status, Listing: p.Listing,
		State: PageState{ETag: res.etag, LastModified: res.lastModified, BodyHash: bodyHash}}
	if same {
		r.State.Hash, r.State.Length = known.Hash, known.Length
	} else {
		r.State.Hash = ContentHash(p.Title, p.Body)
		r.State.Length = utf8.RuneCountInString(p.Title) + utf8.RuneCountInString(p.Body)
	}
	switch {
	case same:
		r.Outcome = Unchanged
		cr.stats.Unchanged++
		cr.log.Debug("page unchanged", slog.String("url", docURL), slog.String("by", "body hash"))
	case known != nil && known.Hash == r.State.Hash:
		r.Outcome = Unchanged
		cr.stats.Unchanged++
		cr.log.Debug("page unchanged", slog.String("url", docURL), slog.String("by", "hash"))
	default:
		r.Outcome = Fetched
		r.Doc = index.Document{
			ID: index.DocID(docURL), URL: docURL, Source: cr.cfg.Source,
			Title: p.Title, Body: p.Body, Author: p.Author, Published: p.Published,
		}
		cr.stats.Fetched++
		cr.log.Debug("page fetched", slog.String("url", docURL), slog.Int("depth", it.depth),
			slog.Bool("known", known != nil), slog.Bool("listing", p.Listing))
	}
	cr.emit(r)
	cr.progress()
}

// notModified reports a 304 answer to a conditional request. The
// validators it carries replace the stored ones (RFC 9111 section 4.3.4).
func (cr *crawl) notModified(it item, res *response, known PageState) {
	cr.pages++
	cr.pipe.later(func() {
		if cr.emitted[it.url] {
			cr.skip(it, SkipDuplicate, "already reported as "+it.url, false)
			return
		}
		cr.emitted[it.url] = true
		cr.stats.Unchanged++
		if res.etag != "" {
			known.ETag = res.etag
		}
		if res.lastModified != "" {
			known.LastModified = res.lastModified
		}
		cr.log.Debug("page unchanged", slog.String("url", it.url), slog.String("by", "304"))
		cr.emit(Result{Outcome: Unchanged, URL: it.url, State: known, Status: res.status})
		cr.progress()
	})
}

// gone reports a known page that now answers 404 or 410. For the start
// page it is also the crawl's error: there is nothing left to crawl from.
func (cr *crawl) gone(it item, status int) {
	cr.pages++
	if it.start {
		cr.startErr = &StatusError{Code: status}
	}
	cr.pipe.later(func() {
		cr.stats.Gone++
		cr.log.Info("page gone", slog.String("url", it.url), slog.Int("status", status))
		cr.emit(Result{Outcome: Gone, URL: it.url, Status: status})
		cr.progress()
	})
}
