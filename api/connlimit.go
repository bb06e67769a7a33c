package api

import (
	"net"
	"sync"
	"time"
)

// Slow clients: a client that sends its request slowly is cut by the
// server's read timeouts, one that reads its answer slowly by the write
// timeout, and one address cannot hold more than a bounded number of
// connections at once (LimitListener). The red-team's 2,000 slow readers
// from one address made a /healthz wait 4.7 s; with the cap, the excess
// is closed at accept and costs nothing.

// LongWrite is how long the answer of a long operation (running a
// source, writing a backup) may take to write; everything else has the
// server's WriteTimeout.
const LongWrite = 30 * time.Minute

// LimitListener returns ln with at most perIP connections open at once
// from one IP address; more are closed as soon as they are accepted.
// perIP < 1 means no limit.
func LimitListener(ln net.Listener, perIP int) net.Listener {
	if perIP < 1 {
		return ln
	}
	return &ipLimitListener{Listener: ln, perIP: perIP, open: map[string]int{}}
}

type ipLimitListener struct {
	net.Listener
	perIP int

	mu   sync.Mutex
	open map[string]int
}

// Accept returns the next connection within its address's cap.
func (l *ipLimitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := remoteIP(c)
		l.mu.Lock()
		ok := l.open[ip] < l.perIP
		if ok {
			l.open[ip]++
		}
		l.mu.Unlock()
		if !ok {
			c.Close()
			continue
		}
		return &countedConn{Conn: c, release: func() { l.release(ip) }}, nil
	}
}

func (l *ipLimitListener) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip]--; l.open[ip] <= 0 {
		delete(l.open, ip)
	}
}

func remoteIP(c net.Conn) string {
	host, _, err := net.SplitHostPort(c.RemoteAddr().String())
	if err != nil {
		return c.RemoteAddr().String()
	}
	return host
}

// countedConn gives its slot back once, when closed.
type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
