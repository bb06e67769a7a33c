package smtptest

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"testing"
)

// Parts parses m's data as a multipart/alternative message (the digest
// mail) into its headers and its parts by media type, decoded; it fails
// the test on anything else.
func (m Message) Parts(tb testing.TB) (mail.Header, map[string][]byte) {
	tb.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		tb.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		tb.Fatalf("Content-Type %q", msg.Header.Get("Content-Type"))
	}
	parts := map[string][]byte{}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if parts[ct], err = io.ReadAll(p); err != nil {
			tb.Fatal(err)
		}
	}
	return msg.Header, parts
}
