package engine

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/mail"
	"os"
	"strings"
	"time"

	"github.com/techintel/techintel/api/notify"
	"github.com/techintel/techintel/index/digest"
)

// SMTP defaults: STARTTLS on the submission port (RFC 6409).
const (
	defaultSMTPTLS     = notify.TLSStartTLS
	defaultSMTPTimeout = time.Minute
)

// DigestMailer mails weekly digests.
type DigestMailer struct {
	smtp notify.SMTP
	from *mail.Address
	to   []*mail.Address
	// retries are the waits between attempts of the scheduled send.
	retries []time.Duration
}

// digestRetries: a failed scheduled send is tried three more times over
// about 20 minutes.
var digestRetries = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute}

// NewDigestMailer returns the mailer of [digest.smtp], nil without it. The
// password comes from the environment when password_env names it.
func NewDigestMailer(cfg *SMTP) (*DigestMailer, error) {
	if cfg == nil {
		return nil, nil
	}
	password := cfg.Password
	if cfg.PasswordEnv != "" {
		password = os.Getenv(cfg.PasswordEnv)
		if password == "" {
			return nil, configErrorf("digest.smtp.password_env: environment variable %s is not set", cfg.PasswordEnv)
		}
	}
	m := &DigestMailer{
		smtp: notify.SMTP{Host: cfg.Host, Port: cfg.Port, Username: cfg.Username, Password: password,
			TLS: cfg.TLS, Timeout: cfg.Timeout},
		retries: digestRetries,
	}
	var err error
	if m.from, err = mail.ParseAddress(cfg.From); err != nil {
		return nil, configErrorf("digest.smtp.from: %v", err) // validated already
	}
	for _, to := range cfg.To {
		a, err := mail.ParseAddress(to)
		if err != nil {
			return nil, configErrorf("digest.smtp.to: %v", err)
		}
		m.to = append(m.to, a)
	}
	return m, nil
}

// send mails one week's digest: the Markdown rendering as the plain-text
// part, the HTML page as the HTML part.
func (m *DigestMailer) Send(ctx context.Context, week string, text, html []byte) error {
	return notify.SendMail(ctx, m.smtp, notify.Mail{
		From: m.from, To: m.to, Date: time.Now(),
		Subject: "techintel weekly digest " + week,
		Text:    text, HTML: html,
	})
}

// RenderForMail renders a digest for send.
func RenderForMail(d *digest.Digest) (text, html []byte, err error) {
	var t, h bytes.Buffer
	if err := digest.WriteMarkdown(&t, d); err != nil {
		return nil, nil, err
	}
	if err := digest.WriteHTML(&h, d); err != nil {
		return nil, nil, err
	}
	return t.Bytes(), h.Bytes(), nil
}

// sendWithRetries mails a digest, trying again after each wait of
// m.retries; every failure is logged, and so is giving up.
func (m *DigestMailer) sendWithRetries(ctx context.Context, d *digest.Digest, log *slog.Logger) error {
	text, html, err := RenderForMail(d)
	if err != nil {
		return err
	}
	to := make([]string, len(m.to))
	for i, a := range m.to {
		to[i] = a.Address
	}
	for attempt := 0; ; attempt++ {
		err := m.Send(ctx, d.Week, text, html)
		if err == nil {
			log.Info("weekly digest mailed", slog.String("week", d.Week), slog.String("to", strings.Join(to, ", ")))
			return nil
		}
		if attempt == len(m.retries) {
			return fmt.Errorf("digest %s not mailed after %d attempts (send it later with techintel digest -send -week %s): %w", d.Week, attempt+1, d.Week, err)
		}
		log.Warn("mailing the weekly digest failed; will retry", slog.String("week", d.Week), slog.Int("attempt", attempt+1),
			slog.Duration("retry_in", m.retries[attempt]), slog.Any("error", err))
		select {
		case <-time.After(m.retries[attempt]):
		case <-ctx.Done():
			return fmt.Errorf("digest %s not mailed: shutting down (send it with techintel digest -send -week %s): %w", d.Week, d.Week, err)
		}
	}
}

// Recipients are the addresses m mails to.
func (m *DigestMailer) Recipients() []string {
	to := make([]string, len(m.to))
	for i, a := range m.to {
		to[i] = a.Address
	}
	return to
}
