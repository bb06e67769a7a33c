package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/robfig/cron/v3"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/cmd/techintel/internal/engine"
	"github.com/techintel/techintel/cmd/techintel/internal/schedule"
	"github.com/techintel/techintel/crawler"
	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/tag"
)

// Config is the whole configuration file (the README's Configuration section). DefaultConfig
// gives every default; LoadConfig reads a file over it and validates.
type Config struct {
	DataDir string `toml:"data_dir"`
	// BackupDir is where POST /api/v1/admin/backup writes (a relative
	// name under it, never inside the data directory); default: a
	// "backups" folder beside the data directory.
	BackupDir    string         `toml:"backup_dir"`
	Data         DataConfig     `toml:"data"`
	API          APIConfig      `toml:"api"`
	HTTP         HTTPConfig     `toml:"http"`
	Watch        []WatchConfig  `toml:"watch"`
	Technologies []TechConfig   `toml:"technologies"`
	Sources      []SourceConfig `toml:"sources"`
	Digest       DigestConfig   `toml:"digest"`
	// Cluster, with nats_url, gathers on several machines (cluster.go and
	// internal/engine).
	Cluster ClusterConfig `toml:"cluster"`
}

// DataConfig is the [data] table.
type DataConfig struct {
	// Retention drops the index's partitions whose documents were all
	// published longer ago than it (index.ParseRetention: "730d",
	// "24 months"); empty keeps everything.
	Retention string `toml:"retention"`
}

// APIConfig is the [api] table.
type APIConfig struct {
	Listen string        `toml:"listen"`
	Tokens []TokenConfig `toml:"tokens"`
	// RateLimit is requests a second per token (per client IP without
	// one), RateBurst how many may come at once; rate_limit = 0 disables.
	RateLimit float64 `toml:"rate_limit"`
	RateBurst int     `toml:"rate_burst"`
	// CORSOrigins are browser origins allowed to call the API.
	CORSOrigins []string `toml:"cors_origins"`
	// AllowedHosts are Host names served besides the loopback names and
	// the listen address (a reverse proxy's public name); others get 421.
	AllowedHosts []string `toml:"allowed_hosts"`
	// SearchTimeout cuts a search (API and pages) that runs longer.
	SearchTimeout Duration `toml:"search_timeout"`
	// MaxConnsPerIP caps the connections one address holds at once; 0
	// turns the cap off.
	MaxConnsPerIP int `toml:"max_conns_per_ip"`
}

// TokenConfig is one [[api.tokens]] entry.
type TokenConfig struct {
	Name        string `toml:"name"`
	Token       string `toml:"token"`
	TokenSHA256 string `toml:"token_sha256"`
	Scope       string `toml:"scope"`
}

// HTTPConfig is the [http] table: how the crawler and feed reader fetch.
type HTTPConfig struct {
	UserAgent            string   `toml:"user_agent"`
	Timeout              Duration `toml:"timeout"`
	MaxBodyBytes         int64    `toml:"max_body_bytes"`
	AllowPrivateNetworks bool     `toml:"allow_private_networks"`
	// MaxRunsPerHost bounds how many sources of one host run at once.
	MaxRunsPerHost int `toml:"max_runs_per_host"`
}

// WatchConfig is one [[watch]] entry: an organisation we track.
type WatchConfig struct {
	Name          string   `toml:"name"`
	Role          string   `toml:"role"`
	Aliases       []string `toml:"aliases"`
	CaseSensitive bool     `toml:"case_sensitive"`
	Exclude       []string `toml:"exclude"`
	Context       []string `toml:"context"`
	ContextWindow int      `toml:"context_window"`
	TagRules
	// ReviewEvery is how often a partner's alliance is reviewed, in days
	// (default 90).
	ReviewEvery int `toml:"review_every"`
}

// TechConfig is one [[technologies]] entry.
type TechConfig struct {
	Name          string   `toml:"name"`
	Aliases       []string `toml:"aliases"`
	CaseSensitive bool     `toml:"case_sensitive"`
	Exclude       []string `toml:"exclude"`
	Context       []string `toml:"context"`
	ContextWindow int      `toml:"context_window"`
	TagRules
}

// TagRules are the precision controls a watch entry and a technology
// share beyond case, exclude and context (package tag): veto words, plural
// matching and aliases with rules of their own ([[watch.alias_rules]]).
type TagRules struct {
	Veto       []string      `toml:"veto"`
	VetoWindow int           `toml:"veto_window"`
	Plurals    bool          `toml:"plurals"`
	Alias      []AliasConfig `toml:"alias_rules"`
}

// AliasConfig is one [[watch.alias_rules]] or [[technologies.alias_rules]] entry: an
// alias whose own case, exclude, context and plural rules replace the entry's.
type AliasConfig struct {
	Name          string   `toml:"name"`
	CaseSensitive bool     `toml:"case_sensitive"`
	Exclude       []string `toml:"exclude"`
	Context       []string `toml:"context"`
	ContextWindow int      `toml:"context_window"`
	Plurals       bool     `toml:"plurals"`
}

// SourceConfig is one [[sources]] entry.
type SourceConfig struct {
	Name       string   `toml:"name"`
	Type       string   `toml:"type"`
	URL        string   `toml:"url"`
	Schedule   string   `toml:"schedule"`
	Components []string `toml:"components"`
	// CrawlTable is [sources.crawl] as written; Crawl is it with the
	// defaults applied, set for every site source.
	CrawlTable *crawlTable  `toml:"crawl"`
	Crawl      *CrawlConfig `toml:"-"`
	// FullText: a feed's new items are indexed with the article text of
	// their page instead of the feed's summary.
	FullText bool `toml:"full_text"`
}

// CrawlConfig is a site source's [sources.crawl] table.
type CrawlConfig struct {
	MaxDepth       int      `toml:"max_depth"`
	MaxPages       int      `toml:"max_pages"`
	Delay          Duration `toml:"delay"`
	AllowedDomains []string `toml:"allowed_domains"`
	Include        []string `toml:"include"`
	Exclude        []string `toml:"exclude"`
	MaxDuration    Duration `toml:"max_duration"`
}

// crawlTable is [sources.crawl] as written: pointers tell a key left out,
// which takes its default, from one set to zero (max_depth = 0 is the
// start page only).
type crawlTable struct {
	MaxDepth       *int      `toml:"max_depth"`
	MaxPages       *int      `toml:"max_pages"`
	Delay          *Duration `toml:"delay"`
	AllowedDomains []string  `toml:"allowed_domains"`
	Include        []string  `toml:"include"`
	Exclude        []string  `toml:"exclude"`
	MaxDuration    Duration  `toml:"max_duration"`
}

// DigestConfig is the [digest] table.
type DigestConfig struct {
	Schedule string `toml:"schedule"`
	// SMTP, when set, mails each weekly digest (internal/engine).
	SMTP *SMTPConfig `toml:"smtp"`
}

// Source types.
const (
	sourceFeed = engine.SourceFeed
	sourceSite = engine.SourceSite
)

// Token scopes.
const (
	scopeRead  = "read"
	scopeAdmin = "admin"
)

// Duration is a time.Duration written as a Go duration string ("30s").
type Duration time.Duration

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("not a duration like \"30s\" or \"5m\": %q", b)
	}
	*d = Duration(v)
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Defaults that are not zero values.
const (
	defaultListen       = "127.0.0.1:8080"
	defaultUserAgent    = "techintel/0.1 (+https://github.com/techintel/techintel)"
	defaultTimeout      = 20 * time.Second
	defaultMaxBodyBytes = 10 << 20
	defaultFeedSchedule = "@every 1h"
	defaultSiteSchedule = "@every 12h"
	defaultMaxDepth     = 2
	defaultMaxPages     = 500
	defaultDelay        = time.Second
	defaultDigest       = "0 7 * * MON"
	defaultRunsPerHost  = 2
	defaultRateLimit    = 20
	defaultRateBurst    = 40
	// Browsers open about six connections to a host; a load test of a
	// hundred clients on one machine fits with room to spare.
	defaultMaxConnsPerIP = 256
)

// DefaultConfig returns the configuration used for every key the file
// leaves out.
func DefaultConfig() Config {
	return Config{
		DataDir: "./data",
		API:     APIConfig{Listen: defaultListen, RateLimit: defaultRateLimit, RateBurst: defaultRateBurst, SearchTimeout: Duration(api.DefaultSearchTimeout), MaxConnsPerIP: defaultMaxConnsPerIP},
		HTTP: HTTPConfig{
			UserAgent:    defaultUserAgent,
			Timeout:      Duration(defaultTimeout),
			MaxBodyBytes: defaultMaxBodyBytes,

			MaxRunsPerHost: defaultRunsPerHost,
		},
		Digest: DigestConfig{Schedule: defaultDigest},
	}
}

// ConfigError is a configuration problem; the command exits with code 2.
type ConfigError struct{ msg string }

func (e *ConfigError) Error() string { return "config: " + e.msg }

func configErrorf(format string, args ...any) error {
	return &ConfigError{msg: fmt.Sprintf(format, args...)}
}

// LoadConfig reads the TOML file at path over DefaultConfig and validates
// it. A relative data_dir is taken relative to the file's directory.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, configErrorf("%v", err)
	}
	cfg, err := ParseConfig(string(b))
	if err != nil {
		return nil, err
	}
	if !filepath.IsAbs(cfg.DataDir) {
		cfg.DataDir = filepath.Join(filepath.Dir(path), cfg.DataDir)
	}
	cfg.Cluster.resolvePaths(filepath.Dir(path))
	if cfg.BackupDir != "" && !filepath.IsAbs(cfg.BackupDir) {
		cfg.BackupDir = filepath.Join(filepath.Dir(path), cfg.BackupDir)
	}
	return cfg, nil
}

// ParseConfig parses and validates a configuration. Unknown keys are
// errors: a misspelt key silently ignored is a setting the user thinks
// they have.
func ParseConfig(text string) (*Config, error) {
	cfg := DefaultConfig()
	md, err := toml.Decode(text, &cfg)
	if err != nil {
		return nil, decodeError(text, err)
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		return nil, unknownKeyError(text, undecoded[0])
	}
	cfg.applyDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimPrefix(s, "toml: ")
}

func (c *Config) applyDefaults() {
	for i := range c.Sources {
		s := &c.Sources[i]
		if s.Schedule == "" {
			s.Schedule = defaultFeedSchedule
			if s.Type == sourceSite {
				s.Schedule = defaultSiteSchedule
			}
		}
		if s.Type == sourceSite {
			crawl := &CrawlConfig{MaxDepth: defaultMaxDepth, MaxPages: defaultMaxPages, Delay: Duration(defaultDelay)}
			if t := s.CrawlTable; t != nil {
				if t.MaxDepth != nil {
					crawl.MaxDepth = *t.MaxDepth
				}
				if t.MaxPages != nil {
					crawl.MaxPages = *t.MaxPages
				}
				if t.Delay != nil {
					crawl.Delay = *t.Delay
				}
				crawl.AllowedDomains, crawl.Include, crawl.Exclude, crawl.MaxDuration = t.AllowedDomains, t.Include, t.Exclude, t.MaxDuration
			}
			s.Crawl = crawl
		}
	}
	for i := range c.API.Tokens {
		if c.API.Tokens[i].Scope == "" {
			c.API.Tokens[i].Scope = scopeRead
		}
	}
	if c.Digest.SMTP != nil {
		c.Digest.SMTP.applyDefaults()
	}
}

var sourceNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Validate checks every field and returns the first problem, naming it.
func (c *Config) Validate() error {
	if err := c.Cluster.validate(); err != nil {
		return err
	}
	if strings.TrimSpace(c.DataDir) == "" {
		return configErrorf("data_dir: required")
	}
	if _, err := index.ParseRetention(c.Data.Retention); err != nil {
		return configErrorf("data.retention: %v", err)
	}
	if err := c.validateAPI(); err != nil {
		return err
	}
	if c.HTTP.UserAgent == "" {
		return configErrorf("http.user_agent: required")
	}
	if c.HTTP.Timeout <= 0 {
		return configErrorf("http.timeout: must be positive, got %s", c.HTTP.Timeout.D())
	}
	if c.HTTP.MaxBodyBytes <= 0 {
		return configErrorf("http.max_body_bytes: must be positive, got %d", c.HTTP.MaxBodyBytes)
	}
	if c.HTTP.MaxRunsPerHost < 1 || c.HTTP.MaxRunsPerHost > schedule.MaxConcurrentRuns {
		return configErrorf("http.max_runs_per_host: must be between 1 and %d (the runs at once in all), got %d", schedule.MaxConcurrentRuns, c.HTTP.MaxRunsPerHost)
	}
	seen := map[string]bool{}
	for i, w := range c.Watch {
		field := fmt.Sprintf("watch[%d]", i)
		if strings.TrimSpace(w.Name) == "" {
			return configErrorf("%s.name: required", field)
		}
		field = fmt.Sprintf("watch[%d] (%s)", i, w.Name)
		if _, ok := tag.ComponentForRole(w.Role); !ok {
			return configErrorf("%s.role: unknown role %q (want one of %s)", field, w.Role, strings.Join(tag.Roles(), ", "))
		}
		if seen[strings.ToLower(w.Name)] {
			return configErrorf("%s.name: duplicate watch entry %q", field, w.Name)
		}
		seen[strings.ToLower(w.Name)] = true
		if err := checkAliases(field, w.Aliases); err != nil {
			return err
		}
		if w.ReviewEvery < 0 {
			return configErrorf("%s.review_every: %d days is negative", field, w.ReviewEvery)
		}
	}
	seen = map[string]bool{}
	for i, t := range c.Technologies {
		field := fmt.Sprintf("technologies[%d]", i)
		if strings.TrimSpace(t.Name) == "" {
			return configErrorf("%s.name: required", field)
		}
		field = fmt.Sprintf("technologies[%d] (%s)", i, t.Name)
		if seen[strings.ToLower(t.Name)] {
			return configErrorf("%s.name: duplicate technology %q", field, t.Name)
		}
		seen[strings.ToLower(t.Name)] = true
		if err := checkAliases(field, t.Aliases); err != nil {
			return err
		}
	}
	seen = map[string]bool{}
	for i, s := range c.Sources {
		if err := s.validate(i); err != nil {
			return err
		}
		if seen[s.Name] {
			return configErrorf("sources[%d].name: duplicate source name %q", i, s.Name)
		}
		seen[s.Name] = true
	}
	if _, err := cron.ParseStandard(c.Digest.Schedule); err != nil {
		return configErrorf("digest.schedule: invalid cron spec %q: %v", c.Digest.Schedule, err)
	}
	if c.Digest.SMTP != nil {
		if err := c.Digest.SMTP.validate(); err != nil {
			return err
		}
	}
	if _, err := c.tagger(); err != nil {
		return configErrorf("%v", err)
	}
	return nil
}

func checkAliases(field string, aliases []string) error {
	for j, a := range aliases {
		if strings.TrimSpace(a) == "" {
			return configErrorf("%s.aliases[%d]: empty alias", field, j)
		}
	}
	return nil
}

func (s SourceConfig) validate(i int) error {
	field := fmt.Sprintf("sources[%d]", i)
	if !sourceNameRE.MatchString(s.Name) {
		if s.Name == "" {
			return configErrorf("%s.name: required", field)
		}
		return configErrorf("%s.name: %q must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit", field, s.Name)
	}
	field = fmt.Sprintf("sources[%d] (%s)", i, s.Name)
	switch s.Type {
	case sourceFeed, sourceSite:
	case "":
		return configErrorf("%s.type: required (feed or site)", field)
	default:
		return configErrorf("%s.type: unknown type %q (want feed or site)", field, s.Type)
	}
	u, err := url.Parse(s.URL)
	if s.URL == "" {
		return configErrorf("%s.url: required", field)
	}
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return configErrorf("%s.url: %q is not an absolute http or https URL", field, s.URL)
	}
	if _, err := cron.ParseStandard(s.Schedule); err != nil {
		return configErrorf("%s.schedule: invalid cron spec %q: %v", field, s.Schedule, err)
	}
	for j, c := range s.Components {
		if !index.ValidComponent(c) {
			return configErrorf("%s.components[%d]: unknown component %q (want one of %s)", field, j, c, strings.Join(index.Components, ", "))
		}
	}
	if s.FullText && s.Type != sourceFeed {
		return configErrorf("%s.full_text: only allowed for type = \"feed\"", field)
	}
	if s.CrawlTable != nil && s.Type != sourceSite {
		return configErrorf("%s.crawl: only allowed for type = \"site\"", field)
	}
	if s.Crawl != nil {
		if s.Crawl.MaxDepth < 0 {
			return configErrorf("%s.crawl.max_depth: must not be negative", field)
		}
		if s.Crawl.MaxPages < 1 {
			return configErrorf("%s.crawl.max_pages: must be at least 1", field)
		}
		if s.Crawl.Delay < 0 {
			return configErrorf("%s.crawl.delay: must not be negative", field)
		}
		if s.Crawl.MaxDuration < 0 {
			return configErrorf("%s.crawl.max_duration: must not be negative", field)
		}
		for _, list := range []struct {
			key      string
			patterns []string
		}{{"include", s.Crawl.Include}, {"exclude", s.Crawl.Exclude}} {
			for j, p := range list.patterns {
				if _, err := regexp.Compile(p); err != nil {
					return configErrorf("%s.crawl.%s[%d]: %v", field, list.key, j, err)
				}
			}
		}
		cc := crawler.DefaultConfig()
		cc.StartURL, cc.AllowedDomains = s.URL, s.Crawl.AllowedDomains
		if err := cc.Validate(); err != nil {
			return configErrorf("%s.crawl: %v", field, err)
		}
	}
	return nil
}

func (c *Config) validateAPI() error {
	host, port, err := net.SplitHostPort(c.API.Listen)
	if err != nil || port == "" {
		return configErrorf("api.listen: %q is not a host:port address", c.API.Listen)
	}
	names := map[string]bool{}
	for i, t := range c.API.Tokens {
		field := fmt.Sprintf("api.tokens[%d]", i)
		if t.Name == "" {
			return configErrorf("%s.name: required", field)
		}
		if names[t.Name] {
			return configErrorf("%s.name: duplicate token name %q", field, t.Name)
		}
		names[t.Name] = true
		switch {
		case t.Token != "" && t.TokenSHA256 != "":
			return configErrorf("%s: set token or token_sha256, not both", field)
		case t.Token != "":
			if len(t.Token) < 16 {
				return configErrorf("%s.token: must be at least 16 characters", field)
			}
		case t.TokenSHA256 != "":
			if b, err := hex.DecodeString(t.TokenSHA256); err != nil || len(b) != sha256.Size {
				return configErrorf("%s.token_sha256: must be 64 hex digits (sha256sum of the token)", field)
			}
		default:
			return configErrorf("%s: token or token_sha256 required", field)
		}
		if t.Scope != scopeRead && t.Scope != scopeAdmin {
			return configErrorf("%s.scope: unknown scope %q (want read or admin)", field, t.Scope)
		}
	}
	if c.API.RateLimit < 0 || c.API.RateLimit != c.API.RateLimit {
		return configErrorf("api.rate_limit: must be 0 (off) or a positive number of requests a second, got %v", c.API.RateLimit)
	}
	if c.API.RateLimit > 0 && c.API.RateBurst < 1 {
		return configErrorf("api.rate_burst: must be at least 1 while api.rate_limit is on, got %d", c.API.RateBurst)
	}
	for i, o := range c.API.CORSOrigins {
		if err := checkOrigin(o); err != nil {
			return configErrorf("api.cors_origins[%d]: %v", i, err)
		}
	}
	if c.API.MaxConnsPerIP < 0 {
		return configErrorf("api.max_conns_per_ip: must be 0 (off) or a positive number, got %d", c.API.MaxConnsPerIP)
	}
	if c.API.SearchTimeout <= 0 {
		return configErrorf("api.search_timeout: must be a positive duration such as \"5s\", got %v", time.Duration(c.API.SearchTimeout))
	}
	for i, h := range c.API.AllowedHosts {
		if h = strings.TrimSpace(h); h == "" || strings.ContainsAny(h, "/ \t@") {
			return configErrorf("api.allowed_hosts[%d]: %q is not a host name (give a name or an IP address, without scheme or path)", i, c.API.AllowedHosts[i])
		}
	}
	if len(c.API.Tokens) == 0 && !isLoopbackHost(host) {
		return configErrorf("api.listen: %q is not a loopback address; configure [[api.tokens]] to serve beyond this machine", c.API.Listen)
	}
	return nil
}

// checkOrigin accepts "*" or a browser origin: scheme://host[:port],
// nothing after it.
func checkOrigin(o string) error {
	if o == "*" {
		return nil
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil || strings.HasSuffix(o, "/") {
		return fmt.Errorf("%q is not an origin like \"https://app.example.com\" (scheme and host, no path) or \"*\"", o)
	}
	return nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// tagger builds the tagger for the watch list and technologies.
func (c *Config) tagger() (*tag.Tagger, error) {
	return engine.NewTagger(c.engineWatch(), c.engineTechnologies())
}

// source returns the source with the given name.
func (c *Config) source(name string) (SourceConfig, bool) {
	for _, s := range c.Sources {
		if s.Name == name {
			return s, true
		}
	}
	return SourceConfig{}, false
}
