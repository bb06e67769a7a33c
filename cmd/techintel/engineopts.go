package main

import (
	"fmt"

	"github.com/techintel/techintel/cmd/techintel/internal/engine"
	"github.com/techintel/techintel/index"
)

// settings turns the configuration into what the engine needs; the
// engine never sees the file's tables.
func (c *Config) settings() *engine.Settings {
	s := &engine.Settings{
		DataDir:   c.DataDir,
		BackupDir: backupRoot(c),
		HTTP: engine.HTTP{UserAgent: c.HTTP.UserAgent, Timeout: c.HTTP.Timeout.D(), MaxBodyBytes: c.HTTP.MaxBodyBytes,
			AllowPrivateNetworks: c.HTTP.AllowPrivateNetworks, MaxRunsPerHost: c.HTTP.MaxRunsPerHost},
		Watch:         c.engineWatch(),
		Technologies:  c.engineTechnologies(),
		Digest:        engine.Digest{Schedule: c.Digest.Schedule},
		SearchTimeout: c.API.SearchTimeout.D(),
	}
	s.Retention, _ = index.ParseRetention(c.Data.Retention) // validated with the config
	for _, src := range c.Sources {
		s.Sources = append(s.Sources, engineSource(src))
	}
	if m := c.Digest.SMTP; m != nil {
		s.Digest.SMTP = engineSMTP(m)
	}
	return s
}

// engineSMTP is the [digest.smtp] table for the engine.
func engineSMTP(m *SMTPConfig) *engine.SMTP {
	return &engine.SMTP{Host: m.Host, Port: m.Port, Username: m.Username, Password: m.Password,
		PasswordEnv: m.PasswordEnv, From: m.From, To: m.To, TLS: m.TLS, Timeout: m.Timeout.D()}
}

// engineSource is one [[sources]] entry for the engine.
func engineSource(src SourceConfig) engine.Source {
	out := engine.Source{Name: src.Name, Type: src.Type, URL: src.URL, Schedule: src.Schedule,
		Components: src.Components, FullText: src.FullText}
	if c := src.Crawl; c != nil {
		out.Crawl = &engine.Crawl{MaxDepth: c.MaxDepth, MaxPages: c.MaxPages, Delay: c.Delay.D(),
			AllowedDomains: c.AllowedDomains, Include: c.Include, Exclude: c.Exclude, MaxDuration: c.MaxDuration.D()}
	}
	return out
}

// engineWatch is the [[watch]] list for the engine.
func (c *Config) engineWatch() []engine.Watch {
	var out []engine.Watch
	for _, w := range c.Watch {
		out = append(out, engine.Watch{Name: w.Name, Role: w.Role, Aliases: w.Aliases, CaseSensitive: w.CaseSensitive,
			Exclude: w.Exclude, Context: w.Context, ContextWindow: w.ContextWindow, TagRules: w.TagRules.engine(),
			ReviewEvery: w.ReviewEvery})
	}
	return out
}

// engineTechnologies is the [[technologies]] list for the engine.
func (c *Config) engineTechnologies() []engine.Technology {
	var out []engine.Technology
	for _, t := range c.Technologies {
		out = append(out, engine.Technology{Name: t.Name, Aliases: t.Aliases, CaseSensitive: t.CaseSensitive,
			Exclude: t.Exclude, Context: t.Context, ContextWindow: t.ContextWindow, TagRules: t.TagRules.engine()})
	}
	return out
}

// engine converts the precision controls for the engine.
func (r TagRules) engine() engine.TagRules {
	out := engine.TagRules{Veto: r.Veto, VetoWindow: r.VetoWindow, Plurals: r.Plurals}
	for _, a := range r.Alias {
		out.Alias = append(out.Alias, engine.Alias(a))
	}
	return out
}

// reloadFrom reads the config file at path again for a running serve
// whose configuration was cur: the new watch list, and what else changed
// that needs a restart.
func reloadFrom(path string, cur *Config) func() (engine.Reloaded, error) {
	return func() (engine.Reloaded, error) {
		cfg, err := LoadConfig(path)
		if err != nil {
			return engine.Reloaded{}, fmt.Errorf("%s: %w", path, err)
		}
		return engine.Reloaded{Watch: cfg.engineWatch(), Technologies: cfg.engineTechnologies(),
			RestartNeeded: restartNeeded(cur, cfg)}, nil
	}
}
