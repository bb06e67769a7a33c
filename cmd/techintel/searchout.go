package main

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
	"github.com/techintel/techintel/index"
)

// ANSI bold for the matched words and titles on a terminal.
const (
	boldOn  = "\x1b[1m"
	boldOff = "\x1b[0m"
)

// colorOK reports whether w is a terminal that may get bold text: not when
// piped or redirected, and not with NO_COLOR set (no-color.org).
func colorOK(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// printHits prints results as a table for people. With collapse the count
// is of stories, each printed once with the sources that also reported it;
// bold marks the matched words and the titles when bold is set.
func printHits(w io.Writer, res *index.Result, offset int, collapse, bold bool) {
	fmt.Fprintln(w, countLine(res, collapse))
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tPUBLISHED\tCOMPONENTS\tSOURCE\tTITLE")
	for i, h := range res.Hits {
		title := termSafe(truncate(h.Title, 80))
		if bold {
			title = boldOn + title + boldOff
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", offset+i+1, h.Published.Format(time.DateOnly),
			strings.Join(h.Components, ","), termSafe(h.Source), title)
		fmt.Fprintf(tw, "\t\t\t\t%s\n", termSafe(h.URL))
		if s := snippetAround(h.Snippet, 100, bold); s != "" {
			fmt.Fprintf(tw, "\t\t\t\t%s\n", s)
		}
		if len(h.Also) > 0 {
			var also []string
			for _, c := range h.Also {
				also = append(also, c.Source)
			}
			slices.Sort(also)
			fmt.Fprintf(tw, "\t\t\t\talso reported by %s\n", termSafe(truncate(strings.Join(slices.Compact(also), ", "), 100)))
		}
	}
	tw.Flush()
}

// countLine says how many matched: documents, or with collapse the stories
// they make (the hits printed are stories, not documents).
func countLine(res *index.Result, collapse bool) string {
	plural := func(n uint64, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %s", n, many)
	}
	if collapse && res.Stories > 0 {
		return fmt.Sprintf("%s (%s) (%.1f ms)", plural(uint64(res.Stories), "story", "stories"),
			plural(res.Total, "matching document", "matching documents"), res.TookMS)
	}
	return fmt.Sprintf("%s (%.1f ms)", plural(res.Total, "result", "results"), res.TookMS)
}

// snippetAround returns about width characters of a snippet (HTML-escaped
// text with <mark> around matched terms) around its first match, so the
// matched word is never cut off, with "…" where text was left out. Matches
// are bold when bold is set, else plain.
func snippetAround(snippet string, width int, bold bool) string {
	type span struct {
		r    rune
		mark bool
	}
	var text []span
	mark := false
	rest := snippet
	for rest != "" {
		switch {
		case strings.HasPrefix(rest, "<mark>"):
			mark, rest = true, rest[len("<mark>"):]
			continue
		case strings.HasPrefix(rest, "</mark>"):
			mark, rest = false, rest[len("</mark>"):]
			continue
		}
		i := strings.Index(rest, "<")
		if i < 0 {
			i = len(rest)
		} else if i == 0 {
			i = 1 // a lone "<" (escaped text never has one)
		}
		// Crawled text: whitespace becomes one space, and what must not
		// reach a terminal (escape sequences, bidi overrides) is shown
		// escaped (termSafe).
		for _, r := range html.UnescapeString(rest[:i]) {
			switch {
			case unicode.IsSpace(r):
				if len(text) > 0 && text[len(text)-1].r != ' ' {
					text = append(text, span{' ', mark})
				}
			case unsafeInTerminal(r):
				for _, e := range termSafe(string(r)) {
					text = append(text, span{e, mark})
				}
			default:
				text = append(text, span{r, mark})
			}
		}
		rest = rest[i:]
	}
	for len(text) > 0 && text[len(text)-1].r == ' ' {
		text = text[:len(text)-1]
	}
	if len(text) == 0 {
		return ""
	}
	first := slices.IndexFunc(text, func(s span) bool { return s.mark })
	start := 0
	if first > width/3 && len(text) > width {
		// Begin a third of the width before the match, at a word start.
		start = first - width/3
		for start < first && text[start-1].r != ' ' {
			start++
		}
		if len(text)-start < width { // the end of the text fits: show more before
			start = max(0, len(text)-width)
			for start > 0 && start < first && text[start-1].r != ' ' {
				start++
			}
		}
	}
	end := min(len(text), start+width)
	if end < len(text) {
		// End at a word's end when there is one in the last quarter.
		for e := end; e > start+width*3/4; e-- {
			if text[e].r == ' ' {
				end = e
				break
			}
		}
	}
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	on := false
	for _, s := range text[start:end] {
		if bold && s.mark != on {
			if s.mark {
				b.WriteString(boldOn)
			} else {
				b.WriteString(boldOff)
			}
			on = s.mark
		}
		b.WriteRune(s.r)
	}
	if on {
		b.WriteString(boldOff)
	}
	if end < len(text) {
		b.WriteString("…")
	}
	return b.String()
}

// indexEmpty reports whether the index holds no documents at all, asking
// serve's API when serve holds the data directory.
func indexEmpty(ctx context.Context, cfg *Config) bool {
	all := url.Values{"limit": {"1"}}
	res, err := searchLocal(ctx, cfg, all)
	if datadir.IsInUse(err) {
		res, err = searchRemote(ctx, cfg, all, err)
	}
	return err == nil && res.Total == 0
}
