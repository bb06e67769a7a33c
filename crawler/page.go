package crawler

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"

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

// page handles a 2xx answer: it extracts the page, queues its links and
// reports it as Fetched, or Unchanged when its text hashes as last time.
func (cr *crawl) page(it item, res *response, known *PageState) {
	ct := res.contentType
	if ct == "" {
		ct = http.DetectContentType(res.body)
		if !isHTML(ct) {
			cr.skip(it, SkipNotHTML, "not HTML: sniffed "+ct, true)
			return
		}
	}
	final, err := url.Parse(res.url)
	if err != nil {
		cr.fail(it, fmt.Errorf("crawler: final url: %w", err), true)
		return
	}
	docURL, err := index.CanonicalURL(res.url)
	if err != nil {
		cr.fail(it, fmt.Errorf("crawler: final url: %w", err), true)
		return
	}
	cr.seen[docURL] = true
	p := Extract(res.body, decodedContentType(ct), final)
	if it.depth < cr.cfg.MaxDepth && !p.NoFollow {
		for _, l := range p.Links {
			cr.enqueue(l, it.depth+1)
		}
	}
	switch {
	case p.NoIndex:
		cr.skip(it, SkipNoIndex, "noindex", true)
		return
	case p.Title == "" && p.Body == "":
		cr.skip(it, SkipNoText, "no text", true)
		return
	case cr.emitted[docURL]:
		cr.skip(it, SkipDuplicate, "already reported as "+docURL, true)
		return
	}
	cr.emitted[docURL] = true
	cr.pages++
	if docURL != it.url && cr.cfg.Known != nil {
		known = nil
		if st, ok := cr.cfg.Known(docURL); ok {
			known = &st
		}
	}
	r := Result{URL: docURL, Status: res.status, State: PageState{
		ETag: res.etag, LastModified: res.lastModified, Hash: ContentHash(p.Title, p.Body)}}
	if known != nil && known.Hash == r.State.Hash {
		r.Outcome = Unchanged
		cr.stats.Unchanged++
		cr.log.Debug("page unchanged", slog.String("url", docURL), slog.String("by", "hash"))
	} else {
		r.Outcome = Fetched
		r.Doc = index.Document{
			ID: index.DocID(docURL), URL: docURL, Source: cr.cfg.Source,
			Title: p.Title, Body: p.Body, Author: p.Author, Published: p.Published,
		}
		cr.stats.Fetched++
		cr.log.Debug("page fetched", slog.String("url", docURL), slog.Int("depth", it.depth),
			slog.Bool("known", known != nil))
	}
	cr.emit(r)
}

// notModified reports a 304 answer to a conditional request. The
// validators it carries replace the stored ones (RFC 9111 section 4.3.4).
func (cr *crawl) notModified(it item, res *response, known PageState) {
	if cr.emitted[it.url] {
		cr.skip(it, SkipDuplicate, "already reported as "+it.url, true)
		return
	}
	cr.emitted[it.url] = true
	cr.pages++
	cr.stats.Unchanged++
	if res.etag != "" {
		known.ETag = res.etag
	}
	if res.lastModified != "" {
		known.LastModified = res.lastModified
	}
	cr.log.Debug("page unchanged", slog.String("url", it.url), slog.String("by", "304"))
	cr.emit(Result{Outcome: Unchanged, URL: it.url, State: known, Status: res.status})
}

// gone reports a known page that now answers 404 or 410. For the start
// page it is also the crawl's error: there is nothing left to crawl from.
func (cr *crawl) gone(it item, status int) {
	cr.pages++
	cr.stats.Gone++
	cr.log.Info("page gone", slog.String("url", it.url), slog.Int("status", status))
	if it.start {
		cr.startErr = &StatusError{Code: status}
	}
	cr.emit(Result{Outcome: Gone, URL: it.url, Status: status})
}
