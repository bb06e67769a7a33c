package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
)

// The crawl and demo commands print each source's progress and outcome on
// stdout; the gatherer also logs them for serve. Without these filters a
// person running crawl read the site's last progress line twice (the
// crawler's final progress call and the gatherer's closing report) and
// each failure three times (the page log, the run log, the stdout line).

// progressPrinter returns a progress func that prints a source's line
// unless it is the same as the last one printed for that source.
func progressPrinter(w io.Writer) func(source, msg string) {
	var mu sync.Mutex
	last := map[string]string{}
	return func(source, msg string) {
		mu.Lock()
		defer mu.Unlock()
		if last[source] == msg {
			return
		}
		last[source] = msg
		fmt.Fprintf(w, "  %s: %s\n", source, msg)
	}
}

// syncWriter serialises writes to w: crawl and demo print each source's
// lines while other sources, running at once, print their progress.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// printedOnStdout are the log messages whose content the crawl command
// prints on stdout already (the outcome line and its "- problem" lines).
var printedOnStdout = map[string]bool{
	"source run finished": true,
	"page failed":         true,
}

// quietHandler drops the log records the command prints on stdout anyway;
// with -v every record goes through.
type quietHandler struct{ slog.Handler }

func (h quietHandler) Handle(ctx context.Context, r slog.Record) error {
	if printedOnStdout[r.Message] {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h quietHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return quietHandler{h.Handler.WithAttrs(attrs)}
}

func (h quietHandler) WithGroup(name string) slog.Handler {
	return quietHandler{h.Handler.WithGroup(name)}
}
