package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/techintel/techintel/api/notify"
	"github.com/techintel/techintel/index"
)

// The vector was computed outside Go:
//
//	printf '%s' '1700000000.{"text":"hello"}' | openssl dgst -sha256 -hmac test-secret
const (
	vectorSecret = "test-secret"
	vectorBody   = `{"text":"hello"}`
	vectorSig    = "sha256=6da739e62eefd9c884903e3baad8b3138992977792f02b915b9306065dab63da"
)

func TestSignKnownVector(t *testing.T) {
	ts := time.Unix(1700000000, 0)
	if got := notify.Sign(vectorSecret, ts, []byte(vectorBody)); got != vectorSig {
		t.Fatalf("Sign = %s, want %s", got, vectorSig)
	}
	now := ts.Add(time.Minute)
	for _, tc := range []struct {
		name, secret, sig, ts, body string
		now                         time.Time
		ok                          bool
	}{
		{"valid", vectorSecret, vectorSig, "1700000000", vectorBody, now, true},
		{"tampered body", vectorSecret, vectorSig, "1700000000", `{"text":"hellO"}`, now, false},
		{"wrong secret", "other-secret", vectorSig, "1700000000", vectorBody, now, false},
		{"timestamp changed", vectorSecret, vectorSig, "1700000001", vectorBody, now, false},
		{"replayed an hour later", vectorSecret, vectorSig, "1700000000", vectorBody, ts.Add(time.Hour), false},
		{"no prefix", vectorSecret, strings.TrimPrefix(vectorSig, "sha256="), "1700000000", vectorBody, now, false},
		{"not hex", vectorSecret, "sha256=zz", "1700000000", vectorBody, now, false},
		{"bad timestamp", vectorSecret, vectorSig, "yesterday", vectorBody, now, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := notify.Verify(tc.secret, tc.sig, tc.ts, []byte(tc.body), tc.now, 5*time.Minute)
			if tc.ok != (err == nil) {
				t.Fatalf("Verify = %v, want ok %v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, notify.ErrBadSignature) {
				t.Errorf("error %v does not wrap ErrBadSignature", err)
			}
		})
	}
}

func testPayload() notify.Payload {
	doc := index.Hit{ID: "d1", URL: "https://news.example/a?x=1&y=2", Title: "Nokia <b>wins</b> | big", Source: "news",
		Published: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), Components: []string{"own"}, Entities: []string{"Nokia"}, Technologies: []string{}}
	return notify.NewPayload("sub1", "Nokia & friends", "nokia", "42", time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC), doc)
}

func TestPayloadText(t *testing.T) {
	p := testPayload()
	want := "New match for Nokia &amp; friends: <https://news.example/a?x=1&amp;y=2|Nokia &lt;b&gt;wins&lt;/b&gt; ¦ big> (news)"
	if p.Text != want {
		t.Errorf("text = %q\nwant   %q", p.Text, want)
	}
	b, _ := json.Marshal(p)
	var back map[string]any
	json.Unmarshal(b, &back)
	alert := back["alert"].(map[string]any)
	if alert["id"] != "42" || alert["subscription"] != "sub1" || alert["document"].(map[string]any)["url"] != "https://news.example/a?x=1&y=2" {
		t.Errorf("payload JSON = %s", b)
	}
}

func TestSendSignsTheExactBody(t *testing.T) {
	var got *http.Request
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		body, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	s := notify.NewSender(http.DefaultTransport, "techintel-test", time.Minute)
	if err := s.Send(context.Background(), srv.URL+"/hook", "s3cret", testPayload()); err != nil {
		t.Fatal(err)
	}
	if got.Method != http.MethodPost || got.Header.Get("Content-Type") != "application/json" || got.Header.Get("User-Agent") != "techintel-test" {
		t.Errorf("request: %s %v", got.Method, got.Header)
	}
	if got.Header.Get(notify.HeaderDelivery) != "42" {
		t.Errorf("delivery header = %q", got.Header.Get(notify.HeaderDelivery))
	}
	if err := notify.Verify("s3cret", got.Header.Get(notify.HeaderSignature), got.Header.Get(notify.HeaderTimestamp), body, time.Now(), 5*time.Minute); err != nil {
		t.Errorf("receiver cannot verify: %v", err)
	}
	var p notify.Payload
	if err := json.Unmarshal(body, &p); err != nil || p.Alert.Document.ID != "d1" || p.Subscription.Name != "Nokia & friends" {
		t.Errorf("body %s: %v", body, err)
	}
}

func TestSendFailures(t *testing.T) {
	var followed atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("/500", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom\n  at line 3", http.StatusInternalServerError)
	})
	mux.HandleFunc("/429", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	mux.HandleFunc("/503", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", time.Now().Add(2*time.Hour).UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/services/T000/B000/XXXXSECRET", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) { followed.Store(true) })
	release := make(chan struct{})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(strings.Repeat("x", 1<<20)))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer close(release)
	// Only /slow waits for the timeout, and it always reaches it; the
	// others get one no busy machine comes near.
	s := notify.NewSender(http.DefaultTransport, "t", time.Minute)
	slow := notify.NewSender(http.DefaultTransport, "t", 300*time.Millisecond)
	for _, tc := range []struct {
		path       string
		status     int
		retryAfter func(time.Duration) bool
		msg        string
	}{
		{"/500", 500, func(d time.Duration) bool { return d == 0 }, "HTTP 500: boom at line 3"},
		{"/429", 429, func(d time.Duration) bool { return d == 120*time.Second }, "HTTP 429"},
		{"/503", 503, func(d time.Duration) bool { return d > 119*time.Minute && d <= 2*time.Hour }, "HTTP 503"},
		{"/services/T000/B000/XXXXSECRET", 307, func(d time.Duration) bool { return d == 0 }, "redirect to http://127.0.0.1"},
		{"/slow", 0, func(d time.Duration) bool { return d == 0 }, "Client.Timeout"},
		{"/big", 400, func(d time.Duration) bool { return d == 0 }, "HTTP 400: xxxx"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			sender := s
			if tc.path == "/slow" {
				sender = slow
			}
			err := sender.Send(context.Background(), srv.URL+tc.path, "k", testPayload())
			var se *notify.SendError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a *SendError", err)
			}
			if se.Status != tc.status || !tc.retryAfter(se.RetryAfter) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("status %d, retry after %v, %q; want %d and %q", se.Status, se.RetryAfter, err, tc.status, tc.msg)
			}
			if strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), tc.path) && tc.path != "/" {
				t.Errorf("error leaks the webhook path: %v", err)
			}
			if len(err.Error()) > 400 {
				t.Errorf("error of %d bytes", len(err.Error()))
			}
		})
	}
	if followed.Load() {
		t.Error("a redirect was followed")
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"90", 90 * time.Second},
		{" 5 ", 5 * time.Second},
		{"0", 0},
		{"-3", 0},
		{"soon", 0},
		{"Mon, 02 Nov 2026 10:10:00 GMT", 10 * time.Minute},
		{"Mon, 02 Nov 2026 09:00:00 GMT", 0},
		{"99999999999", 30 * 24 * time.Hour},
	} {
		if got := notify.RetryAfter(tc.in, now); got != tc.want {
			t.Errorf("RetryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	b := notify.DefaultBackoff
	created := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		attempts   int
		now        time.Time
		retryAfter time.Duration
		u          float64
		want       time.Time // zero: give up
	}{
		{"first failure", 1, created, 0, 0.5, created.Add(30 * time.Second)},
		{"second", 2, created, 0, 0.5, created.Add(time.Minute)},
		{"jitter low", 2, created, 0, 0, created.Add(48 * time.Second)},
		{"jitter high", 2, created, 0, 0.99999, created.Add(72*time.Second - 240*time.Microsecond)},
		{"capped at an hour", 12, created, 0, 0.5, created.Add(time.Hour)},
		{"Retry-After longer wins", 1, created, 10 * time.Minute, 0.5, created.Add(10 * time.Minute)},
		{"Retry-After shorter loses", 3, created, time.Second, 0.5, created.Add(2 * time.Minute)},
		{"last try at the deadline", 50, created.Add(71*time.Hour + 50*time.Minute), 0, 0.5, created.Add(72 * time.Hour)},
		{"past the deadline", 60, created.Add(72 * time.Hour), 0, 0.5, time.Time{}},
		{"Retry-After beyond the deadline", 5, created.Add(71 * time.Hour), 2 * time.Hour, 0.5, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := b.Next(tc.attempts, created, tc.now, tc.retryAfter, tc.u)
			if !got.Equal(tc.want) {
				t.Errorf("Next = %v, want %v", got, tc.want)
			}
		})
	}
}
