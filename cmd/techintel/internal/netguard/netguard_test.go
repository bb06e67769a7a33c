package netguard

import (
	"net/netip"
	"testing"
)

func TestBlockedAddr(t *testing.T) {
	blocked := []string{
		"127.0.0.1", "127.1.2.3", "::ffff:127.0.0.1", "::1", "0.0.0.0", "0.1.2.3", "::",
		"10.0.0.1", "::ffff:10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1", "100.64.0.1",
		"169.254.169.254", "::ffff:169.254.169.254", "fe80::1", "fe80::1%eth0", "fd00::1", "fc00::1",
		"224.0.0.1", "239.255.255.250", "ff02::1", "ff05::2", "255.255.255.255", "240.0.0.1",
		"198.18.0.1", "192.0.0.8", "64:ff9b::7f00:1", "64:ff9b:1::a00:1", "2001:db8::1", "100::1",
	}
	allowed := []string{"93.184.216.34", "8.8.8.8", "1.1.1.1", "::ffff:8.8.8.8", "2606:2800:220:1::1", "2a00:1450:4001::200e", "172.32.0.1", "100.128.0.1"}
	for _, s := range blocked {
		if !BlockedAddr(netip.MustParseAddr(s)) {
			t.Errorf("%s is not blocked", s)
		}
	}
	for _, s := range allowed {
		if BlockedAddr(netip.MustParseAddr(s)) {
			t.Errorf("public %s is blocked", s)
		}
	}
}
