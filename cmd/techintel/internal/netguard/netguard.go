// Package netguard builds the HTTP transport every fetch goes through: it
// refuses, at connect time, addresses a crawler must not reach (loopback,
// private, link-local and other reserved ranges) unless private networks
// are allowed.
package netguard

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// blockedPrefixes are the address ranges a fetch may not reach unless
// http.allow_private_networks is set: loopback, private, link-local,
// CGNAT, benchmarking, multicast, reserved and unspecified ranges, and the
// NAT64 prefix that can map to any of them. net.IP.IsPrivate and friends
// miss several of these (the README lists the ranges under http.allow_private_networks).
var blockedPrefixes = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
		"172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15",
		"198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
		"::/128", "::1/128", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001:db8::/32",
		"fc00::/7", "fe80::/10", "ff00::/8",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// BlockedAddr reports whether ip is in a blocked range. IPv4-mapped IPv6
// addresses are checked as IPv4. The zone is dropped first: netip never
// finds a zoned address (fe80::1%eth0) inside a prefix, which would let
// link-local targets through.
func BlockedAddr(ip netip.Addr) bool {
	ip = ip.Unmap().WithZone("")
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// NewTransport returns the transport every fetch goes through. Unless
// allowPrivate, the dialer refuses blocked addresses at connect time, after
// DNS resolution, so redirects and DNS answers that change between a check
// and the connection are covered too (the way miniflux does it).
func NewTransport(allowPrivate bool, timeout time.Duration) *http.Transport {
	if allowPrivate {
		return Guarded(nil, timeout)
	}
	return Guarded(BlockedAddr, timeout)
}

// Guarded is NewTransport with the address check given: refuse
// (nil: none) is asked about every address right before it is dialled.
// Tests use it to let one loopback test server stand for the internet.
func Guarded(refuse func(netip.Addr) bool, timeout time.Duration) *http.Transport {
	d := &net.Dialer{Timeout: min(timeout, 10*time.Second), KeepAlive: 30 * time.Second}
	if refuse != nil {
		d.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("refusing to connect to %s: %w", address, err)
			}
			if refuse(ap.Addr()) {
				return fmt.Errorf("refusing to connect to %s: private or reserved address (set http.allow_private_networks = true to allow)", ap.Addr())
			}
			return nil
		}
	}
	return &http.Transport{
		// No proxy from the environment: the guard must see the address
		// actually dialled.
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
	}
}

// PrivateHost reports whether a URL's host is, literally, a place the
// guarded transport will refuse: a blocked address or a localhost name.
// It lets a URL be refused when it is entered, before any connection.
func PrivateHost(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	if ip, err := netip.ParseAddr(strings.Trim(h, "[]")); err == nil {
		return BlockedAddr(ip)
	}
	// Numeric forms the resolver accepts but ParseAddr does not ("2130706433").
	if n, err := strconv.ParseUint(h, 0, 32); err == nil {
		return BlockedAddr(netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}))
	}
	return false
}
