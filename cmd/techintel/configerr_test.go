package main

import (
	"errors"
	"strings"
	"testing"
)

// TestDecodeErrorsNameTheField holds every kind of TOML decoder error to a
// message that names the field (with the list entry it is in) and says what
// to write, never the decoder's own words.
func TestDecodeErrorsNameTheField(t *testing.T) {
	const site = "[[sources]]\nname = \"feed1\"\ntype = \"feed\"\nurl = \"https://e.com/f\"\n" +
		"[[sources]]\nname = \"newsroom\"\ntype = \"site\"\nurl = \"https://e.com/\"\n[sources.crawl]\n"
	tests := []struct {
		name, config, want string
	}{
		{"quoted integer", site + "max_pages = \"500\"\n",
			`config: sources[1] (newsroom).crawl.max_pages (line 10): wants a whole number (max_pages = 10), got text in quotes "500"; remove the quotes`},
		{"float for integer", "[http]\nmax_runs_per_host = 2.5\n",
			`config: http.max_runs_per_host (line 2): wants a whole number (max_runs_per_host = 10), got a number 2.5`},
		{"unquoted path", "data_dir = ./data\n",
			`config: data_dir (line 1): text must be in quotes: write data_dir = "./data"`},
		{"unquoted word", "[api]\nlisten = localhost\n",
			`config: api.listen (line 2): text must be in quotes: write listen = "localhost"`},
		{"unquoted duration", "[http]\ntimeout = 20s # per request\n",
			`config: http.timeout (line 2): text must be in quotes: write timeout = "20s"`},
		{"unknown key names the entry", site + "fulltext = true\n",
			`config: unknown key "sources[1] (newsroom).crawl.fulltext" (line 10)`},
		{"unknown source key", strings.Replace(site, "[sources.crawl]\n", "fulltext = true\n", 1),
			`config: unknown key "sources[1] (newsroom).fulltext" (line 9); did you mean "full_text"?`},
		{"unknown key without a near one", "[digest]\nwhen = \"x\"\n",
			`config: unknown key "digest.when" (line 2); known keys here: schedule, smtp`},
		{"string for list", "[[watch]]\nname = \"A\"\nrole = \"own\"\naliases = \"B\"\n",
			`config: watch[0] (A).aliases (line 4): wants a list in brackets (aliases = ["…", "…"]), got text in quotes "B"`},
		{"yes for boolean", "[http]\nallow_private_networks = \"yes\"\n",
			`config: http.allow_private_networks (line 2): wants true or false (allow_private_networks = true), got text in quotes "yes"`},
		{"quoted boolean", "[http]\nallow_private_networks = \"true\"\n",
			`got text in quotes "true"; remove the quotes`},
		{"number for boolean in second entry", "[[watch]]\nname = \"a\"\nrole = \"own\"\n[[watch]]\nname = \"b\"\nrole = \"own\"\ncase_sensitive = 1\n",
			`config: watch[1] (b).case_sensitive (line 7): wants true or false (case_sensitive = true), got a whole number 1`},
		{"table for list of tables", "watch = 3\n",
			`config: watch (line 1): wants a list of tables ([[watch]]), got a whole number 3`},
		{"key twice", "data_dir = \"a\"\ndata_dir = \"b\"\n",
			`config: data_dir (line 2): set twice; keep one`},
		{"bad duration in an entry", site + "delay = \"1 second\"\n",
			`config: sources[1] (newsroom).crawl.delay (line 10): not a duration like "30s" or "5m": "1 second"`},
		{"broken header", "[api\nlisten = \"x\"\n",
			`config: line 1: table header [api is not closed or has a stray character; write [api]`},
		{"broken array header", "[[watch]\nname = \"x\"\n",
			`config: line 1: table header [[watch] is not closed or has a stray character; write [[watch]]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig(tt.config)
			var cerr *ConfigError
			if !errors.As(err, &cerr) {
				t.Fatalf("err = %v (%T), want a *ConfigError", err, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error\n  %s\nwant it to contain\n  %s", err, tt.want)
			}
			for _, leak := range []string{"incompatible types", "destination has type", "floats must", "toml:"} {
				if strings.Contains(err.Error(), leak) {
					t.Errorf("error %q leaks the decoder's text %q", err, leak)
				}
			}
		})
	}
}
