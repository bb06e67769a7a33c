package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/mail"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/techintel/techintel/api/notify"
	"github.com/techintel/techintel/index/digest"
)

// SMTPConfig is the [digest.smtp] table: mail each weekly digest.
type SMTPConfig struct {
	Host        string   `toml:"host"`
	Port        int      `toml:"port"`
	Username    string   `toml:"username"`
	Password    string   `toml:"password"`
	PasswordEnv string   `toml:"password_env"`
	From        string   `toml:"from"`
	To          []string `toml:"to"`
	TLS         string   `toml:"tls"`
	Timeout     Duration `toml:"timeout"`
}

// SMTP defaults: STARTTLS on the submission port (RFC 6409).
const (
	defaultSMTPTLS     = notify.TLSStartTLS
	defaultSMTPTimeout = time.Minute
)

func (c *SMTPConfig) applyDefaults() {
	if c.TLS == "" {
		c.TLS = defaultSMTPTLS
	}
	if c.Port == 0 {
		switch c.TLS {
		case notify.TLSImplicit:
			c.Port = 465
		case notify.TLSNone:
			c.Port = 25
		default:
			c.Port = 587
		}
	}
	if c.Timeout == 0 {
		c.Timeout = Duration(defaultSMTPTimeout)
	}
}

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (c *SMTPConfig) validate() error {
	const field = "digest.smtp"
	if strings.TrimSpace(c.Host) == "" {
		return configErrorf("%s.host: required", field)
	}
	if c.Port < 1 || c.Port > 65535 {
		return configErrorf("%s.port: %d is not a port (1-65535)", field, c.Port)
	}
	switch c.TLS {
	case notify.TLSStartTLS, notify.TLSImplicit, notify.TLSNone:
	default:
		return configErrorf("%s.tls: unknown mode %q (want starttls, tls or none)", field, c.TLS)
	}
	if c.Timeout < 0 {
		return configErrorf("%s.timeout: must not be negative", field)
	}
	if c.From == "" {
		return configErrorf("%s.from: required", field)
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return configErrorf("%s.from: %q is not a mail address: %v", field, c.From, err)
	}
	if len(c.To) == 0 {
		return configErrorf("%s.to: at least one address required", field)
	}
	for i, to := range c.To {
		if _, err := mail.ParseAddress(to); err != nil {
			return configErrorf("%s.to[%d]: %q is not a mail address: %v", field, i, to, err)
		}
	}
	if c.Password != "" && c.PasswordEnv != "" {
		return configErrorf("%s: set password or password_env, not both", field)
	}
	if c.PasswordEnv != "" && !envNameRE.MatchString(c.PasswordEnv) {
		return configErrorf("%s.password_env: %q is not an environment variable name", field, c.PasswordEnv)
	}
	hasPassword := c.Password != "" || c.PasswordEnv != ""
	if c.Username == "" && hasPassword {
		return configErrorf("%s.username: required with a password", field)
	}
	if c.Username != "" && !hasPassword {
		return configErrorf("%s.password: required with a username (or password_env)", field)
	}
	if c.Username != "" && c.TLS == notify.TLSNone && !isLoopbackHost(c.Host) {
		return configErrorf("%s.tls: \"none\" would send the password unencrypted to %s; use starttls or tls", field, c.Host)
	}
	return nil
}

// digestMailer mails weekly digests.
type digestMailer struct {
	smtp notify.SMTP
	from *mail.Address
	to   []*mail.Address
	// retries are the waits between attempts of the scheduled send.
	retries []time.Duration
}

// digestRetries: a failed scheduled send is tried three more times over
// about 20 minutes.
var digestRetries = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute}

// newDigestMailer returns the mailer of [digest.smtp], nil without it. The
// password comes from the environment when password_env names it.
func newDigestMailer(cfg *SMTPConfig) (*digestMailer, error) {
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
	m := &digestMailer{
		smtp: notify.SMTP{Host: cfg.Host, Port: cfg.Port, Username: cfg.Username, Password: password,
			TLS: cfg.TLS, Timeout: cfg.Timeout.D()},
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
func (m *digestMailer) send(ctx context.Context, week string, text, html []byte) error {
	return notify.SendMail(ctx, m.smtp, notify.Mail{
		From: m.from, To: m.to, Date: time.Now(),
		Subject: "techintel weekly digest " + week,
		Text:    text, HTML: html,
	})
}

// renderForMail renders a digest for send.
func renderForMail(d *digest.Digest) (text, html []byte, err error) {
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
func (m *digestMailer) sendWithRetries(ctx context.Context, d *digest.Digest, log *slog.Logger) error {
	text, html, err := renderForMail(d)
	if err != nil {
		return err
	}
	to := make([]string, len(m.to))
	for i, a := range m.to {
		to[i] = a.Address
	}
	for attempt := 0; ; attempt++ {
		err := m.send(ctx, d.Week, text, html)
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
