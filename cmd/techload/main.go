// Command techload puts a running techintel API under load and reports
// what it saw: requests, errors, latency percentiles and, given the
// server's PID, its peak resident memory. It can also serve a generated
// world of site pages and feeds on loopback for serve to crawl meanwhile.
//
// Usage:
//
//	techload world -listen 127.0.0.1:9000 [-pages 3000] [-feeds 4]
//	techload run -url http://127.0.0.1:8080 [-clients 50] [-duration 30s] [-queries FILE] [-token T] [-pid PID] [-json]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "techload:", err)
		os.Exit(1)
	}
}

const usage = `techload: load for a techintel API

  techload world -listen ADDR [-pages N] [-feeds N]     serve a generated site and feeds to crawl
  techload run -url URL [-clients N] [-duration D] [-queries FILE] [-token T] [-pid PID] [-json]
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command")
	}
	switch args[0] {
	case "world":
		fs := flag.NewFlagSet("techload world", flag.ContinueOnError)
		fs.SetOutput(stderr)
		listen := fs.String("listen", "127.0.0.1:9000", "address to serve the world on")
		pages := fs.Int("pages", 3000, "pages of the generated site")
		feeds := fs.Int("feeds", 4, "generated feeds (/feed/0.xml …), 50 new items a minute each")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		srv := &http.Server{Addr: *listen, Handler: newWorld(*pages, *feeds, time.Now()), ReadHeaderTimeout: 10 * time.Second}
		go func() { <-ctx.Done(); srv.Close() }()
		fmt.Fprintf(stdout, "world: site http://%s/site/ (%d pages), feeds http://%s/feed/0.xml … (%d)\n", *listen, *pages, *listen, *feeds)
		if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	case "run":
		fs := flag.NewFlagSet("techload run", flag.ContinueOnError)
		fs.SetOutput(stderr)
		cfg := Config{}
		fs.StringVar(&cfg.URL, "url", "http://127.0.0.1:8080", "base URL of the techintel API")
		fs.IntVar(&cfg.Clients, "clients", 50, "concurrent clients")
		fs.DurationVar(&cfg.Duration, "duration", 30*time.Second, "how long to run")
		fs.StringVar(&cfg.Token, "token", "", "bearer token, if the API needs one")
		fs.IntVar(&cfg.PID, "pid", 0, "PID of the server, to report its peak RSS")
		queries := fs.String("queries", "", "file of search query strings (URL query parameters), one a line; default: a built-in mix")
		asJSON := fs.Bool("json", false, "print the report as JSON")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *queries != "" {
			b, err := os.ReadFile(*queries)
			if err != nil {
				return err
			}
			for _, l := range strings.Split(string(b), "\n") {
				if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
					cfg.Queries = append(cfg.Queries, l)
				}
			}
		}
		rep, err := Run(ctx, cfg)
		if err != nil {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(rep)
		}
		rep.Print(stdout)
		return nil
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}
