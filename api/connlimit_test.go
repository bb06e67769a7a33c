package api

import (
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestLimitListenerCapsConnectionsPerAddress: connections past the cap
// from one address are closed at accept; a slot comes back when one of
// them closes, and requests are served again.
func TestLimitListenerCapsConnectionsPerAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }),
		ReadHeaderTimeout: time.Minute}
	go srv.Serve(LimitListener(ln, 3))
	defer srv.Close()
	addr := ln.Addr().String()

	var held []net.Conn
	for range 3 { // slow clients that never send a request
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		held = append(held, c)
	}
	// Accept runs in order, so once the fourth is closed by the server,
	// the three before it hold their slots.
	extra, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	extra.SetReadDeadline(time.Now().Add(time.Minute))
	if _, err := extra.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("the connection past the cap: %v, want it closed (EOF)", err)
	}

	held[0].Close()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := client.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no slot came back after a connection closed: %v", err)
		}
		time.Sleep(10 * time.Millisecond) // polling for the event, not a window
	}
	if l := LimitListener(ln, 0); l != ln {
		t.Error("a cap of 0 is not off")
	}
}
