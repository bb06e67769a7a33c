package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/techintel/techintel/cmd/techintel/internal/demoworld"
	"github.com/techintel/techintel/cmd/techintel/internal/engine"
)

// cmdDemo serves the bundled sample world on loopback, gathers, tags and
// indexes it into a temporary data directory, and serves the API over it
// until interrupted. It needs no network and no config.
func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", stderr)
	listen := fs.String("listen", defaultListen, "address of the API")
	keep := fs.Bool("keep", false, "keep the temporary data directory on exit")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	// retag beside a running demo signals it as it signals serve
	// (SIGHUP, to the PID in the data directory's LOCK): the signal's
	// default action would end the demo. From here on it is caught; the
	// serving engine reloads the config on it, and one that arrives while
	// the world is gathered is passed on once serving starts.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	if host, _, err := net.SplitHostPort(*listen); err != nil || !isLoopbackHost(host) {
		return &usageError{msg: fmt.Sprintf("-listen: %q must be a loopback host:port (the demo has no API tokens)", *listen)}
	}

	// Before gathering anything: a busy port would only fail at the end.
	if err := portFree(*listen); err != nil {
		return err
	}

	// The world: feeds and a small site on a loopback port of its own.
	worldLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("demo world: %w", err)
	}
	world := &http.Server{Handler: demoworld.Handler(time.Now()), ReadHeaderTimeout: 5 * time.Second}
	go world.Serve(worldLn)
	defer world.Close()
	baseURL := "http://" + worldLn.Addr().String()

	dir, err := os.MkdirTemp("", "techintel-demo-")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if !*keep {
		defer os.RemoveAll(dir)
	}
	dataDir := filepath.Join(dir, "data")
	configPath := filepath.Join(dir, "techintel.toml")
	if err := os.WriteFile(configPath, []byte(demoworld.ConfigTOML(baseURL, dataDir, *listen)), 0o600); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	cfg, err := LoadConfig(configPath)
	if err != nil {
		return fmt.Errorf("demo: bundled config: %w", err)
	}

	fmt.Fprintf(stdout, "techintel demo: sample world at %s, data in %s\n\n", baseURL, dir)
	// Gather the world once, printing progress, then serve it: two
	// engines, one after the other, each owning the data directory while
	// it runs.
	log := newLogger(stderr)
	// The gathering prints its progress on stdout: the log keeps the rest.
	crawler := engine.New(engine.Options{Settings: cfg.settings(), Log: slog.New(quietHandler{log.Handler()}), Progress: progressPrinter(stdout)})
	if err := crawler.Open(ctx); err != nil {
		return err
	}
	err = crawlAndReport(ctx, crawler.Gatherer(), nil, stdout)
	if err := errors.Join(err, crawler.Close(context.WithoutCancel(ctx))); err != nil {
		return fmt.Errorf("demo: gathering the sample world: %w", err)
	}

	ready := func(addr string) {
		printDemoHelp(stdout, addr, configPath, cfg.Sources[0].Name)
		select {
		case <-hup:
			// Caught while gathering (or just now): the serving engine's
			// handler takes it from here.
			log.Info("demo: reloading for a SIGHUP received while gathering")
			if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
				log.Warn("demo: could not pass on SIGHUP", slog.Any("error", err))
			}
		default:
		}
	}
	o := engine.Options{Settings: cfg.settings(), Log: log, Schedule: true, Reload: reloadFrom(configPath, cfg)}
	err = serve(ctx, cfg, engine.New(o), log, ready)
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

func printDemoHelp(w io.Writer, addr, configPath, source string) {
	base := "http://" + addr
	fmt.Fprintf(w, "\nThe web pages are up at %[1]s/ (search), %[1]s/entities, %[1]s/alerts, %[1]s/digest and %[1]s/sources.\n", base)
	fmt.Fprintf(w, "\nThe API is up at %s. Searches that show what techintel gets right:\n\n", base)
	for _, ex := range demoworld.Examples() {
		fmt.Fprintf(w, "  # %s: expect %s\n", ex.Title, ex.Expect)
		fmt.Fprintf(w, "  curl -s '%s/api/v1/search?%s' | jq '.total, [.hits[].title]'\n\n", base, ex.Values().Encode())
	}
	fmt.Fprintf(w, `More:

  curl -s '%[1]s/api/v1/search?q=%%22open+ran%%22&sort=date' | jq '.hits[] | {title, snippet, components}'
  curl -s '%[1]s/api/v1/sources' | jq .
  curl -s -X POST '%[1]s/api/v1/sources/%[3]s/run' | jq .
  curl -s '%[1]s/api/v1/documents/ID' | jq '.evidence'      # ID from any hit

or from another terminal, through this running demo:

  go run ./cmd/techintel search -config %[2]s -component others 5G

Press Ctrl-C to stop; the temporary data directory is removed.
`, base, configPath, source)
}
