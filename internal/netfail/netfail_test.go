package netfail

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestDescribe(t *testing.T) {
	// A port nothing listens on: a real refused connection.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	defer tlsSrv.Close()

	get := func(url string) error {
		c := &http.Client{Timeout: time.Minute}
		res, err := c.Get(url)
		if err == nil {
			res.Body.Close()
		}
		return err
	}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nxdomain", &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Name: "www.ietf.org", Err: "no such host", IsNotFound: true}},
			"cannot resolve www.ietf.org: no such host; check the URL for a typo, or whether this machine is offline"},
		{"dns timeout", &net.DNSError{Name: "www.ietf.org", Err: "i/o timeout", IsTimeout: true},
			"cannot resolve www.ietf.org: no DNS answer in time; is this machine offline?"},
		{"no dns server", &net.DNSError{Name: "www.ietf.org", Err: "server misbehaving"},
			"cannot resolve www.ietf.org: no DNS answer (server misbehaving); is this machine offline?"},
		{"refused", get("http://" + closed + "/"), "connection refused by " + closed + ": is the server down, or is the port wrong?"},
		{"self-signed", get(tlsSrv.URL), "TLS certificate not trusted"},
		{"deadline", context.DeadlineExceeded, "no answer within 20s"},
		{"unknown kept", errors.New("something else"), "something else"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err == nil {
				t.Fatal("the case gave no error")
			}
			got := Describe(tt.err, "example.org", 20*time.Second, false)
			if !strings.HasPrefix(got.Error(), tt.want) {
				t.Errorf("Describe = %q, want it to start with %q", got, tt.want)
			}
			inner := tt.err
			var uerr *url.Error
			if errors.As(inner, &uerr) {
				inner = uerr.Err // Describe drops the wrapper that repeats the URL
			}
			if !errors.Is(got, inner) {
				t.Errorf("Describe(%v) drops the error from the chain", tt.err)
			}
			for _, leak := range []string{"dial tcp", "lookup "} {
				if strings.Contains(got.Error(), leak) {
					t.Errorf("Describe = %q leaks Go's text %q", got, leak)
				}
			}
		})
	}
}
