// Package natstest runs a real NATS server with JetStream inside a test:
// loopback, a random port, a store in the test's temporary directory.
// Only tests import it.
package natstest

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Server is a NATS server a test started. Stop and Start again keep its
// port and store, so that clients reconnect to it as to a restarted
// production server.
type Server struct {
	tb   testing.TB
	opts *server.Options
	srv  *server.Server
}

// Start starts a server, stopped when the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{tb: tb, opts: &server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: tb.TempDir(),
		NoLog: true, NoSigs: true}}
	s.Start()
	s.opts.Port = s.srv.Addr().(*net.TCPAddr).Port
	tb.Cleanup(s.Stop)
	return s
}

// Start starts the server again after Stop.
func (s *Server) Start() {
	s.tb.Helper()
	srv, err := server.NewServer(s.opts)
	if err != nil {
		s.tb.Fatalf("nats server: %v", err)
	}
	srv.Start()
	// A generous deadline: a failure only when the server never comes.
	if !srv.ReadyForConnections(60 * time.Second) {
		s.tb.Fatal("nats server not ready after 60s")
	}
	s.srv = srv
}

// Stop stops the server; it is safe to call more than once.
func (s *Server) Stop() {
	s.srv.Shutdown()
	s.srv.WaitForShutdown()
}

// URL is the server's client URL.
func (s *Server) URL() string { return fmt.Sprintf("nats://127.0.0.1:%d", s.opts.Port) }
