package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/techintel/techintel/api/notify/smtptest"
	"github.com/techintel/techintel/cmd/techintel/internal/engine"
	"github.com/techintel/techintel/index/digest"
)

func TestSMTPConfig(t *testing.T) {
	const base = "[digest.smtp]\nhost = \"mail.example.org\"\nfrom = \"techintel <digest@example.org>\"\nto = [\"a@example.org\"]\n"
	cfg, err := ParseConfig(base)
	if err != nil {
		t.Fatal(err)
	}
	if s := cfg.Digest.SMTP; s.TLS != "starttls" || s.Port != 587 || s.Timeout.D() != time.Minute {
		t.Errorf("defaults: %+v", s)
	}
	for tls, port := range map[string]int{"tls": 465, "none": 25} {
		cfg, err := ParseConfig(base + "tls = \"" + tls + "\"\n")
		if err != nil || cfg.Digest.SMTP.Port != port {
			t.Errorf("tls = %s: port %v, %v; want %d", tls, cfg.Digest.SMTP.Port, err, port)
		}
	}
	if cfg, _ := ParseConfig(""); cfg.Digest.SMTP != nil {
		t.Error("no [digest.smtp] gives a mailer config")
	}
	for _, tc := range []struct{ name, config, want string }{
		{"missing host", strings.Replace(base, "host = \"mail.example.org\"\n", "", 1), "digest.smtp.host: required"},
		{"bad port", base + "port = 70000\n", "digest.smtp.port: 70000 is not a port"},
		{"bad tls", base + "tls = \"ssl\"\n", `digest.smtp.tls: unknown mode "ssl" (want starttls, tls or none)`},
		{"missing from", strings.Replace(base, "from = \"techintel <digest@example.org>\"\n", "", 1), "digest.smtp.from: required"},
		{"bad from", strings.Replace(base, "digest@example.org", "not an address", 1), `digest.smtp.from: "techintel <not an address>" is not a mail address`},
		{"no recipients", strings.Replace(base, `to = ["a@example.org"]`, "to = []", 1), "digest.smtp.to: at least one address required"},
		{"bad recipient", strings.Replace(base, `"a@example.org"`, `"a@example.org", "b@"`, 1), `digest.smtp.to[1]: "b@" is not a mail address`},
		{"both passwords", base + "username = \"u\"\npassword = \"p\"\npassword_env = \"P\"\n", "digest.smtp: set password or password_env, not both"},
		{"bad env name", base + "username = \"u\"\npassword_env = \"MY-PASS\"\n", `digest.smtp.password_env: "MY-PASS" is not an environment variable name`},
		{"password without user", base + "password = \"p\"\n", "digest.smtp.username: required with a password"},
		{"user without password", base + "username = \"u\"\n", "digest.smtp.password: required with a username"},
		{"password in clear", base + "username = \"u\"\npassword = \"p\"\ntls = \"none\"\n", `digest.smtp.tls: "none" would send the password unencrypted to mail.example.org`},
		{"unknown key", base + "starttls = true\n", `unknown key "digest.smtp.starttls"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig(tc.config)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
	// A password over plain text to a relay on this machine is allowed.
	if _, err := ParseConfig(strings.Replace(base, "mail.example.org", "127.0.0.1", 1) + "username = \"u\"\npassword = \"p\"\ntls = \"none\"\n"); err != nil {
		t.Errorf("loopback relay: %v", err)
	}
	// password_env is read when the mailer is built.
	cfg, _ = ParseConfig(base + "username = \"u\"\npassword_env = \"TECHINTEL_TEST_SMTP_PASSWORD\"\n")
	if _, err := engine.NewDigestMailer(engineSMTP(cfg.Digest.SMTP)); err == nil || !strings.Contains(err.Error(), "digest.smtp.password_env: environment variable TECHINTEL_TEST_SMTP_PASSWORD is not set") {
		t.Errorf("unset password_env: %v", err)
	}
	t.Setenv("TECHINTEL_TEST_SMTP_PASSWORD", "from-env")
	if m, err := engine.NewDigestMailer(engineSMTP(cfg.Digest.SMTP)); err != nil || m == nil {
		t.Errorf("password_env: %+v, %v", m, err)
	}
}

// TestDigestSendCommand: techintel digest -send mails one week now.
func TestDigestSendCommand(t *testing.T) {
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Nokia opens a lab</title><link>https://news.example/0</link><description>Nokia opens a lab, in detail.</description></item>
</channel></rss>`)
	}))
	defer feed.Close()
	srv := smtptest.NewServer(t, smtptest.Options{Username: "u", Password: "secret"})
	dir := t.TempDir()
	path := filepath.Join(dir, "c.toml")
	text := fmt.Sprintf(`data_dir = "data"
[http]
allow_private_networks = true
[[watch]]
name = "Nokia"
role = "own"
[[sources]]
name = "news"
type = "feed"
url = "%s/feed"
[digest.smtp]
host = "127.0.0.1"
port = %d
tls = "none"
username = "u"
password_env = "TECHINTEL_TEST_SMTP_PASSWORD"
from = "digest@example.org"
to = ["a@example.org"]
`, feed.URL, srv.Port)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"crawl", "-config", path}, &stdout, &stderr); code != 0 {
		t.Fatalf("crawl: %d %s", code, stderr.String())
	}
	week := digest.WeekOf(time.Now())
	args := []string{"digest", "-config", path, "-week", week, "-send"}
	stderr.Reset()
	if code := run(context.Background(), args, &stdout, &stderr); code != exitUsage || !strings.Contains(stderr.String(), "password_env: environment variable TECHINTEL_TEST_SMTP_PASSWORD is not set") {
		t.Errorf("without the password: exit %d, %s", code, stderr.String())
	}
	t.Setenv("TECHINTEL_TEST_SMTP_PASSWORD", "secret")
	stdout.Reset()
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("digest -send: exit %d: %s", code, stderr.String())
	}
	if stdout.String() != "digest "+week+" mailed to a@example.org\n" {
		t.Errorf("stdout = %q", stdout.String())
	}
	got := srv.Messages()
	if len(got) != 1 || got[0].AuthUser != "u" {
		t.Fatalf("messages: %+v", got)
	}
	_, parts := got[0].Parts(t)
	if !bytes.Contains(parts["text/plain"], []byte("Nokia opens a lab")) || !bytes.Contains(parts["text/html"], []byte("<html")) {
		t.Errorf("parts:\n%s\n%s", parts["text/plain"], parts["text/html"])
	}

	// Without [digest.smtp], -send is a usage error.
	os.WriteFile(path, []byte(text[:strings.Index(text, "[digest.smtp]")]), 0o600)
	stderr.Reset()
	if code := run(context.Background(), args, &stdout, &stderr); code != exitUsage || !strings.Contains(stderr.String(), "-send: the config has no [digest.smtp] table") {
		t.Errorf("no smtp: exit %d, %s", code, stderr.String())
	}
}
