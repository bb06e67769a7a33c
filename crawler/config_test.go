package crawler

import (
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		field  string
		mutate func(*Config)
	}{
		{"url", func(c *Config) { c.StartURL = "" }},
		{"url", func(c *Config) { c.StartURL = "ftp://example.com/" }},
		{"url", func(c *Config) { c.StartURL = "/relative" }},
		{"max_depth", func(c *Config) { c.MaxDepth = -1 }},
		{"max_pages", func(c *Config) { c.MaxPages = 0 }},
		{"delay", func(c *Config) { c.Delay = -time.Second }},
		{"user_agent", func(c *Config) { c.UserAgent = "" }},
		{"timeout", func(c *Config) { c.Timeout = 0 }},
		{"max_body_bytes", func(c *Config) { c.MaxBodyBytes = 0 }},
		{"max_duration", func(c *Config) { c.MaxDuration = -time.Second }},
		{"allowed_domains", func(c *Config) { c.AllowedDomains = []string{"https://example.org/"} }},
		{"allowed_domains", func(c *Config) { c.AllowedDomains = []string{"*"} }},
		{"include", func(c *Config) { c.Include = []string{"(unclosed"} }},
		{"exclude", func(c *Config) { c.Exclude = []string{"[z-a]"} }},
		{"url", func(c *Config) { c.StartURL = "https://example.com/" + strings.Repeat("x", maxURLLength) }},
	}
	ok := DefaultConfig()
	ok.StartURL = "https://example.com/"
	if err := ok.Validate(); err != nil {
		t.Fatalf("DefaultConfig with a start URL: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			cfg := ok
			tt.mutate(&cfg)
			err := cfg.Validate()
			if err == nil || !strings.HasPrefix(err.Error(), "crawler: "+tt.field+":") {
				t.Errorf("Validate = %v, want an error naming %s", err, tt.field)
			}
			if _, cerr := Crawl(t.Context(), cfg, func(Result) {}); cerr == nil {
				t.Error("Crawl accepted an invalid config")
			}
		})
	}
}
