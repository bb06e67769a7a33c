package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// cmdInit writes a starter config: the own firm, partners, competitors,
// customers and technologies, asked for on a terminal or given as flags,
// with a starter feed, validated before it is written. It never
// overwrites a file unless -force.
func cmdInit(_ context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("init", stderr)
	out := fs.String("o", "techintel.toml", "the config file to write")
	own := fs.String("own", "", "your own firm")
	partners := fs.String("partners", "", "partners, comma-separated")
	competitors := fs.String("competitors", "", "competitors, comma-separated")
	customers := fs.String("customers", "", "customers, comma-separated")
	technologies := fs.String("technologies", "", "technologies, comma-separated")
	force := fs.Bool("force", false, "overwrite the file if it exists")
	ask := fs.Bool("ask", false, "ask for every answer not given as a flag (the default on a terminal)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &usageError{msg: fmt.Sprintf("init takes no arguments, got %q (flags go before them)", fs.Arg(0))}
	}
	if _, err := os.Stat(*out); err == nil && !*force {
		return &usageError{msg: fmt.Sprintf("-o: %s exists; choose another name with -o, or overwrite it with -force", *out)}
	}
	if *ask || isTerminal(stdin) {
		q := &questioner{in: bufio.NewScanner(stdin), out: stdout}
		fmt.Fprintln(stdout, "A starter watch list: names separated by commas; Enter leaves one empty.")
		q.ask(own, "Your own firm")
		q.ask(partners, "Partners")
		q.ask(competitors, "Competitors")
		q.ask(customers, "Customers")
		q.ask(technologies, "Technologies")
		if q.err != nil {
			return fmt.Errorf("init: reading the answers: %w", q.err)
		}
	}
	if strings.TrimSpace(*own) == "" {
		return &usageError{msg: "-own: required (your own firm), e.g. techintel init -own \"Nokia\" -competitors \"Ericsson, Huawei\""}
	}
	spec := initSpec{
		own: strings.TrimSpace(*own), partners: splitList(*partners), competitors: splitList(*competitors),
		customers: splitList(*customers), technologies: splitList(*technologies),
	}
	text := spec.toml()
	if _, err := ParseConfig(text); err != nil {
		// Names that do not make a valid config (two entries with one
		// name) are the user's to fix: say which.
		return err
	}
	if dir := filepath.Dir(*out); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("init: %w", err)
		}
	}
	if err := os.WriteFile(*out, []byte(text), 0o600); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	fmt.Fprintf(stdout, `
Wrote %[1]s: 1 own firm, %[2]d partners, %[3]d competitors, %[4]d customers, 3 standards bodies, %[5]d technologies, 1 feed.
Next, try it offline on the bundled sample world, then gather the real sources:
  techintel crawl -config %[1]s -demo-world
  techintel crawl -config %[1]s
Find the feed of a site you follow, and add it under [[sources]]:
  techintel sources discover URL
Keep gathering on schedule and open http://127.0.0.1:8080/:
  techintel serve -config %[1]s
Add aliases, excludes and more sources by hand: config.example.toml explains every key,
examples/telecom.toml is a fuller watch list.
`, *out, len(spec.partners), len(spec.competitors), len(spec.customers), len(spec.technologies))
	return nil
}

// questioner asks one question a line; an empty answer keeps a flag's value.
type questioner struct {
	in  *bufio.Scanner
	out io.Writer
	err error
}

func (q *questioner) ask(v *string, prompt string) {
	if q.err != nil || *v != "" {
		return
	}
	fmt.Fprintf(q.out, "%s: ", prompt)
	if !q.in.Scan() {
		q.err = q.in.Err()
		if q.err == nil {
			q.err = errors.New("no more input")
		}
		return
	}
	*v = strings.TrimSpace(q.in.Text())
}

// isTerminal reports whether r is an interactive terminal.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func splitList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// initSpec is what init was told.
type initSpec struct {
	own                                            string
	partners, competitors, customers, technologies []string
}

func (s initSpec) toml() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# techintel configuration written by `techintel init`.\n")
	p("# config.example.toml explains every key; examples/telecom.toml is a fuller watch list.\n")
	p("# Names match as whole words, case-insensitively; add aliases = [...] for other\n")
	p("# spellings, exclude = [...] for phrases that are not the company (\"Nokia Arena\"),\n")
	p("# case_sensitive = true for names that are ordinary words (\"Arm\", \"Orange\").\n\n")
	p("data_dir = \"./data\"\n\n[api]\nlisten = %s\n", tomlQuote(defaultListen))
	watch := func(role, comment string, names []string) {
		if len(names) > 0 {
			p("\n# %s\n", comment)
		}
		for _, n := range names {
			p("[[watch]]\nname = %s\nrole = %s\n\n", tomlQuote(n), tomlQuote(role))
		}
	}
	watch("own", "Your own firm: the own component.", []string{s.own})
	watch("partner", "Partners: the alliances component.", s.partners)
	watch("competitor", "Competitors: the others component.", s.competitors)
	watch("customer", "Customers: the industry component.", s.customers)
	watch("standards", "Standards bodies: the industry component. Keep, change or remove.", []string{"3GPP", "ETSI", "IETF"})
	if len(s.technologies) > 0 {
		p("\n# Technologies you follow.\n")
	}
	for _, t := range s.technologies {
		p("[[technologies]]\nname = %s\n\n", tomlQuote(t))
	}
	p(`
# Sources: feeds (RSS, Atom, RDF, JSON Feed; a web page that links to its
# feed works too) and crawled sites. Find a site's feed with
# techintel sources discover URL.
[[sources]]
name = "ietf-blog"
type = "feed"
url = "https://www.ietf.org/blog/feed/"
schedule = "@every 1h"

# A newsroom to crawl:
# [[sources]]
# name = "my-newsroom"
# type = "site"
# url = "https://www.example.com/newsroom/"
# [sources.crawl]
# max_depth = 2
# max_pages = 200
`)
	return b.String()
}

// tomlQuote writes s as a TOML basic string.
func tomlQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
