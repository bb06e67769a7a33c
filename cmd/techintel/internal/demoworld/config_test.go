package demoworld

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

// demoConfig mirrors the config schema of the README's Configuration section.
type demoConfig struct {
	DataDir string `toml:"data_dir"`
	API     struct {
		Listen string           `toml:"listen"`
		Tokens []map[string]any `toml:"tokens"`
	} `toml:"api"`
	HTTP struct {
		UserAgent            string `toml:"user_agent"`
		Timeout              string `toml:"timeout"`
		MaxBodyBytes         int64  `toml:"max_body_bytes"`
		AllowPrivateNetworks bool   `toml:"allow_private_networks"`
	} `toml:"http"`
	Watch []struct {
		Name    string   `toml:"name"`
		Role    string   `toml:"role"`
		Aliases []string `toml:"aliases"`
	} `toml:"watch"`
	Technologies []struct {
		Name    string   `toml:"name"`
		Aliases []string `toml:"aliases"`
	} `toml:"technologies"`
	Sources []struct {
		Name       string   `toml:"name"`
		Type       string   `toml:"type"`
		URL        string   `toml:"url"`
		Schedule   string   `toml:"schedule"`
		Components []string `toml:"components"`
		Crawl      *struct {
			MaxDepth int    `toml:"max_depth"`
			MaxPages int    `toml:"max_pages"`
			Delay    string `toml:"delay"`
		} `toml:"crawl"`
	} `toml:"sources"`
	Digest struct {
		Schedule string `toml:"schedule"`
	} `toml:"digest"`
}

func decodeConfig(t *testing.T, text string) demoConfig {
	t.Helper()
	var c demoConfig
	md, err := toml.Decode(text, &c)
	if err != nil {
		t.Fatalf("config is not valid TOML: %v\n%s", err, text)
	}
	if und := md.Undecoded(); len(und) > 0 {
		t.Fatalf("config has keys outside the schema: %v", und)
	}
	if md.IsDefined("api", "tokens") {
		t.Fatal("config defines [[api.tokens]]")
	}
	return c
}

func TestConfigTOML(t *testing.T) {
	text := ConfigTOML(testBase+"/", "/tmp/techintel-demo-123", "127.0.0.1:8080")
	c := decodeConfig(t, text)
	if c.DataDir != "/tmp/techintel-demo-123" || c.API.Listen != "127.0.0.1:8080" {
		t.Errorf("data_dir %q, listen %q", c.DataDir, c.API.Listen)
	}
	if !c.HTTP.AllowPrivateNetworks {
		t.Error("allow_private_networks is not true")
	}
	if _, err := time.ParseDuration(c.HTTP.Timeout); err != nil {
		t.Errorf("http.timeout: %v", err)
	}

	roles := map[string]int{}
	names := map[string]bool{}
	for _, w := range c.Watch {
		roles[w.Role]++
		if w.Name == "" || names[strings.ToLower(w.Name)] {
			t.Errorf("watch name %q empty or repeated", w.Name)
		}
		names[strings.ToLower(w.Name)] = true
	}
	for role, want := range map[string][2]int{"own": {1, 1}, "partner": {2, 4}, "competitor": {3, 4},
		"customer": {2, 2}, "standards": {3, 3}, "other": {1, 2}} {
		if roles[role] < want[0] || roles[role] > want[1] {
			t.Errorf("%d watch entries with role %s, want %d-%d", roles[role], role, want[0], want[1])
		}
	}
	if len(roles) != 6 {
		t.Errorf("roles %v", roles)
	}
	if len(c.Technologies) < 6 {
		t.Errorf("%d technologies", len(c.Technologies))
	}

	// Every source is served, and every feed the handler serves is a source.
	h := Handler(testNow)
	components := []string{"own", "alliances", "others", "industry"}
	var urls []string
	sites := 0
	for _, s := range c.Sources {
		urls = append(urls, s.URL)
		path, ok := strings.CutPrefix(s.URL, testBase)
		if !ok {
			t.Errorf("source %s: url %q is not on %s", s.Name, s.URL, testBase)
			continue
		}
		if rec := get(t, h, "GET", path, nil); rec.Code != http.StatusOK {
			t.Errorf("source %s: %s answers %d", s.Name, s.URL, rec.Code)
		}
		if every, ok := strings.CutPrefix(s.Schedule, "@every "); !ok {
			t.Errorf("source %s: schedule %q", s.Name, s.Schedule)
		} else if _, err := time.ParseDuration(every); err != nil {
			t.Errorf("source %s: schedule %q: %v", s.Name, s.Schedule, err)
		}
		for _, comp := range s.Components {
			if !slices.Contains(components, comp) {
				t.Errorf("source %s: component %q", s.Name, comp)
			}
		}
		switch s.Type {
		case "feed":
			if s.Crawl != nil {
				t.Errorf("feed source %s has [sources.crawl]", s.Name)
			}
		case "site":
			sites++
			if s.Crawl == nil || s.Crawl.MaxDepth < 1 || s.Crawl.MaxPages < 10 || s.Crawl.Delay != "0s" {
				t.Errorf("site source %s: crawl %+v", s.Name, s.Crawl)
			}
		default:
			t.Errorf("source %s: type %q", s.Name, s.Type)
		}
	}
	if sites != 1 {
		t.Errorf("%d site sources, want 1", sites)
	}
	for _, f := range feedDefs {
		if !slices.Contains(urls, testBase+f.Path) {
			t.Errorf("feed %s is not a source", f.Path)
		}
	}
	if !slices.Contains(urls, testBase+"/site/") {
		t.Error("the site is not a source")
	}
	if fields := strings.Fields(c.Digest.Schedule); len(fields) != 5 {
		t.Errorf("digest schedule %q", c.Digest.Schedule)
	}
}

func TestConfigTOMLQuotes(t *testing.T) {
	dir := `C:\Users\demo "x"` + "\t\x01ü"
	c := decodeConfig(t, ConfigTOML("http://[::1]:9", dir, "[::1]:0"))
	if c.DataDir != dir || c.API.Listen != "[::1]:0" || c.Sources[0].URL != "http://[::1]:9/feeds/standards.rss" {
		t.Errorf("data_dir %q, listen %q, url %q", c.DataDir, c.API.Listen, c.Sources[0].URL)
	}
	for _, w := range c.Watch {
		if w.Name == "Telefónica" && slices.Contains(w.Aliases, "Telefonica") {
			return
		}
	}
	t.Error("Telefónica with its alias did not survive")
}

func TestExamples(t *testing.T) {
	entities := map[string]bool{}
	for _, w := range watchList {
		entities[w.Name] = true
	}
	techs := map[string]bool{}
	for _, tc := range technologies {
		techs[tc.Name] = true
	}
	for _, e := range Examples() {
		if e.Entity != "" && !entities[e.Entity] || e.Technology != "" && !techs[e.Technology] {
			t.Errorf("example %q filters on an unknown entity or technology", e.Title)
		}
		if len(e.Values()) == 0 {
			t.Errorf("example %q has no parameters", e.Title)
		}
		if a := e.Args(); a != nil && a[len(a)-1] != e.Query {
			t.Errorf("example %q: args %q", e.Title, a)
		}
	}
}
