package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
	"github.com/techintel/techintel/cmd/techintel/internal/engine"
	"github.com/techintel/techintel/cmd/techintel/internal/netguard"
	"github.com/techintel/techintel/feeds"
)

// cmdSources manages and reports on sources:
//
//	techintel sources -config FILE                    health of every source
//	techintel sources discover [-config FILE] URL     feeds a web page links to
//	techintel sources import -config FILE FILE.opml   append the OPML's feeds to the config
//	techintel sources export -config FILE             the feed sources as OPML
func cmdSources(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "discover":
			return cmdSourcesDiscover(ctx, args[1:], stdout, stderr)
		case "import":
			return cmdSourcesImport(args[1:], stdout, stderr)
		case "export":
			return cmdSourcesExport(args[1:], stdout, stderr)
		}
		return &usageError{msg: fmt.Sprintf("sources: unknown subcommand %q (want discover, import or export)", args[0])}
	}
	fs := newFlags("sources", stderr)
	configPath := fs.String("config", "", "config file (TOML)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfigFlag(*configPath)
	if err != nil {
		return err
	}
	list, err := sourceStatuses(ctx, cfg)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTYPE\tLAST RUN\tLAST SUCCESS\tFAILURES\tNEXT RUN\tDOCUMENTS\tSEEN\tLAST ERROR")
	when := func(t *time.Time) string {
		if t == nil {
			return "never"
		}
		return t.Local().Format("2006-01-02 15:04")
	}
	for _, s := range list {
		next := when(s.NextRun)
		if s.BackoffUntil != nil && s.BackoffUntil.After(time.Now()) {
			next = "backoff to " + when(s.BackoffUntil)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%d\t%d\t%s\n", s.Name, s.Type, when(s.LastRun), when(s.LastSuccess),
			s.ConsecutiveFailures, next, s.Documents, s.ItemsSeen, termSafe(truncate(s.LastError, 80)))
	}
	return tw.Flush()
}

// sourceStatuses reads every source's state: from the data directory
// when it is free, through the API of the serve that holds it otherwise
// (as search does).
func sourceStatuses(ctx context.Context, cfg *Config) ([]api.SourceStatus, error) {
	d, err := datadir.Open(cfg.DataDir)
	if datadir.IsInUse(err) {
		out, err := apiDo(ctx, cfg, http.MethodGet, "/api/v1/sources", nil, err)
		if err != nil {
			return nil, err
		}
		var res struct{ Sources []api.SourceStatus }
		if err := json.Unmarshal(out, &res); err != nil {
			return nil, fmt.Errorf("GET /api/v1/sources via %s: %w", cfg.API.Listen, err)
		}
		return res.Sources, nil
	}
	if err != nil {
		return nil, err
	}
	e := engine.New(engine.Options{Settings: cfg.settings(), Dir: d, NextRun: func(name string) time.Time {
		src, _ := cfg.source(name)
		sched, err := engine.SourceSchedule(name, src.Schedule)
		if err != nil {
			return time.Time{}
		}
		return sched.Next(time.Now())
	}})
	if err := e.Open(ctx); err != nil {
		return nil, err
	}
	defer e.Close(context.WithoutCancel(ctx))
	return e.Gatherer().Sources(ctx)
}

// cmdSourcesDiscover lists the feeds a page links to and which one works.
func cmdSourcesDiscover(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sources discover", stderr)
	configPath := fs.String("config", "", "config file (TOML) for the [http] settings; defaults apply without one")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &usageError{msg: "sources discover: give one URL"}
	}
	cfg := DefaultConfig()
	if *configPath != "" {
		c, err := LoadConfig(*configPath)
		if err != nil {
			return err
		}
		cfg = *c
	}
	f := feeds.NewFetcher(netguard.NewTransport(cfg.HTTP.AllowPrivateNetworks, cfg.HTTP.Timeout.D()), cfg.HTTP.UserAgent, cfg.HTTP.Timeout.D(), cfg.HTTP.MaxBodyBytes)
	feedURL, links, err := f.Resolve(ctx, fs.Arg(0))
	for _, l := range links {
		fmt.Fprintf(stdout, "%s\t%s\t%s\n", termSafe(l.URL), termSafe(l.Type), termSafe(l.Title))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nfeed: %s\n", feedURL)
	return nil
}

// cmdSourcesExport writes the feed sources as OPML.
func cmdSourcesExport(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sources export", stderr)
	configPath := fs.String("config", "", "config file (TOML)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfigFlag(*configPath)
	if err != nil {
		return err
	}
	var outlines []feeds.Outline
	for _, s := range cfg.Sources {
		if s.Type == sourceFeed {
			outlines = append(outlines, feeds.Outline{Title: s.Name, XMLURL: s.URL, Category: strings.Join(s.Components, " ")})
		}
	}
	return feeds.WriteOPML(stdout, "techintel sources", outlines)
}

// cmdSourcesImport appends the OPML's feeds as [[sources]] entries to the
// config file, for the user to review, skipping URLs already there. The
// result is validated before the file is written.
func cmdSourcesImport(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sources import", stderr)
	configPath := fs.String("config", "", "config file (TOML) to append to")
	schedule := fs.String("schedule", defaultFeedSchedule, "schedule of the imported sources")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &usageError{msg: "sources import: give one OPML file"}
	}
	cfg, err := loadConfigFlag(*configPath)
	if err != nil {
		return err
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	outlines, err := feeds.ParseOPML(f)
	f.Close()
	if err != nil {
		return err
	}
	names, urls := map[string]bool{}, map[string]bool{}
	for _, s := range cfg.Sources {
		names[s.Name] = true
		urls[s.URL] = true
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n# Imported from %s on %s: review before use.\n", fs.Arg(0), time.Now().Format(time.DateOnly))
	added := 0
	for _, o := range outlines {
		if urls[o.XMLURL] {
			continue
		}
		urls[o.XMLURL] = true
		name := uniqueName(sourceName(o), names)
		fmt.Fprintf(&b, "\n[[sources]]\nname = %q\ntype = \"feed\"\nurl = %q\nschedule = %q\n", name, o.XMLURL, *schedule)
		if o.Title != "" || o.Category != "" {
			fmt.Fprintf(&b, "# title: %q, category: %q\n", o.Title, o.Category)
		}
		added++
	}
	if added == 0 {
		fmt.Fprintln(stdout, "nothing to import: every feed is already a source")
		return nil
	}
	old, err := os.ReadFile(*configPath)
	if err != nil {
		return err
	}
	text := string(old) + b.String()
	if _, err := ParseConfig(text); err != nil {
		return fmt.Errorf("sources import: the config would not be valid, nothing written: %w", err)
	}
	if err := os.WriteFile(*configPath, []byte(text), 0o600); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "appended %d feed sources to %s\n", added, *configPath)
	return nil
}

var nonName = regexp.MustCompile(`[^a-z0-9]+`)

// sourceName makes a source name from an outline's title or URL host.
func sourceName(o feeds.Outline) string {
	base := o.Title
	if base == "" {
		if u, err := url.Parse(o.XMLURL); err == nil {
			base = u.Hostname()
		}
	}
	n := strings.Trim(nonName.ReplaceAllString(strings.ToLower(base), "-"), "-")
	if len(n) > 48 {
		n = strings.Trim(n[:48], "-")
	}
	if n == "" {
		n = "feed"
	}
	return n
}

func uniqueName(n string, taken map[string]bool) string {
	name := n
	for i := 2; taken[name]; i++ {
		name = fmt.Sprintf("%s-%d", n, i)
	}
	taken[name] = true
	return name
}
