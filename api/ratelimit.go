package api

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateLimit is a token bucket per API token (per client IP for requests
// without a valid token): PerSecond requests a second on average, Burst
// at once. A zero PerSecond turns the limit off.
type RateLimit struct {
	PerSecond float64
	Burst     int
}

// maxBuckets bounds the limiter's memory whatever the number of clients.
const maxBuckets = 10000

// sweepEvery is how often idle buckets are looked for.
const sweepEvery = time.Minute

// rateLimiter keeps one bucket per client. A bucket not used for as long
// as it takes to refill completely is the same as a new one, so dropping
// it loses nothing: that is how idle buckets are evicted.
type rateLimiter struct {
	limit rate.Limit
	burst int
	full  time.Duration // time for an empty bucket to refill
	now   func() time.Time

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newRateLimiter(rl RateLimit, now func() time.Time) *rateLimiter {
	if rl.PerSecond <= 0 {
		return nil
	}
	burst := max(rl.Burst, 1)
	full := time.Duration(float64(burst) / rl.PerSecond * float64(time.Second))
	return &rateLimiter{limit: rate.Limit(rl.PerSecond), burst: burst, full: full, now: now,
		buckets: map[string]*bucket{}, lastSweep: now()}
}

// allow takes one request from key's bucket. When the bucket is empty it
// returns false and how long until a request would be allowed.
func (l *rateLimiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[key]
	if !ok {
		if now.Sub(l.lastSweep) >= sweepEvery || len(l.buckets) >= maxBuckets {
			l.sweep(now)
		}
		b = &bucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now) // a refused request costs nothing
		return false, d
	}
	return true, 0
}

// sweep drops buckets idle long enough to be full again; if the map is
// still at its bound (many clients at once), it drops arbitrary ones,
// which only gives those clients a fresh bucket.
func (l *rateLimiter) sweep(now time.Time) {
	l.lastSweep = now
	for k, b := range l.buckets {
		if now.Sub(b.seen) >= l.full {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < maxBuckets {
			break
		}
		delete(l.buckets, k)
	}
}

// size is the number of buckets held.
func (l *rateLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// limit wraps h: a client over its rate gets 429 with Retry-After.
func (s *Server) limit(h http.Handler) http.Handler {
	if s.limiter == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok, wait := s.limiter.allow(s.clientKey(r))
		if !ok {
			secs := int(math.Ceil(wait.Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
			writeError(w, http.StatusTooManyRequests, "rate limit exceeded: retry after "+strconv.Itoa(max(secs, 1))+" s")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// clientKey names the bucket of a request: its token when it carries a
// valid one, otherwise the client's IP address (so that guessing tokens
// is rate limited too).
func (s *Server) clientKey(r *http.Request) string {
	if raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		if tok := s.auth.match(strings.TrimSpace(raw)); tok != nil {
			return "token:" + tok.Name
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "ip:" + host
}
