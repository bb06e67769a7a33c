package main

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
)

// portFree checks that the demo can listen on addr, so that a busy port is
// said at once, with the flag to change it, rather than after gathering
// the whole sample world. Another process may still take the port in the
// moment between this check and serve's listen; then serve's own error
// stands.
func portFree(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln.Close()
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		return &usageError{msg: fmt.Sprintf("-listen: %s is already in use (another techintel demo or serve?); choose a free address, e.g. -listen %s", addr, nextPort(addr))}
	}
	return &usageError{msg: fmt.Sprintf("-listen: cannot listen on %s: %v", addr, err)}
}

// nextPort suggests the port after addr's.
func nextPort(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "127.0.0.1:8081"
	}
	p, err := strconv.Atoi(port)
	if err != nil || p <= 0 || p >= 65535 {
		return net.JoinHostPort(host, "8081")
	}
	return net.JoinHostPort(host, strconv.Itoa(p+1))
}
