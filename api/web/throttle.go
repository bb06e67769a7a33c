package web

import (
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Failed logins are throttled per client address: a few mistakes cost
// nothing, then one guess every loginEvery. A 16-character token is out
// of reach of guessing anyway; the throttle keeps a script from burning
// CPU and log lines, and makes it show.
const (
	loginBurst     = 5
	loginEvery     = 10 * time.Second
	loginMaxTracks = 10000 // bound on the clients remembered
)

// loginThrottle holds a token bucket of failures per client address.
type loginThrottle struct {
	now func() time.Time

	mu      sync.Mutex
	clients map[string]*rate.Limiter
}

func newLoginThrottle(now func() time.Time) *loginThrottle {
	return &loginThrottle{now: now, clients: map[string]*rate.Limiter{}}
}

// clientAddr is the address a request comes from, without its port.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// wait says how long a client must wait before its next attempt; zero
// means it may try now.
func (t *loginThrottle) wait(client string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	lim, ok := t.clients[client]
	if !ok {
		return 0
	}
	now := t.now()
	if tokens := lim.TokensAt(now); tokens < 1 {
		return time.Duration((1 - tokens) * float64(loginEvery))
	}
	return 0
}

// fail records a failed attempt.
func (t *loginThrottle) fail(client string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	lim, ok := t.clients[client]
	if !ok {
		if len(t.clients) >= loginMaxTracks {
			t.sweep(now)
		}
		lim = rate.NewLimiter(rate.Every(loginEvery), loginBurst)
		t.clients[client] = lim
	}
	lim.AllowN(now, 1)
}

// sweep forgets clients whose bucket is full again (the same as never
// seen); if none is, it forgets arbitrary ones, which only forgives them.
func (t *loginThrottle) sweep(now time.Time) {
	for k, lim := range t.clients {
		if lim.TokensAt(now) >= loginBurst {
			delete(t.clients, k)
		}
	}
	for k := range t.clients {
		if len(t.clients) < loginMaxTracks {
			break
		}
		delete(t.clients, k)
	}
}
