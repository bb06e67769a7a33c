// Command techintel gathers technology news about a watch list of
// organisations, tags every document with the four intelligence components
// (industry, own, alliances, others), indexes it and serves search, alerts
// and digests over a JSON API.
//
// Usage:
//
//	techintel serve  -config FILE
//	techintel crawl  -config FILE [-source NAME]
//	techintel search -config FILE [-component C] [-entity E] [-limit N] [-json] QUERY
//	techintel digest -config FILE [-week YYYY-Www] [-format markdown|html|json]
//	techintel demo   [-listen ADDR]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/techintel/techintel/cmd/techintel/internal/engine"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2 // bad flags or bad config
)

const usage = `techintel: technology intelligence from feeds and sites

Usage:
  techintel serve  -config FILE [-replica]          run the scheduler and the HTTP API (-replica: a cluster's search replica)
  techintel crawl  -config FILE [-source NAME]      run every source (or one) once
  techintel search -config FILE [flags] QUERY       search the index
  techintel digest -config FILE [-week YYYY-Www] [-format markdown|html|json] [-send]
  techintel sources -config FILE                    health of every source
  techintel sources discover|import|export ...      find feeds on a page; OPML in and out
  techintel subscriptions add|list|rm -config FILE ...  saved searches that raise alerts
  techintel retag  -config FILE                     re-apply the watch list to every stored document
  techintel backup -config FILE DIR                 consistent copy of the data directory, also while serve runs
  techintel demo   [-listen ADDR]                   offline demo world, gathered and served
  techintel worker -config FILE                     fetch the runs a cluster's serve publishes ([cluster])
  techintel init   [-o FILE] [-own NAME ...]        write a starter config (asks on a terminal)

Run "techintel COMMAND -h" for a command's flags.
`

func main() {
	// A file size limit (ulimit -f) must fail the write that passes it
	// with EFBIG, reported on the source, not kill the server.
	signal.Ignore(syscall.SIGXFSZ)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches a command line and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "serve":
		err = cmdServe(ctx, args[1:], stdout, stderr)
	case "crawl":
		err = cmdCrawl(ctx, args[1:], stdout, stderr)
	case "search":
		err = cmdSearch(ctx, args[1:], stdout, stderr)
	case "sources":
		err = cmdSources(ctx, args[1:], stdout, stderr)
	case "subscriptions":
		err = cmdSubscriptions(ctx, args[1:], stdout, stderr)
	case "retag":
		err = cmdRetag(ctx, args[1:], stdout, stderr)
	case "digest":
		err = cmdDigest(ctx, args[1:], stdout, stderr)
	case "backup":
		err = cmdBackup(ctx, args[1:], stdout, stderr)
	case "demo":
		err = cmdDemo(ctx, args[1:], stdout, stderr)
	case "worker":
		err = cmdWorker(ctx, args[1:], stdout, stderr)
	case "init":
		err = cmdInit(ctx, args[1:], os.Stdin, stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "techintel: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	return exitCode(err, stderr)
}

// exitCode prints err and maps it to an exit code.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	fmt.Fprintf(stderr, "techintel: %v\n", err)
	var cerr *ConfigError
	var ecerr *engine.ConfigError
	var uerr *usageError
	if errors.As(err, &cerr) || errors.As(err, &ecerr) || errors.As(err, &uerr) {
		return exitUsage
	}
	return exitFailure
}

// usageError is a bad command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("techintel "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses args, turning flag errors into usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{msg: err.Error()}
	}
	return nil
}

// loadConfigFlag loads the -config file, which every command but demo needs.
func loadConfigFlag(path string) (*Config, error) {
	if path == "" {
		return nil, &usageError{msg: "-config FILE is required"}
	}
	return LoadConfig(path)
}

// newLogger returns the process logger: text to stderr, info and up.
func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
