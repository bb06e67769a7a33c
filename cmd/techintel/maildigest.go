package main

import (
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/techintel/techintel/api/notify"
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
