package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"golang.org/x/net/html"

	"github.com/techintel/techintel/index/tag"
)

// pkg is one Debian package: its name, section, one-line description and
// debtags, the real text every generated document starts from.
type pkg struct {
	name, section, short string
	tags                 []string
}

// corpus makes documents from real text: Debian's package descriptions
// (titles and the start of each body) and, when given, sentences of real
// articles (the rest of the body). Document i is a pure function of i, so
// a million documents need no memory and the feeds, the bare index and
// the queries all see the same ones.
type corpus struct {
	pkgs      []pkg
	sentences []string
	size      int
	end       time.Time // the newest document's publication time
	span      time.Duration
	// newestFirst numbers the documents from the newest (a feed's order,
	// as a first crawl of an archive reads them); by default document 0
	// is the oldest, as live news arrives.
	newestFirst bool
	// tagger tags the documents of both sides with the run's watch list
	// (nil: untagged).
	tagger *tag.Tagger
}

// covered is the time the first n documents span.
func (c *corpus) covered(n int) (lo, hi time.Time) {
	part := time.Duration(float64(c.span) * float64(min(n, c.size)) / float64(max(c.size, 1)))
	if c.newestFirst {
		return c.end.Add(-part), c.end
	}
	start := c.end.Add(-c.span)
	return start, start.Add(part)
}

// doc is one generated document.
type doc struct {
	url, title, body string
	published        time.Time
}

// newCorpus reads the package list (a file in Debian's Packages format,
// or `apt-cache dumpavail` when packages is empty) and the articles.
func newCorpus(ctx context.Context, packages, texts string, size int) (*corpus, error) {
	var r io.Reader
	if packages == "" {
		out, err := exec.CommandContext(ctx, "apt-cache", "dumpavail").Output()
		if err != nil {
			return nil, fmt.Errorf("apt-cache dumpavail (give -packages FILE instead): %w", err)
		}
		r = bytes.NewReader(out)
	} else {
		f, err := os.Open(packages)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	pkgs, err := readPackages(r)
	if err != nil {
		return nil, err
	}
	if len(pkgs) < 100 {
		return nil, fmt.Errorf("packages: only %d packages with a description; need at least 100", len(pkgs))
	}
	c := &corpus{pkgs: pkgs, size: size, end: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), span: 365 * 24 * time.Hour}
	if texts != "" {
		if c.sentences, err = readSentences(texts); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// readPackages parses Debian control paragraphs, keeping packages with a
// description, each name once.
func readPackages(r io.Reader) ([]pkg, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var out []pkg
	seen := map[string]bool{}
	var cur pkg
	var inTags bool
	flush := func() {
		if cur.name != "" && cur.short != "" && !seen[cur.name] {
			seen[cur.name] = true
			out = append(out, cur)
		}
		cur, inTags = pkg{}, false
	}
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			flush()
			continue
		}
		if line[0] == ' ' {
			if inTags {
				cur.tags = append(cur.tags, splitTags(line)...)
			}
			continue
		}
		inTags = false
		k, v, _ := strings.Cut(line, ":")
		v = strings.TrimSpace(v)
		switch k {
		case "Package":
			cur.name = v
		case "Section":
			cur.section = v
		case "Description":
			cur.short = v
		case "Tag":
			cur.tags, inTags = splitTags(v), true
		}
	}
	flush()
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("packages: %w", err)
	}
	return out, nil
}

// splitTags turns "game::strategy, interface::x11" into words.
func splitTags(s string) []string {
	var out []string
	for _, t := range strings.Split(s, ",") {
		t = strings.TrimSpace(t)
		if _, v, ok := strings.Cut(t, "::"); ok && v != "" {
			out = append(out, strings.NewReplacer("-", " ", ":", " ").Replace(v))
		}
	}
	return out
}

// readSentences reads the text of every expected.html (or else every
// .html) under dir and keeps its English-looking sentences.
func readSentences(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && d.Name() == "expected.html" {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("texts: %w", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("texts: no expected.html under %s", dir)
	}
	slices.Sort(files)
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("texts: %w", err)
		}
		for _, s := range splitSentences(htmlText(b)) {
			if englishLike(s) {
				out = append(out, s)
			}
		}
	}
	if len(out) < 100 {
		return nil, fmt.Errorf("texts: only %d sentences under %s; need at least 100", len(out), dir)
	}
	return out, nil
}

// htmlText is the text of an HTML document, one space between blocks.
func htmlText(b []byte) string {
	z := html.NewTokenizer(bytes.NewReader(b))
	var sb strings.Builder
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.Join(strings.Fields(sb.String()), " ")
		case html.TextToken:
			sb.Write(z.Text())
		}
		sb.WriteByte(' ')
	}
}

func splitSentences(s string) []string {
	var out []string
	for len(s) > 0 {
		i := strings.Index(s, ". ")
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i+1])
		s = s[i+2:]
	}
	return out
}

// englishLike keeps sentences of 40 to 400 bytes that are almost all
// ASCII letters, spaces and punctuation.
func englishLike(s string) bool {
	if len(s) < 40 || len(s) > 400 {
		return false
	}
	bad := 0
	for _, r := range s {
		if r > unicode.MaxASCII {
			bad++
		}
	}
	return bad*50 < len(s)
}

// doc returns document i. Titles are package descriptions (each package
// once per round of len(pkgs) documents, with its round after the first);
// bodies are the description, the package's neighbours' descriptions and
// tags, and article sentences; publication dates spread evenly over the
// year before c.end, in time order (newest first with c.newestFirst).
func (c *corpus) doc(i int) doc {
	h := fnv.New64a()
	fmt.Fprint(h, i)
	r := rand.New(rand.NewPCG(h.Sum64(), uint64(i)))
	n := len(c.pkgs)
	k := int((uint64(i) * 2654435761) % uint64(n)) // a fixed shuffle of the packages (n is not a multiple of it)
	p := c.pkgs[k]
	round := i / n
	title := p.short
	if round > 0 {
		title = fmt.Sprintf("%s (%s, part %d)", p.short, p.name, round+1)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s.", p.name, p.short)
	if len(p.tags) > 0 {
		fmt.Fprintf(&b, " It is about %s.", strings.Join(p.tags, ", "))
	}
	for j := 1; j <= 4; j++ {
		q := c.pkgs[(k+j*(1+round))%n]
		fmt.Fprintf(&b, " %s: %s.", q.name, q.short)
	}
	if len(c.sentences) > 0 {
		for range 6 + r.IntN(6) {
			b.WriteByte(' ')
			b.WriteString(c.sentences[r.IntN(len(c.sentences))])
		}
	}
	step := c.span / time.Duration(max(c.size, 1))
	pub := c.end.Add(-time.Duration(i)*step - time.Duration(r.Int64N(int64(step)+1)))
	if !c.newestFirst {
		pub = c.end.Add(-c.span + time.Duration(i)*step + time.Duration(r.Int64N(int64(step)+1)))
	}
	return doc{
		url:       fmt.Sprintf("http://bench.example/%s/%s/%d", sectionSlug(p.section), p.name, round),
		title:     title,
		body:      b.String(),
		published: pub.Truncate(time.Second),
	}
}

func sectionSlug(s string) string {
	if s == "" {
		return "misc"
	}
	return strings.ReplaceAll(s, "/", "-")
}
