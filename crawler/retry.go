package crawler

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// parseRetryAfter reads a Retry-After header (RFC 9110 section 10.2.3):
// either a number of seconds or an HTTP-date. A date in the past means no
// wait. ok is false when the header is absent or malformed.
func parseRetryAfter(h string, now time.Time) (wait time.Duration, ok bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(h, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		// Anything over a day is as good as forever here; the bound keeps
		// the multiplication from overflowing.
		return time.Duration(min(secs, 86400)) * time.Second, true
	}
	at, err := http.ParseTime(h)
	if err != nil {
		return 0, false
	}
	return max(at.Sub(now), 0), true
}

// retryable reports whether a status may come with a Retry-After we honour:
// 429 Too Many Requests (RFC 6585 section 4) and 503 Service Unavailable.
func retryable(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable
}
