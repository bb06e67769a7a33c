package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestShippedConfigsCrawlTheDemoWorld: the example config and the telecom
// template are valid and, with -demo-world, crawl exits 0 offline, every
// source gathering something, and nothing is written beside the config.
func TestShippedConfigsCrawlTheDemoWorld(t *testing.T) {
	for _, path := range []string{"../../config.example.toml", "../../examples/telecom.toml"} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			text, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			// A copy, so that a data_dir written by mistake would show.
			dir := t.TempDir()
			cfgPath := filepath.Join(dir, "techintel.toml")
			if err := os.WriteFile(cfgPath, text, 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := LoadConfig(cfgPath)
			if err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), []string{"crawl", "-config", cfgPath, "-demo-world"}, &stdout, &stderr); code != 0 {
				t.Fatalf("exit code %d\n%s%s", code, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), "failed 0") || strings.Contains(stdout.String(), "fetched 0,") {
				t.Errorf("a source gathered nothing:\n%s", stdout.String())
			}
			for _, s := range cfg.Sources {
				if !strings.Contains(stdout.String(), s.Name+" ("+s.Type+") http://127.0.0.1:") {
					t.Errorf("source %s did not read the demo world:\n%s", s.Name, stdout.String())
				}
			}
			if _, err := os.Stat(cfg.DataDir); !os.IsNotExist(err) {
				t.Errorf("-demo-world wrote the config's data_dir %s (err %v)", cfg.DataDir, err)
			}
		})
	}
}

// TestTelecomTemplateCoversEveryRole: the template is a realistic start,
// not a stub: every role, aliases and excludes, ten technologies, feeds and
// a crawled newsroom.
func TestTelecomTemplateCoversEveryRole(t *testing.T) {
	cfg, err := LoadConfig("../../examples/telecom.toml")
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]int{}
	aliases, excludes := 0, 0
	for _, w := range cfg.Watch {
		roles[w.Role]++
		aliases += len(w.Aliases)
		excludes += len(w.Exclude)
	}
	for _, r := range []string{"own", "partner", "competitor", "customer", "standards", "other"} {
		if roles[r] == 0 {
			t.Errorf("no %s in the watch list", r)
		}
	}
	if len(cfg.Watch) < 18 || aliases < 10 || excludes < 3 || len(cfg.Technologies) != 10 {
		t.Errorf("watch %d (aliases %d, excludes %d), technologies %d", len(cfg.Watch), aliases, excludes, len(cfg.Technologies))
	}
	types := map[string]int{}
	for _, s := range cfg.Sources {
		types[s.Type]++
	}
	if types[sourceFeed] < 3 || types[sourceSite] < 1 {
		t.Errorf("sources by type: %v", types)
	}
}
