package engine

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/techintel/techintel/api/notify/smtptest"
	"github.com/techintel/techintel/index/digest"
)

// TestDigestMailerPasswordFromEnv: password_env is read when the mailer
// is built, and a variable that is not set is the user's mistake.
func TestDigestMailerPasswordFromEnv(t *testing.T) {
	cfg := &SMTP{Host: "mail.example", Port: 587, PasswordEnv: "TECHINTEL_TEST_SMTP_PASSWORD", From: "digest@example.com",
		To: []string{"team@example.com"}, TLS: "starttls"}
	if _, err := NewDigestMailer(cfg); err == nil {
		t.Fatal("a password_env that is not set was accepted")
	}
	t.Setenv("TECHINTEL_TEST_SMTP_PASSWORD", "from-env")
	m, err := NewDigestMailer(cfg)
	if err != nil || m.smtp.Password != "from-env" {
		t.Fatalf("mailer: %v; password %q, want from-env", err, m.smtp.Password)
	}
}

// smtpFor is the mailer settings for srv, with the configuration's
// default timeout.
func smtpFor(srv *smtptest.Server) *SMTP {
	return &SMTP{Host: srv.Host, Port: srv.Port, TLS: "none", From: "techintel <digest@example.org>",
		To: []string{"a@example.org", "b@example.org"}, Timeout: time.Minute}
}

// TestWeeklyDigestJobMails: the scheduled job writes the digest files and
// mails the same digest, retrying after the server refuses once.
func TestWeeklyDigestJobMails(t *testing.T) {
	e := newWebhookEnv(t)
	e.feed.add("Nokia opens a lab")
	if _, err := e.g.RunSource(context.Background(), "news"); err != nil {
		t.Fatal(err)
	}
	srv := smtptest.NewServer(t, smtptest.Options{FailData: 1})
	m, err := NewDigestMailer(smtpFor(srv))
	if err != nil {
		t.Fatal(err)
	}
	m.retries = []time.Duration{time.Millisecond, time.Millisecond}
	var logs bytes.Buffer
	now := time.Now().AddDate(0, 0, 7) // the current week is then the last complete one
	week := digest.WeekOf(time.Now())
	weeklyDigestJob(context.Background(), e.g.digester(func() time.Time { return now }), m, slog.New(slog.NewTextHandler(&logs, nil)))

	md, err := os.ReadFile(filepath.Join(e.cfg.DataDir, "digests", week+".md"))
	if err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(filepath.Join(e.cfg.DataDir, "digests", week+".html"))
	if err != nil {
		t.Fatal(err)
	}
	got := srv.Messages()
	if len(got) != 1 || srv.DataCommands() != 2 {
		t.Fatalf("%d messages after %d DATA commands; want 1 after 2\n%s", len(got), srv.DataCommands(), logs.String())
	}
	if strings.Join(got[0].To, ",") != "a@example.org,b@example.org" || got[0].From != "digest@example.org" {
		t.Errorf("envelope %+v", got[0])
	}
	h, parts := got[0].Parts(t)
	if h.Get("Subject") != "techintel weekly digest "+week || h.Get("To") != "<a@example.org>, <b@example.org>" || h.Get("From") != `"techintel" <digest@example.org>` {
		t.Errorf("headers: %v", h)
	}
	if !bytes.Equal(parts["text/plain"], md) || !bytes.Equal(parts["text/html"], html) || !bytes.Contains(md, []byte("Nokia opens a lab")) {
		t.Errorf("parts do not match the digest files:\n%s", parts["text/plain"])
	}
	if !strings.Contains(logs.String(), "will retry") || !strings.Contains(logs.String(), "weekly digest mailed") {
		t.Errorf("logs:\n%s", logs.String())
	}
}

// TestWeeklyDigestJobMailDown: a server that never takes the message
// costs the mail, not the files, and the failure is logged.
func TestWeeklyDigestJobMailDown(t *testing.T) {
	e := newWebhookEnv(t)
	srv := smtptest.NewServer(t, smtptest.Options{FailData: 100})
	m, err := NewDigestMailer(smtpFor(srv))
	if err != nil {
		t.Fatal(err)
	}
	m.retries = []time.Duration{time.Millisecond, time.Millisecond}
	var logs bytes.Buffer
	now := time.Now()
	weeklyDigestJob(context.Background(), e.g.digester(func() time.Time { return now }), m, slog.New(slog.NewTextHandler(&logs, nil)))
	if _, err := os.Stat(filepath.Join(e.cfg.DataDir, "digests", digest.LastCompleteWeek(now)+".html")); err != nil {
		t.Errorf("digest file: %v", err)
	}
	if srv.DataCommands() != 3 || !strings.Contains(logs.String(), "not mailed after 3 attempts") || !strings.Contains(logs.String(), "451") {
		t.Errorf("%d attempts; logs:\n%s", srv.DataCommands(), logs.String())
	}
}
