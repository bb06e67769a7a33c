package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const minimalConfig = `
[[watch]]
name = "Nokia"
role = "own"

[[sources]]
name = "news"
type = "feed"
url = "https://example.com/feed.xml"
`

func TestParseConfigDefaults(t *testing.T) {
	cfg, err := ParseConfig(minimalConfig + `
[[sources]]
name = "site"
type = "site"
url = "https://example.com/"
[sources.crawl]
max_pages = 10
`)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DataDir != "./data" || cfg.API.Listen != "127.0.0.1:8080" || cfg.HTTP.Timeout.D() != 20*time.Second ||
		cfg.HTTP.MaxBodyBytes != 10<<20 || cfg.HTTP.AllowPrivateNetworks || cfg.Digest.Schedule != "0 7 * * MON" {
		t.Errorf("defaults: %+v", cfg)
	}
	if cfg.Sources[0].Schedule != "@every 1h" || cfg.Sources[0].Crawl != nil {
		t.Errorf("feed source defaults: %+v", cfg.Sources[0])
	}
	site := cfg.Sources[1]
	if site.Schedule != "@every 12h" || site.Crawl.MaxDepth != 2 || site.Crawl.MaxPages != 10 || site.Crawl.Delay.D() != time.Second {
		t.Errorf("site source defaults: %+v %+v", site, site.Crawl)
	}
}

func TestExampleConfigIsValid(t *testing.T) {
	cfg, err := LoadConfig("../../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Sources) != 2 || !filepath.IsAbs(cfg.DataDir) && !strings.HasPrefix(cfg.DataDir, "../../") {
		t.Errorf("example config: %+v", cfg)
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name   string
		config string
		want   string // the error must contain this (it names the field)
	}{
		{"unknown top-level key", `datadir = "x"`, `unknown key "datadir"`},
		{"unknown nested key", "[http]\nuser_agnt = \"x\"", `unknown key "http.user_agnt"`},
		{"bad retention unit", "[data]\nretention = \"12 weeks\"", `data.retention: "12 weeks": unknown unit "weeks"`},
		{"retention without unit", "[data]\nretention = \"730\"", `data.retention: "730": want a number and a unit`},
		{"zero retention", "[data]\nretention = \"0d\"", `data.retention: "0d": 0 is not a number of days`},
		{"no runs per host", "[http]\nmax_runs_per_host = 0", `http.max_runs_per_host: must be between 1 and 8`},
		{"more runs per host than in all", "[http]\nmax_runs_per_host = 9", `http.max_runs_per_host: must be between 1 and 8`},
		{"unknown watch key", "[[watch]]\nname = \"A\"\nrole = \"own\"\nalias = [\"B\"]", `unknown key "watch[0] (A).alias" (line 4); did you mean "aliases"?`},
		{"unknown crawl key", minimalConfig + "[[sources]]\nname = \"s\"\ntype = \"site\"\nurl = \"https://e.com/\"\n[sources.crawl]\nmaxpages = 3", `unknown key "sources[1] (s).crawl.maxpages" (line 15); did you mean "max_pages"?`},
		{"bad role", "[[watch]]\nname = \"Acme\"\nrole = \"partnr\"", `watch[0] (Acme).role: unknown role "partnr"`},
		{"missing watch name", "[[watch]]\nrole = \"own\"", `watch[0].name: required`},
		{"duplicate watch", "[[watch]]\nname = \"A\"\nrole = \"own\"\n[[watch]]\nname = \"a\"\nrole = \"other\"", `watch[1] (a).name: duplicate`},
		{"empty alias", "[[watch]]\nname = \"A\"\nrole = \"own\"\naliases = [\"\"]", `watch[0] (A).aliases[0]: empty alias`},
		{"bad component", minimalConfig + "components = [\"allies\"]", `sources[0] (news).components[0]: unknown component "allies"`},
		{"bad cron", strings.Replace(minimalConfig, `type = "feed"`, "type = \"feed\"\nschedule = \"every hour\"", 1), `sources[0] (news).schedule: invalid cron spec "every hour"`},
		{"bad cron fields", strings.Replace(minimalConfig, `type = "feed"`, "type = \"feed\"\nschedule = \"0 61 * * *\"", 1), `sources[0] (news).schedule`},
		{"duplicate source", minimalConfig + minimalConfig[strings.Index(minimalConfig, "[[sources]]"):], `sources[1].name: duplicate source name "news"`},
		{"bad source name", strings.Replace(minimalConfig, `name = "news"`, `name = "my news"`, 1), `sources[0].name: "my news" must be`},
		{"bad source type", strings.Replace(minimalConfig, `type = "feed"`, `type = "rss"`, 1), `sources[0] (news).type: unknown type "rss"`},
		{"relative url", strings.Replace(minimalConfig, `https://example.com/feed.xml`, `/feed.xml`, 1), `sources[0] (news).url`},
		{"ftp url", strings.Replace(minimalConfig, `https://example.com/feed.xml`, `ftp://example.com/feed.xml`, 1), `sources[0] (news).url`},
		{"crawl on a feed", minimalConfig + "[sources.crawl]\nmax_pages = 3", `sources[0] (news).crawl: only allowed for type = "site"`},
		{"bad duration", "[http]\ntimeout = \"20\"", `http.timeout`},
		{"bad crawl delay", minimalConfig + "[[sources]]\nname = \"s\"\ntype = \"site\"\nurl = \"https://e.com/\"\n[sources.crawl]\ndelay = \"soon\"", `crawl.delay`},
		{"negative timeout", "[http]\ntimeout = \"-1s\"", `http.timeout: must be positive`},
		{"zero max body", "[http]\nmax_body_bytes = 0", `http.max_body_bytes: must be positive`},
		{"wrong type", "[http]\nmax_body_bytes = \"ten\"", `max_body_bytes`},
		{"zero max pages", minimalConfig + "[[sources]]\nname = \"s\"\ntype = \"site\"\nurl = \"https://e.com/\"\n[sources.crawl]\nmax_pages = 0", `sources[1] (s).crawl.max_pages: must be at least 1`},
		{"public listen without tokens", "[api]\nlisten = \"0.0.0.0:8080\"", `api.listen: "0.0.0.0:8080" is not a loopback address`},
		{"listen without port", "[api]\nlisten = \"localhost\"", `api.listen: "localhost" is not a host:port address`},
		{"short token", "[[api.tokens]]\nname = \"ci\"\ntoken = \"short\"", `api.tokens[0].token: must be at least 16 characters`},
		{"bad token hash", "[[api.tokens]]\nname = \"ci\"\ntoken_sha256 = \"abc\"", `api.tokens[0].token_sha256`},
		{"token and hash", "[[api.tokens]]\nname = \"ci\"\ntoken = \"0123456789abcdef\"\ntoken_sha256 = \"abc\"", `api.tokens[0]: set token or token_sha256, not both`},
		{"bad scope", "[[api.tokens]]\nname = \"ci\"\ntoken = \"0123456789abcdef\"\nscope = \"root\"", `api.tokens[0].scope: unknown scope "root"`},
		{"bad digest schedule", "[digest]\nschedule = \"monday\"", `digest.schedule`},
		{"syntax error", "data_dir = ", `line 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig(tt.config)
			if err == nil {
				t.Fatalf("no error, want one containing %q", tt.want)
			}
			var cerr *ConfigError
			if !errors.As(err, &cerr) {
				t.Errorf("error %v is not a *ConfigError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

func TestParseConfigAcceptsTokens(t *testing.T) {
	cfg, err := ParseConfig(`
[api]
listen = "0.0.0.0:9000"
[[api.tokens]]
name = "reader"
token = "0123456789abcdef0123"
[[api.tokens]]
name = "ops"
token_sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
scope = "admin"
`)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.API.Tokens[0].Scope != "read" || cfg.API.Tokens[1].Scope != "admin" {
		t.Errorf("scopes: %+v", cfg.API.Tokens)
	}
}

func TestLoadConfigResolvesDataDirAgainstFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "techintel.toml")
	if err := os.WriteFile(path, []byte(`data_dir = "state"`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DataDir != filepath.Join(dir, "state") {
		t.Errorf("data_dir = %q", cfg.DataDir)
	}
	if _, err := LoadConfig(filepath.Join(dir, "missing.toml")); err == nil {
		t.Error("missing file: no error")
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add(minimalConfig)
	if b, err := os.ReadFile("../../config.example.toml"); err == nil {
		f.Add(string(b))
	}
	f.Add("[sources.crawl]\nmax_depth = -1")
	f.Add("[[api.tokens]]\nname = \"x\"")
	// Decoder errors the mapping in configerr.go rewrites from the text.
	f.Add("data_dir = ./data\n")
	f.Add("[[sources]]\nname = \"a\"\ntype = \"site\"\nurl = \"https://e.com/\"\n[sources.crawl]\nmax_pages = \"5\"\n")
	f.Add("[[watch]]\nname = \"A\"\nrole = \"own\"\nalias = [\"x\"]\n")
	f.Fuzz(func(t *testing.T, text string) {
		cfg, err := ParseConfig(text)
		if err != nil {
			var cerr *ConfigError
			if !errors.As(err, &cerr) {
				t.Fatalf("error %v is not a *ConfigError", err)
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("parsed config fails Validate: %v", err)
		}
	})
}
