// Package notify sends what techintel raises to the outside: alerts as
// signed webhook POSTs and weekly digests by mail (net/smtp). It knows
// nothing of the outbox that schedules webhook deliveries; it sends one and
// says how it went.
package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/techintel/techintel/index"
)

// Headers of a webhook delivery.
const (
	// HeaderSignature is "sha256=" and the hex HMAC-SHA256, keyed with the
	// subscription's secret, of the timestamp, a ".", and the body.
	HeaderSignature = "X-Techintel-Signature"
	// HeaderTimestamp is the Unix time (seconds) the request was signed.
	// It is part of the signed payload, so a receiver that refuses old
	// timestamps refuses replays.
	HeaderTimestamp = "X-Techintel-Timestamp"
	// HeaderDelivery is the alert ID: the same on every retry of one
	// delivery, for receivers to drop duplicates.
	HeaderDelivery = "X-Techintel-Delivery"
)

// Payload is the JSON body of a webhook delivery: a Slack-compatible
// "text" and the whole alert.
type Payload struct {
	Text         string              `json:"text"`
	Subscription PayloadSubscription `json:"subscription"`
	Alert        PayloadAlert        `json:"alert"`
}

// PayloadSubscription names the subscription that alerted.
type PayloadSubscription struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Query string `json:"query"`
}

// PayloadAlert is the alert, as GET /api/v1/alerts lists it.
type PayloadAlert struct {
	ID           string    `json:"id"`
	Subscription string    `json:"subscription"`
	Created      time.Time `json:"created"`
	Document     index.Hit `json:"document"`
}

// NewPayload builds the payload of an alert. The text is Slack mrkdwn: a
// link to the document, its source and the subscription's name.
func NewPayload(subID, subName, subQuery, alertID string, created time.Time, doc index.Hit) Payload {
	title := doc.Title
	if strings.TrimSpace(title) == "" {
		title = doc.URL
	}
	text := fmt.Sprintf("New match for %s: <%s|%s>", slackEscape(subName), slackEscape(doc.URL), slackEscape(title))
	if doc.Source != "" {
		text += " (" + slackEscape(doc.Source) + ")"
	}
	return Payload{
		Text:         text,
		Subscription: PayloadSubscription{ID: subID, Name: subName, Query: subQuery},
		Alert:        PayloadAlert{ID: alertID, Subscription: subID, Created: created.UTC(), Document: doc},
	}
}

// slackEscape escapes the three characters Slack's mrkdwn gives meaning
// to, and a "|" that would end a link's URL part early.
var slackEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "|", "¦").Replace

// Sign returns the signature header value of body signed at ts.
func Sign(secret string, ts time.Time, body []byte) string {
	return "sha256=" + hex.EncodeToString(mac(secret, strconv.FormatInt(ts.Unix(), 10), body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// ErrBadSignature: a delivery's signature or timestamp does not verify.
var ErrBadSignature = errors.New("notify: bad webhook signature")

// Verify checks a delivery's signature and timestamp headers against its
// body, as a receiver written in Go would: the timestamp must lie within
// tolerance of now, and the signature is compared in constant time.
func Verify(secret, signature, timestamp string, body []byte, now time.Time, tolerance time.Duration) error {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q is not Unix seconds", ErrBadSignature, timestamp)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: timestamp %s is %v away from now", ErrBadSignature, timestamp, d.Round(time.Second))
	}
	got, err := hex.DecodeString(strings.TrimPrefix(signature, "sha256="))
	if err != nil || !strings.HasPrefix(signature, "sha256=") {
		return fmt.Errorf("%w: want sha256=<hex>", ErrBadSignature)
	}
	if !hmac.Equal(got, mac(secret, timestamp, body)) {
		return fmt.Errorf("%w: mismatch", ErrBadSignature)
	}
	return nil
}

// Sender POSTs webhook deliveries. It follows no redirect, caps the
// response it reads, and gives each request a timeout.
type Sender struct {
	client    *http.Client
	userAgent string
	now       func() time.Time
}

// maxResponse is how much of a receiver's answer is read (and mostly
// discarded, so the connection can be reused).
const maxResponse = 64 << 10

// NewSender returns a sender over rt (which should refuse private targets
// unless they are allowed: techintel gives it the fetchers' guarded
// transport).
func NewSender(rt http.RoundTripper, userAgent string, timeout time.Duration) *Sender {
	return &Sender{
		client: &http.Client{
			Transport: rt,
			Timeout:   timeout,
			// A redirect is an answer, not an invitation: following it
			// would POST the alert somewhere the subscription never named.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		userAgent: userAgent,
		now:       time.Now,
	}
}

// SendError is a delivery that did not succeed.
type SendError struct {
	Status     int           // 0 when no answer came
	RetryAfter time.Duration // from a Retry-After header, if any
	Err        error
}

func (e *SendError) Error() string { return e.Err.Error() }
func (e *SendError) Unwrap() error { return e.Err }

// Send POSTs p to url, signed with secret. A 2xx answer is success; any
// other outcome is a *SendError.
func (s *Sender) Send(ctx context.Context, url, secret string, p Payload) error {
	body, err := json.Marshal(p)
	if err != nil {
		return &SendError{Err: fmt.Errorf("notify: encode payload: %w", err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return &SendError{Err: fmt.Errorf("notify: %w", err)}
	}
	now := s.now()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.userAgent)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(HeaderSignature, Sign(secret, now, body))
	req.Header.Set(HeaderDelivery, p.Alert.ID)
	resp, err := s.client.Do(req)
	if err != nil {
		return &SendError{Err: fmt.Errorf("notify: post %s: %w", redact(url), unwrapURLError(err))}
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	msg := fmt.Sprintf("notify: post %s: HTTP %d", redact(url), resp.StatusCode)
	if loc, err := resp.Location(); resp.StatusCode >= 300 && resp.StatusCode < 400 && err == nil {
		msg += " redirect to " + redact(loc.String()) + " not followed"
	} else if snippet := oneLine(answer, 200); snippet != "" {
		msg += ": " + snippet
	}
	return &SendError{Status: resp.StatusCode, RetryAfter: RetryAfter(resp.Header.Get("Retry-After"), now), Err: errors.New(msg)}
}

// unwrapURLError drops the *url.Error wrapper, whose text repeats the URL
// with any secret path in it.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// redact keeps a webhook URL's scheme and host only: its path is often
// the credential (Slack, Teams), and errors end up in logs and the API.
func redact(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return "(invalid URL)"
	}
	host, _, _ := strings.Cut(rest, "/")
	if _, h, ok := strings.Cut(host, "@"); ok {
		host = h
	}
	return scheme + "://" + host + "/…"
}

func oneLine(b []byte, n int) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}

// RetryAfter parses a Retry-After header, delay-seconds or an HTTP date
// (RFC 9110, section 10.2.3), into a delay from now; 0 when absent or
// unusable.
func RetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, int64(30*24*time.Hour/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// Backoff is the retry policy of webhook deliveries: the delay doubles
// from Base up to Cap with each attempt, with ±20% jitter; a longer
// Retry-After is honoured; after MaxAge from the alert, a delivery gives
// up.
type Backoff struct {
	Base, Cap, MaxAge time.Duration
}

// DefaultBackoff: 30 s doubling to an hour, for three days.
var DefaultBackoff = Backoff{Base: 30 * time.Second, Cap: time.Hour, MaxAge: 72 * time.Hour}

// Next returns when to try again after the attempts-th failed attempt at
// now of a delivery created at created, or zero to give up. u is a uniform
// random number in [0, 1) for the jitter.
func (b Backoff) Next(attempts int, created, now time.Time, retryAfter time.Duration, u float64) time.Time {
	deadline := created.Add(b.MaxAge)
	if !now.Before(deadline) {
		return time.Time{}
	}
	d := b.Base
	for i := 1; i < attempts && d < b.Cap; i++ {
		d *= 2
	}
	d = min(d, b.Cap)
	d = time.Duration(float64(d) * (0.8 + 0.4*u))
	d = max(d, retryAfter)
	next := now.Add(d)
	if next.After(deadline) {
		// One last try at the deadline, unless the receiver asked to wait
		// beyond it.
		if retryAfter > 0 && now.Add(retryAfter).After(deadline) {
			return time.Time{}
		}
		next = deadline
	}
	return next
}
