package feeds

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Defaults for NewFetcher arguments that are zero or negative.
const (
	DefaultTimeout = 30 * time.Second
	DefaultMaxBody = 10 << 20
)

// maxRetryAfter bounds how long a server may ask us to stay away; larger
// values are clamped rather than trusted.
const maxRetryAfter = 7 * 24 * time.Hour

// accept prefers the feed media types and still takes the generic ones that
// many servers use for feeds.
const accept = "application/rss+xml, application/atom+xml, application/feed+json, " +
	"application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"

// ErrTooLarge is wrapped by the error Fetch returns for a body over the cap.
var ErrTooLarge = errors.New("body too large")

// Validators are the HTTP cache validators of a previous fetch (RFC 9111
// section 4.3.1): sending them back lets the server answer 304 Not Modified
// instead of sending the same feed again.
type Validators struct {
	ETag         string // the ETag header, sent back in If-None-Match
	LastModified string // the Last-Modified header, sent back in If-Modified-Since
}

// Fetcher fetches feeds over HTTP. It is safe for concurrent use.
type Fetcher struct {
	client    *http.Client
	timeout   time.Duration // the client's, for error messages
	userAgent string
	maxBody   int64
	now       func() time.Time // for Retry-After dates; replaced in tests
}

// NewFetcher returns a Fetcher that sends requests through rt (nil means
// http.DefaultTransport; callers pass one that refuses private addresses),
// identifies itself as userAgent, gives up on a request after timeout
// (DefaultTimeout if zero), and refuses bodies larger than maxBody bytes
// after decompression (DefaultMaxBody if zero).
func NewFetcher(rt http.RoundTripper, userAgent string, timeout time.Duration, maxBody int64) *Fetcher {
	if rt == nil {
		rt = http.DefaultTransport
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	return &Fetcher{
		client:    &http.Client{Transport: rt, Timeout: timeout},
		timeout:   timeout,
		userAgent: userAgent,
		maxBody:   maxBody,
		now:       time.Now,
	}
}

// Response is the outcome of a successful Fetch.
type Response struct {
	URL         string // final URL after redirects
	NotModified bool   // the server answered 304: Body is nil
	Body        []byte
	ContentType string
	// Validators are this response's, to send with the next fetch. On a 304
	// they are the request's, updated by any the 304 carries (RFC 9111
	// section 4.3.4).
	Validators Validators
}

// StatusError is the error for an HTTP status other than 2xx and 304.
type StatusError struct {
	URL    string
	Code   int
	Status string // e.g. "404 Not Found"
	// RetryAfter is the wait a 429 or 503 asked for with Retry-After
	// (RFC 9110 section 10.2.3), 0 if it did not say.
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("feeds: fetch %q: %s (retry after %s)", e.URL, e.Status, e.RetryAfter)
	}
	return fmt.Sprintf("feeds: fetch %q: %s", e.URL, e.Status)
}

// Fetch GETs rawURL, conditionally when v holds validators of an earlier
// fetch (RFC 9111 section 4.3.1). It follows up to 10 redirects. A status
// other than 2xx or 304 is a *StatusError; a body over the cap wraps
// ErrTooLarge.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string, v Validators) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("feeds: fetch %q: %w", rawURL, err)
	}
	req.Header.Set("User-Agent", f.userAgent)
	req.Header.Set("Accept", accept)
	// Accept-Encoding is deliberately not set: the transport asks for gzip
	// itself and then decompresses transparently, which it does not do for
	// a header set by hand.
	if v.ETag != "" {
		req.Header.Set("If-None-Match", v.ETag)
	}
	if v.LastModified != "" {
		// Sent back exactly as received (RFC 9110 section 13.1.3).
		req.Header.Set("If-Modified-Since", v.LastModified)
	}

	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("feeds: fetch %q: %w", rawURL, describe(ctx, err, req.URL.Host, f.timeout, false))
	}
	defer resp.Body.Close()

	out := &Response{
		URL:         resp.Request.URL.String(),
		ContentType: resp.Header.Get("Content-Type"),
		Validators: Validators{
			ETag:         resp.Header.Get("ETag"),
			LastModified: resp.Header.Get("Last-Modified"),
		},
	}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		drain(resp.Body)
		if v == (Validators{}) {
			return nil, fmt.Errorf("feeds: fetch %q: 304 Not Modified to an unconditional request", rawURL)
		}
		// A 304 updates the stored response's headers with those it carries
		// (RFC 9111 section 4.3.4); the validators it leaves out still hold.
		if out.Validators.ETag == "" {
			out.Validators.ETag = v.ETag
		}
		if out.Validators.LastModified == "" {
			out.Validators.LastModified = v.LastModified
		}
		out.NotModified = true
		return out, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		drain(resp.Body)
		e := &StatusError{URL: rawURL, Code: resp.StatusCode, Status: statusText(resp)}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), f.now())
		}
		return nil, e
	}
	if out.Body, err = f.readBody(resp); err != nil {
		if !errors.Is(err, ErrTooLarge) {
			err = describe(ctx, err, req.URL.Host, f.timeout, true)
		}
		return nil, fmt.Errorf("feeds: fetch %q: %w", rawURL, err)
	}
	return out, nil
}

// readBody reads the body, decompressed, up to the cap. The cap applies after
// decompression: a small gzip body can expand a thousandfold.
func (f *Fetcher) readBody(resp *http.Response) ([]byte, error) {
	var r io.Reader = resp.Body
	if !resp.Uncompressed && strings.EqualFold(strings.TrimSpace(resp.Header.Get("Content-Encoding")), "gzip") {
		// A transport that did not ask for gzip (or a server that sends it
		// unasked) leaves the body compressed.
		gz, err := gzip.NewReader(resp.Body)
		if err != nil {
			return nil, fmt.Errorf("gzip body: %w", err)
		}
		defer gz.Close()
		r = gz
	} else if resp.ContentLength > f.maxBody {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, resp.ContentLength, f.maxBody)
	}
	body, err := io.ReadAll(io.LimitReader(r, f.maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if int64(len(body)) > f.maxBody {
		return nil, fmt.Errorf("%w: over the limit of %d bytes", ErrTooLarge, f.maxBody)
	}
	return body, nil
}

// statusText is "404 Not Found": the standard reason phrase when there is
// one, as servers' own are sometimes empty or odd.
func statusText(resp *http.Response) string {
	if t := http.StatusText(resp.StatusCode); t != "" {
		return fmt.Sprintf("%d %s", resp.StatusCode, t)
	}
	return resp.Status
}

// retryAfter parses a Retry-After value, either seconds or an HTTP date
// (RFC 9110 section 10.2.3), into a wait from now; 0 if absent or invalid.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now).Round(time.Second)
	}
	return min(max(d, 0), maxRetryAfter)
}

// drain reads a little of an unwanted body so that the connection can be
// reused, without reading an unbounded one.
func drain(r io.Reader) {
	_, _ = io.Copy(io.Discard, io.LimitReader(r, 64<<10))
}
