package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/techintel/techintel/index"
)

func TestSnippetAround(t *testing.T) {
	long := strings.Repeat("filler words before the match ", 8)
	tests := []struct {
		name, snippet string
		bold          bool
		want          string // the output must contain this
		wantPrefix    string
	}{
		{"match late in a long snippet is shown", long + "the <mark>xeon</mark> chip ships in June with more words after it to fill the line",
			false, "the xeon chip ships", "…"},
		{"bold on a terminal", "Intel's <mark>Xeon</mark> 6 for vRAN", true, "Intel's \x1b[1mXeon\x1b[0m 6 for vRAN", "Intel's"},
		{"plain when piped", "Intel's <mark>Xeon</mark> 6 &amp; more", false, "Intel's Xeon 6 & more", "Intel's"},
		{"no match keeps the start", long, false, "filler words", "filler"},
		{"empty", "", false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := snippetAround(tt.snippet, 100, tt.bold)
			if !strings.Contains(got, tt.want) || !strings.HasPrefix(got, tt.wantPrefix) {
				t.Errorf("snippetAround = %q, want it to contain %q and start with %q", got, tt.want, tt.wantPrefix)
			}
			plain := strings.NewReplacer(boldOn, "", boldOff, "").Replace(got)
			if n := utf8.RuneCountInString(plain); n > 102 {
				t.Errorf("%d characters, want at most 100 and two ellipses", n)
			}
			if !tt.bold && strings.Contains(got, "\x1b") {
				t.Errorf("escape codes in plain output: %q", got)
			}
		})
	}
}

func FuzzSnippetAround(f *testing.F) {
	f.Add("a <mark>b</mark> c", 20)
	f.Add("<mark>x", 5)
	f.Add("&amp;<<mark>", 3)
	f.Fuzz(func(t *testing.T, s string, width int) {
		if width < 1 || width > 1000 {
			return
		}
		out := snippetAround(s, width, false)
		if strings.Contains(out, "<mark>") {
			t.Errorf("a mark left in %q", out)
		}
	})
}

func TestCountLine(t *testing.T) {
	res := &index.Result{Total: 2, Stories: 1, TookMS: 1.5}
	if got := countLine(res, true); got != "1 story (2 matching documents) (1.5 ms)" {
		t.Errorf("collapsed: %q", got)
	}
	if got := countLine(res, false); got != "2 results (1.5 ms)" {
		t.Errorf("not collapsed: %q", got)
	}
	if got := countLine(&index.Result{Total: 1}, false); got != "1 result (0.0 ms)" {
		t.Errorf("one: %q", got)
	}
}

// TestSearchCommandCollapsedCount: over the demo world, a collapsed search
// counts the stories it prints, and its snippets hold the word searched
// for, without escape codes when the output is not a terminal.
func TestSearchCommandCollapsedCount(t *testing.T) {
	configPath, _ := demoWorld(t, "127.0.0.1:0")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"crawl", "-config", configPath}, &stdout, &stderr); code != 0 {
		t.Fatalf("crawl: exit %d: %s", code, stderr.String())
	}
	stdout.Reset()
	if code := run(context.Background(), []string{"search", "-config", configPath, "-collapse", "-limit", "50", "open ran"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	first, _, _ := strings.Cut(out, "\n")
	rows := 0
	for line := range strings.SplitSeq(out, "\n") {
		if line != "" && line[0] >= '1' && line[0] <= '9' && strings.Contains(line, "  20") {
			rows++
		}
	}
	if !strings.Contains(first, "stories") && !strings.HasPrefix(first, "1 story") {
		t.Fatalf("count line %q does not count stories", first)
	}
	var n int
	if _, err := fmt.Sscan(first, &n); err != nil || n != rows {
		t.Errorf("count line %q, but %d stories printed:\n%s", first, rows, out)
	}
	if strings.Contains(out, "\x1b[") {
		t.Errorf("escape codes when not on a terminal")
	}
	if !strings.Contains(strings.ToLower(out), "open ran") {
		t.Errorf("no snippet shows the matched words:\n%s", out)
	}
}

// TestSearchCommandEmptyIndexHint: searching before anything was gathered
// says so; a search with no match in a gathered index does not.
func TestSearchCommandEmptyIndexHint(t *testing.T) {
	configPath, _ := demoWorld(t, "127.0.0.1:0")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"search", "-config", configPath, "nokia"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "Nothing has been gathered yet") || !strings.Contains(stdout.String(), "techintel crawl -config "+configPath) {
		t.Errorf("empty index, no hint:\n%s", stdout.String())
	}
	if code := run(context.Background(), []string{"crawl", "-config", configPath}, &stdout, &stderr); code != 0 {
		t.Fatalf("crawl: exit %d: %s", code, stderr.String())
	}
	stdout.Reset()
	run(context.Background(), []string{"search", "-config", configPath, "zzzunmatched"}, &stdout, &stderr)
	if !strings.HasPrefix(stdout.String(), "0 results") || strings.Contains(stdout.String(), "Nothing has been gathered") {
		t.Errorf("gathered index, no match:\n%s", stdout.String())
	}
}
