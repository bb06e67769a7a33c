package engine

import "testing"

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
