// Package engine is techintel's ingest engine: the Gatherer (runs, the
// commit side, group commit, the ingest journal and item identity), the
// Alerter, the watch list and its reload, the scheduler glue, the weekly
// digest and the cluster glue, owned by one Engine with Open and Close.
// Package main turns its configuration file into the Settings and
// Options here; nothing in this package reads the file.
package engine

import (
	"fmt"
	"time"

	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/tag"
)

// Source types.
const (
	SourceFeed = "feed"
	SourceSite = "site"
)

// Settings are what the engine needs from the configuration: where the
// data lives, how to fetch, what to watch, which sources, the digest.
type Settings struct {
	DataDir string
	// BackupDir is where Backup writes (a relative name under it, never
	// inside the data directory).
	BackupDir string
	HTTP      HTTP
	// Watch and Technologies are the watch list; a reload replaces them.
	Watch        []Watch
	Technologies []Technology
	Sources      []Source
	Digest       Digest
	// SearchTimeout cuts a search through the API that runs longer.
	SearchTimeout time.Duration
	// Retention drops the index's partitions older than it, at
	// open and daily with Schedule (data.retention); zero keeps
	// everything.
	Retention index.Retention
}

// Source returns the source with the given name.
func (s *Settings) Source(name string) (Source, bool) {
	for _, src := range s.Sources {
		if src.Name == name {
			return src, true
		}
	}
	return Source{}, false
}

// HTTP says how the crawler and the feed reader fetch.
type HTTP struct {
	UserAgent            string
	Timeout              time.Duration
	MaxBodyBytes         int64
	AllowPrivateNetworks bool
	// MaxRunsPerHost bounds how many sources of one host run at once.
	MaxRunsPerHost int
}

// Watch is an organisation we track.
type Watch struct {
	Name          string
	Role          string
	Aliases       []string
	CaseSensitive bool
	Exclude       []string
	Context       []string
	ContextWindow int
	TagRules
	// ReviewEvery is how often a partner's alliance is reviewed, in days.
	ReviewEvery int
}

// Technology is a technology we track.
type Technology struct {
	Name          string
	Aliases       []string
	CaseSensitive bool
	Exclude       []string
	Context       []string
	ContextWindow int
	TagRules
}

// TagRules are the precision controls a watch entry and a technology
// share beyond case, exclude and context (package tag).
type TagRules struct {
	Veto       []string
	VetoWindow int
	Plurals    bool
	Alias      []Alias
}

// Alias is an alias whose own case, exclude, context and plural rules
// replace its entry's.
type Alias struct {
	Name          string
	CaseSensitive bool
	Exclude       []string
	Context       []string
	ContextWindow int
	Plurals       bool
}

// aliasRules converts the alias rules for package tag.
func (r TagRules) aliasRules() []tag.Alias {
	var out []tag.Alias
	for _, a := range r.Alias {
		out = append(out, tag.Alias{Name: a.Name, CaseSensitive: a.CaseSensitive, Exclude: a.Exclude,
			Context: a.Context, ContextWindow: a.ContextWindow, Plurals: a.Plurals})
	}
	return out
}

// NewTagger builds the tagger for a watch list and technologies.
func NewTagger(watch []Watch, technologies []Technology) (*tag.Tagger, error) {
	ents := make([]tag.Entity, len(watch))
	for i, w := range watch {
		ents[i] = tag.Entity{Name: w.Name, Role: w.Role, Aliases: w.Aliases, CaseSensitive: w.CaseSensitive,
			Exclude: w.Exclude, Context: w.Context, ContextWindow: w.ContextWindow,
			Veto: w.Veto, VetoWindow: w.VetoWindow, Plurals: w.Plurals, AliasRules: w.aliasRules()}
	}
	techs := make([]tag.Technology, len(technologies))
	for i, t := range technologies {
		techs[i] = tag.Technology{Name: t.Name, Aliases: t.Aliases, CaseSensitive: t.CaseSensitive,
			Exclude: t.Exclude, Context: t.Context, ContextWindow: t.ContextWindow,
			Veto: t.Veto, VetoWindow: t.VetoWindow, Plurals: t.Plurals, AliasRules: t.aliasRules()}
	}
	return tag.New(ents, techs)
}

// Source is one source: a feed or a site to crawl.
type Source struct {
	Name       string
	Type       string // SourceFeed or SourceSite
	URL        string
	Schedule   string // a cron spec
	Components []string
	// Crawl is set for every site source.
	Crawl *Crawl
	// FullText: a feed's new items are indexed with the article text of
	// their page instead of the feed's summary.
	FullText bool
}

// Crawl is how a site source is crawled.
type Crawl struct {
	MaxDepth       int
	MaxPages       int
	Delay          time.Duration
	AllowedDomains []string
	Include        []string
	Exclude        []string
	MaxDuration    time.Duration
}

// Digest is the weekly digest: when it is written, and whom it is mailed
// to.
type Digest struct {
	Schedule string // a cron spec
	// SMTP, when set, mails each weekly digest.
	SMTP *SMTP
}

// SMTP is the mail server and the addresses a digest is mailed with.
type SMTP struct {
	Host     string
	Port     int
	Username string
	Password string
	// PasswordEnv, when set, names the environment variable that holds
	// the password (read when the mailer is built).
	PasswordEnv string
	From        string
	To          []string
	TLS         string
	Timeout     time.Duration
}

// ConfigError is a setting the engine cannot use (a schedule that does
// not parse, a password variable that is not set): the user's
// configuration is wrong, not the machine.
type ConfigError struct{ msg string }

func (e *ConfigError) Error() string { return "config: " + e.msg }

func configErrorf(format string, args ...any) error {
	return &ConfigError{msg: fmt.Sprintf(format, args...)}
}

// Reloaded is a watch list read again (SIGHUP), and the names of the
// settings that changed too but take effect only after a restart.
type Reloaded struct {
	Watch         []Watch
	Technologies  []Technology
	RestartNeeded []string
}
