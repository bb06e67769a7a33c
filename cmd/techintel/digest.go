package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
	"github.com/techintel/techintel/cmd/techintel/internal/engine"
	"github.com/techintel/techintel/index/digest"
)

// cmdDigest prints the weekly digest.
func cmdDigest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("digest", stderr)
	configPath := fs.String("config", "", "config file (TOML)")
	week := fs.String("week", "", "ISO week, e.g. 2026-W47 (default: the last complete week)")
	format := fs.String("format", "markdown", "markdown, html or json")
	send := fs.Bool("send", false, "mail the digest through [digest.smtp] now instead of printing it")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format != "markdown" && *format != "html" && *format != "json" {
		return &usageError{msg: fmt.Sprintf("-format: %q is not markdown, html or json", *format)}
	}
	cfg, err := loadConfigFlag(*configPath)
	if err != nil {
		return err
	}
	if *week == "" {
		*week = digest.LastCompleteWeek(time.Now())
	}
	if _, err := digest.ParseWeek(*week); err != nil {
		return &usageError{msg: "-week: " + err.Error()}
	}
	var mailer *engine.DigestMailer
	if *send {
		if cfg.Digest.SMTP == nil {
			return &usageError{msg: "-send: the config has no [digest.smtp] table"}
		}
		if mailer, err = engine.NewDigestMailer(engineSMTP(cfg.Digest.SMTP)); err != nil {
			return err
		}
	}
	dd, err := datadir.Open(cfg.DataDir)
	if datadir.IsInUse(err) {
		// serve holds the index: ask its API.
		if mailer != nil {
			text, terr := apiGet(ctx, cfg, "/api/v1/digest", url.Values{"week": {*week}, "format": {"markdown"}}, err)
			if terr != nil {
				return terr
			}
			html, herr := apiGet(ctx, cfg, "/api/v1/digest", url.Values{"week": {*week}, "format": {"html"}}, err)
			if herr != nil {
				return herr
			}
			return mailNow(ctx, mailer, *week, text, html, stdout)
		}
		body, err := apiGet(ctx, cfg, "/api/v1/digest", url.Values{"week": {*week}, "format": {*format}}, err)
		if err != nil {
			return err
		}
		_, err = stdout.Write(body)
		return err
	}
	if err != nil {
		return err
	}
	defer dd.Close()
	d, err := engine.DigestOf(ctx, cfg.settings(), dd, *week)
	if err != nil {
		return err
	}
	if mailer != nil {
		text, html, err := engine.RenderForMail(d)
		if err != nil {
			return err
		}
		return mailNow(ctx, mailer, *week, text, html, stdout)
	}
	return renderDigest(stdout, d, *format)
}

// mailNow sends one digest (digest -send) and says to whom.
func mailNow(ctx context.Context, m *engine.DigestMailer, week string, text, html []byte, stdout io.Writer) error {
	if err := m.Send(ctx, week, text, html); err != nil {
		return err
	}
	to := m.Recipients()
	_, err := fmt.Fprintf(stdout, "digest %s mailed to %s\n", week, strings.Join(to, ", "))
	return err
}

// renderDigest writes a digest in one of the formats; another format is
// a bad command line.
func renderDigest(w io.Writer, d *digest.Digest, format string) error {
	switch format {
	case "json", "markdown", "html":
		return engine.RenderDigest(w, d, format)
	}
	return &usageError{msg: fmt.Sprintf("-format: %q is not markdown, html or json", format)}
}
