// Package netfail says what went wrong with a network request in a
// person's words ("cannot resolve www.ietf.org: no DNS answer; is this
// machine offline?") instead of Go's transport text ("dial tcp: lookup
// www.ietf.org on 10.0.0.53:53: no such host"). The feed reader and the
// crawler share it, so one failure reads the same from either.
package netfail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// failure is an error with a message written for the person who configured
// the source, keeping the error it describes in the chain for errors.Is and
// errors.As (context.DeadlineExceeded, *net.DNSError, x509 errors...).
type failure struct {
	msg string
	err error
}

func (e *failure) Error() string { return e.msg }
func (e *failure) Unwrap() error { return e.err }

// Describe turns an error of the transport, or of reading the body when
// reading is set, into one that says what happened in a user's terms: a
// timeout, a refused connection, an unknown host, a certificate problem.
// host is the request's host, timeout the per-request timeout. Errors it
// does not recognise are returned as they are.
func Describe(err error, host string, timeout time.Duration, reading bool) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err // its message repeats the method and URL
	}
	var (
		dnsErr  *net.DNSError
		opErr   *net.OpError
		netErr  net.Error
		certErr *tls.CertificateVerificationError
		recErr  tls.RecordHeaderError
		alert   tls.AlertError
	)
	errors.As(err, &opErr) // for the address, when there is one
	switch {
	case errors.As(err, &dnsErr):
		return &failure{DNS(dnsErr), err}
	case opErr != nil && opErr.Op == "dial" && errors.As(err, &netErr) && netErr.Timeout():
		return &failure{fmt.Sprintf("cannot connect to %s: no answer to the connection attempt", addrOr(opErr, host)), err}
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		if reading {
			return &failure{fmt.Sprintf("the answer did not arrive in full within %s", timeout), err}
		}
		return &failure{fmt.Sprintf("no answer within %s", timeout), err}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &failure{fmt.Sprintf("connection refused by %s: is the server down, or is the port wrong?", addrOr(opErr, host)), err}
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return &failure{fmt.Sprintf("cannot reach %s: no route to the host; is this machine offline?", addrOr(opErr, host)), err}
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		if reading {
			return &failure{"the server closed the connection in the middle of the answer", err}
		}
		return &failure{"the server closed the connection without answering", err}
	case errors.As(err, &certErr):
		return &failure{describeCert(certErr.Err), err}
	case errors.As(err, &recErr):
		return &failure{"TLS handshake failed: the server does not speak TLS (https) on this port", err}
	case errors.As(err, &alert):
		return &failure{"TLS handshake failed: the server sent " + alert.Error(), err}
	}
	return err
}

// DNS explains a failed lookup. A resolver that answers "no such host" for
// every name is what an offline machine behind a local DNS forwarder sees,
// so the message names both causes.
func DNS(e *net.DNSError) string {
	switch {
	case e.IsNotFound:
		return fmt.Sprintf("cannot resolve %s: no such host; check the URL for a typo, or whether this machine is offline", e.Name)
	case e.IsTimeout:
		return fmt.Sprintf("cannot resolve %s: no DNS answer in time; is this machine offline?", e.Name)
	}
	return fmt.Sprintf("cannot resolve %s: no DNS answer (%s); is this machine offline?", e.Name, e.Err)
}

// describeCert explains why a server's certificate was refused.
func describeCert(err error) string {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &unknown):
		return "TLS certificate not trusted: it is signed by an unknown authority (self-signed, or a private CA)"
	case errors.As(err, &hostname):
		return "TLS certificate is for another host: " + strings.TrimPrefix(hostname.Error(), "x509: ")
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return "TLS certificate expired or not yet valid: " + strings.TrimPrefix(invalid.Error(), "x509: ")
	}
	return "TLS certificate refused: " + strings.TrimPrefix(err.Error(), "x509: ")
}

// addrOr returns the address a dial failed on, or else host.
func addrOr(op *net.OpError, host string) string {
	if op != nil && op.Addr != nil {
		return op.Addr.String()
	}
	return host
}
