package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// TLS modes of an SMTP connection.
const (
	TLSStartTLS = "starttls" // plain connect, then STARTTLS (RFC 3207), required
	TLSImplicit = "tls"      // TLS from the first byte (RFC 8314, port 465)
	TLSNone     = "none"     // no encryption: only for a relay on this machine
)

// SMTP says how to reach a mail server.
type SMTP struct {
	Host     string
	Port     int
	Username string // empty: no AUTH
	Password string
	TLS      string // TLSStartTLS, TLSImplicit or TLSNone
	Timeout  time.Duration
	// TLSConfig, when set, replaces the default (which verifies Host).
	TLSConfig *tls.Config
}

// Mail is a message with a plain-text and an HTML rendering of the same
// content.
type Mail struct {
	From    *mail.Address
	To      []*mail.Address
	Subject string
	Date    time.Time
	Text    []byte
	HTML    []byte
}

// Message renders m as an RFC 5322 message with a multipart/alternative
// body (RFC 2046): the plain text first, the HTML last, as the preferred
// rendering. Both parts are UTF-8, quoted-printable, so no line is longer
// than SMTP allows (RFC 5321, section 4.5.3.1.6).
func (m Mail) Message() ([]byte, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, part := range []struct {
		ctype string
		data  []byte
	}{{"text/plain; charset=utf-8", m.Text}, {"text/html; charset=utf-8", m.HTML}} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.ctype},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		qp := quotedprintable.NewWriter(w)
		if _, err := qp.Write(part.data); err != nil {
			return nil, err
		}
		if err := qp.Close(); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	var id [12]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, fmt.Errorf("notify: message id: %w", err)
	}
	domain := "techintel.invalid"
	if _, d, ok := strings.Cut(m.From.Address, "@"); ok && d != "" {
		domain = d
	}
	to := make([]string, len(m.To))
	for i, a := range m.To {
		to[i] = a.String()
	}
	var msg bytes.Buffer
	for _, h := range [][2]string{
		{"From", m.From.String()},
		{"To", strings.Join(to, ", ")},
		{"Subject", mime.QEncoding.Encode("utf-8", m.Subject)},
		{"Date", m.Date.Format(time.RFC1123Z)},
		{"Message-ID", "<" + hex.EncodeToString(id[:]) + "@" + domain + ">"},
		{"MIME-Version", "1.0"},
		{"Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()})},
	} {
		if strings.ContainsAny(h[1], "\r\n") {
			return nil, fmt.Errorf("notify: header %s contains a line break", h[0])
		}
		fmt.Fprintf(&msg, "%s: %s\r\n", h[0], h[1])
	}
	msg.WriteString("\r\n")
	msg.Write(body.Bytes())
	return msg.Bytes(), nil
}

// SendMail delivers m through the server. The whole exchange is bounded
// by cfg.Timeout and ctx.
func SendMail(ctx context.Context, cfg SMTP, m Mail) error {
	msg, err := m.Message()
	if err != nil {
		return err
	}
	if err := sendMail(ctx, cfg, m, msg); err != nil {
		return fmt.Errorf("notify: smtp %s: %w", net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)), err)
	}
	return nil
}

func sendMail(ctx context.Context, cfg SMTP, m Mail, msg []byte) error {
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	tlsConfig := cfg.TLSConfig
	if tlsConfig == nil {
		tlsConfig = &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12}
	}
	var conn net.Conn
	var err error
	if cfg.TLS == TLSImplicit {
		conn, err = (&tls.Dialer{Config: tlsConfig}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return err
	}
	// net/smtp takes no context: a deadline on the connection, and closing
	// it when ctx ends, bound every step.
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	c, err := smtp.NewClient(conn, cfg.Host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return err
	}
	if cfg.TLS == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errors.New("server does not offer STARTTLS (set tls = \"tls\" for port 465, or \"none\" for a local relay)")
		}
		if err := c.StartTLS(tlsConfig); err != nil {
			return fmt.Errorf("starttls: %w", err)
		}
	}
	if cfg.Username != "" {
		// PlainAuth refuses to send the password over an unencrypted
		// connection to anything but localhost.
		if err := c.Auth(smtp.PlainAuth("", cfg.Username, cfg.Password, cfg.Host)); err != nil {
			return fmt.Errorf("auth: %w", err)
		}
	}
	if err := c.Mail(m.From.Address); err != nil {
		return fmt.Errorf("mail from: %w", err)
	}
	for _, to := range m.To {
		if err := c.Rcpt(to.Address); err != nil {
			return fmt.Errorf("rcpt to %s: %w", to.Address, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	// The server took the message with its answer to the end of DATA; a
	// failing QUIT loses nothing.
	_ = c.Quit()
	return nil
}
