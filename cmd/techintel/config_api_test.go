package main

import (
	"strings"
	"testing"
)

func TestParseConfigAPIHardening(t *testing.T) {
	cfg, err := ParseConfig(minimalConfig)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.API.RateLimit != 20 || cfg.API.RateBurst != 40 || len(cfg.API.CORSOrigins) != 0 {
		t.Errorf("defaults: rate_limit %v, rate_burst %d, cors_origins %v", cfg.API.RateLimit, cfg.API.RateBurst, cfg.API.CORSOrigins)
	}
	cfg, err = ParseConfig("[api]\nrate_limit = 0\nrate_burst = 0\ncors_origins = [\"https://app.example\", \"http://localhost:3000\", \"*\"]\n" + minimalConfig)
	if err != nil {
		t.Fatalf("rate limit off and origins: %v", err)
	}
	if cfg.API.RateLimit != 0 || len(cfg.API.CORSOrigins) != 3 {
		t.Errorf("parsed %+v", cfg.API)
	}

	bad := []struct{ name, api, want string }{
		{"negative rate", "rate_limit = -1", "api.rate_limit: must be 0 (off) or a positive number"},
		{"nan rate", "rate_limit = nan", "api.rate_limit"},
		{"zero burst", "rate_limit = 5\nrate_burst = 0", "api.rate_burst: must be at least 1"},
		{"rate as string", `rate_limit = "fast"`, "rate_limit"},
		{"origin with path", `cors_origins = ["https://app.example/ui"]`, `api.cors_origins[0]: "https://app.example/ui" is not an origin`},
		{"origin with slash", `cors_origins = ["https://app.example/"]`, `api.cors_origins[0]`},
		{"origin without scheme", `cors_origins = ["ok.example", "app.example"]`, `api.cors_origins[0]: "ok.example"`},
		{"javascript origin", `cors_origins = ["https://a.example", "javascript://x"]`, `api.cors_origins[1]`},
		{"unknown api key", "rate_limt = 3", `unknown key "api.rate_limt"`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig("[api]\n" + tt.api + "\n" + minimalConfig)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
