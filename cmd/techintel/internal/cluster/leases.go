package cluster

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
)

// Lease is one of a host's run slots, held in the hosts bucket. It
// expires LeaseTTL after its last renewal, so that a dead worker's slots
// come free by themselves.
type Lease struct {
	c     *Conn
	key   string
	owner string
	rev   uint64
}

// hostKey is the bucket key of slot i of host: key characters are
// limited, so the host is base64url-encoded.
func hostKey(host string, i int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strings.ToLower(host))) + "." + strconv.Itoa(i)
}

// HostOf is the host (with its port, when given) a source URL runs
// against: what politeness limits.
func HostOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return rawURL
	}
	return strings.ToLower(u.Host)
}

// TryLease takes one of the n run slots of host for owner, or returns nil
// when all n are held.
func (c *Conn) TryLease(ctx context.Context, host, owner string, n int) (*Lease, error) {
	for i := range max(1, n) {
		key := hostKey(host, i)
		rev, err := c.kv.Create(ctx, key, []byte(owner))
		if errors.Is(err, jetstream.ErrKeyExists) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("cluster: lease on %s: %w", host, err)
		}
		return &Lease{c: c, key: key, owner: owner, rev: rev}, nil
	}
	return nil, nil
}

// Renew pushes the lease's expiry LeaseTTL further. It fails when the
// lease expired and another worker took the slot.
func (l *Lease) Renew(ctx context.Context) error {
	rev, err := l.c.kv.Update(ctx, l.key, []byte(l.owner), l.rev)
	if err != nil {
		return fmt.Errorf("cluster: renew lease %s: %w", l.key, err)
	}
	l.rev = rev
	return nil
}

// Release frees the slot, unless it expired and was taken since.
func (l *Lease) Release(ctx context.Context) error {
	err := l.c.kv.Delete(ctx, l.key, jetstream.LastRevision(l.rev))
	if err != nil {
		return fmt.Errorf("cluster: release lease %s: %w", l.key, err)
	}
	return nil
}
