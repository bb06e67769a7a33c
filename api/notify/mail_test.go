package notify_test

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/techintel/techintel/api/notify"
	"github.com/techintel/techintel/api/notify/smtptest"
)

func testMail() notify.Mail {
	long := strings.Repeat("Nokia and Ericsson agree on Open RAN. ", 60) // one line of 2,280 bytes
	return notify.Mail{
		From:    &mail.Address{Name: "techintel", Address: "digest@example.org"},
		To:      []*mail.Address{{Address: "a@example.org"}, {Name: "Bé Ø", Address: "b@example.org"}},
		Subject: "Weekly digest 2026-W45 — Nokia",
		Date:    time.Date(2026, 11, 9, 7, 0, 0, 0, time.UTC),
		Text:    []byte("# Weekly digest\n\n" + long + "\n=ünïcode= line.\n.\n"),
		HTML:    []byte("<!doctype html><p>Weekly digest</p><p>" + long + "</p><p>=ünïcode=</p>\n"),
	}
}

// checkMessage parses a received message and checks its headers and both
// parts against m.
func checkMessage(t *testing.T, data []byte, m notify.Mail) {
	t.Helper()
	for _, line := range bytes.Split(data, []byte("\n")) { // ReadDotBytes turned CRLF into LF
		if len(line) > 998 {
			t.Fatalf("a line of %d bytes (RFC 5321 allows 998)", len(line))
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	h := msg.Header
	subject, _ := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	to, _ := h.AddressList("To")
	from, _ := h.AddressList("From")
	if subject != m.Subject || len(to) != 2 || to[1].Name != "Bé Ø" || from[0].Address != "digest@example.org" ||
		h.Get("MIME-Version") != "1.0" || h.Get("Message-ID") == "" {
		t.Errorf("headers: %v", h)
	}
	if d, err := h.Date(); err != nil || !d.Equal(m.Date) {
		t.Errorf("Date: %v, %v", d, err)
	}
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q: %v", h.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for _, want := range []struct {
		ctype string
		body  []byte
	}{{"text/plain; charset=utf-8", m.Text}, {"text/html; charset=utf-8", m.HTML}} {
		p, err := mr.NextPart() // decodes the quoted-printable
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(p)
		if p.Header.Get("Content-Type") != want.ctype || !bytes.Equal(body, want.body) {
			t.Errorf("part %q:\n%q\nwant %q:\n%q", p.Header.Get("Content-Type"), body, want.ctype, want.body)
		}
	}
	if _, err := mr.NextPart(); err != io.EOF {
		t.Errorf("more than two parts: %v", err)
	}
}

func TestSendMail(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts smtptest.Options
	}{
		{"none", smtptest.Options{TLS: smtptest.None}},
		{"starttls with auth", smtptest.Options{TLS: smtptest.StartTLS, Username: "u", Password: "p@ss"}},
		{"implicit tls with auth", smtptest.Options{TLS: smtptest.Implicit, Username: "u", Password: "p@ss"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := smtptest.NewServer(t, tc.opts)
			cfg := notify.SMTP{Host: srv.Host, Port: srv.Port, Username: tc.opts.Username, Password: tc.opts.Password,
				TLS: tc.opts.TLS, Timeout: time.Minute, TLSConfig: srv.ClientTLS()}
			m := testMail()
			if err := notify.SendMail(context.Background(), cfg, m); err != nil {
				t.Fatal(err)
			}
			got := srv.Messages()
			if len(got) != 1 {
				t.Fatalf("%d messages", len(got))
			}
			if got[0].From != "digest@example.org" || strings.Join(got[0].To, ",") != "a@example.org,b@example.org" ||
				got[0].AuthUser != tc.opts.Username || got[0].TLS != (tc.opts.TLS != smtptest.None) {
				t.Errorf("envelope: %+v", got[0])
			}
			checkMessage(t, got[0].Data, m)
		})
	}
}

func TestSendMailErrors(t *testing.T) {
	plain := smtptest.NewServer(t, smtptest.Options{})
	authed := smtptest.NewServer(t, smtptest.Options{TLS: smtptest.StartTLS, Username: "u", Password: "right"})
	for _, tc := range []struct {
		name string
		cfg  notify.SMTP
		want string
	}{
		{"starttls not offered", notify.SMTP{Host: plain.Host, Port: plain.Port, TLS: notify.TLSStartTLS}, "does not offer STARTTLS"},
		{"wrong password", notify.SMTP{Host: authed.Host, Port: authed.Port, TLS: notify.TLSStartTLS, Username: "u", Password: "wrong", TLSConfig: authed.ClientTLS()}, "auth: 535"},
		{"untrusted certificate", notify.SMTP{Host: authed.Host, Port: authed.Port, TLS: notify.TLSStartTLS}, "starttls: tls: failed to verify certificate"},
		{"nobody listening", notify.SMTP{Host: "127.0.0.1", Port: 1, TLS: notify.TLSNone}, "connection refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := notify.SendMail(context.Background(), tc.cfg, testMail())
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "notify: smtp ") {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if n := len(plain.Messages()) + len(authed.Messages()); n != 0 {
		t.Errorf("%d messages went through", n)
	}
}
