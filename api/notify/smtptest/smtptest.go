// Package smtptest is a small SMTP server on loopback for tests, in the
// spirit of net/http/httptest: it speaks enough of RFC 5321 (EHLO,
// STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT) to receive a
// message from net/smtp and hand it to the test.
package smtptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// TLS modes, as notify names them.
const (
	None     = "none"
	StartTLS = "starttls"
	Implicit = "tls"
)

// Options configure a Server.
type Options struct {
	TLS string // None (default), StartTLS or Implicit
	// Username and Password, when set, are required (AUTH PLAIN) before
	// MAIL.
	Username, Password string
	// FailData answers the first FailData DATA commands with a 451.
	FailData int
}

// Message is one message the server accepted.
type Message struct {
	From     string
	To       []string
	Data     []byte // as sent, dot-unstuffed
	AuthUser string // "" without AUTH
	TLS      bool   // whether the session was encrypted
}

// Server is a running test SMTP server.
type Server struct {
	Host string
	Port int

	opts     Options
	ln       net.Listener
	tlsConf  *tls.Config
	certPool *x509.CertPool

	mu       sync.Mutex
	messages []Message
	dataSeen int
	wg       sync.WaitGroup
}

// NewServer starts a server on 127.0.0.1; it stops when the test ends.
func NewServer(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s := &Server{opts: opts}
	s.tlsConf, s.certPool = selfSigned(tb)
	var err error
	s.ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	if opts.TLS == Implicit {
		s.ln = tls.NewListener(s.ln, s.tlsConf)
	}
	addr := s.ln.Addr().(*net.TCPAddr)
	s.Host, s.Port = addr.IP.String(), addr.Port
	s.wg.Add(1)
	go s.accept()
	tb.Cleanup(func() {
		s.ln.Close()
		s.wg.Wait()
	})
	return s
}

// ClientTLS returns a client configuration that trusts the server's
// certificate.
func (s *Server) ClientTLS() *tls.Config {
	return &tls.Config{RootCAs: s.certPool, ServerName: s.Host, MinVersion: tls.VersionTLS12}
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// DataCommands returns how many DATA commands came, failed or not.
func (s *Server) DataCommands() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dataSeen
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			c.SetDeadline(time.Now().Add(30 * time.Second))
			s.session(c)
		}()
	}
}

func (s *Server) session(c net.Conn) {
	tp := textproto.NewConn(c)
	_, encrypted := c.(*tls.Conn)
	reply := func(code int, lines ...string) {
		for i, l := range lines {
			sep := "-"
			if i == len(lines)-1 {
				sep = " "
			}
			tp.PrintfLine("%d%s%s", code, sep, l)
		}
	}
	reply(220, "smtptest ESMTP")
	var msg Message
	authed := s.opts.Username == ""
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			ext := []string{"smtptest"}
			if s.opts.TLS == StartTLS && !encrypted {
				ext = append(ext, "STARTTLS")
			}
			if s.opts.Username != "" {
				ext = append(ext, "AUTH PLAIN")
			}
			reply(250, append(ext, "8BITMIME")...)
		case "STARTTLS":
			if s.opts.TLS != StartTLS || encrypted {
				reply(502, "not now")
				continue
			}
			reply(220, "go ahead")
			tc := tls.Server(c, s.tlsConf)
			if err := tc.Handshake(); err != nil {
				return
			}
			c, encrypted = tc, true
			tp = textproto.NewConn(tc)
			msg = Message{}
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			b, err := base64.StdEncoding.DecodeString(resp)
			parts := bytes.Split(b, []byte{0})
			if !strings.EqualFold(mech, "PLAIN") || err != nil || len(parts) != 3 ||
				string(parts[1]) != s.opts.Username || string(parts[2]) != s.opts.Password {
				reply(535, "authentication failed")
				continue
			}
			authed, msg.AuthUser = true, string(parts[1])
			reply(235, "ok")
		case "MAIL":
			if !authed {
				reply(530, "authentication required")
				continue
			}
			msg.From, msg.To = addrOf(arg), nil
			reply(250, "ok")
		case "RCPT":
			msg.To = append(msg.To, addrOf(arg))
			reply(250, "ok")
		case "DATA":
			s.mu.Lock()
			s.dataSeen++
			fail := s.dataSeen <= s.opts.FailData
			s.mu.Unlock()
			if fail {
				reply(451, "try again later")
				continue
			}
			reply(354, "go on")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			msg.Data, msg.TLS = data, encrypted
			s.mu.Lock()
			s.messages = append(s.messages, msg)
			s.mu.Unlock()
			msg = Message{AuthUser: msg.AuthUser}
			reply(250, "queued")
		case "RSET":
			msg = Message{AuthUser: msg.AuthUser}
			reply(250, "ok")
		case "NOOP":
			reply(250, "ok")
		case "QUIT":
			reply(221, "bye")
			return
		default:
			reply(502, "unknown command")
		}
	}
}

// addrOf takes the address out of "FROM:<a@b> SIZE=…".
func addrOf(arg string) string {
	_, rest, _ := strings.Cut(arg, "<")
	addr, _, _ := strings.Cut(rest, ">")
	return addr
}

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(tb testing.TB) (*tls.Config, *x509.CertPool) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "smtptest"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}},
		MinVersion: tls.VersionTLS12}, pool
}
