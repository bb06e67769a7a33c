package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/techintel/techintel/cmd/techintel/internal/demoworld"
)

// useDemoWorld points every source of cfg at the bundled demo world, served
// on a loopback port for as long as the command runs: a feed source reads
// one of the world's feeds, a site source crawls its site. The data goes
// to a temporary directory, so a trial run never mixes sample stories into
// the real index. It lets a newcomer check a config end to end (watch
// list, technologies, schedules, crawl settings) with no network:
// `techintel crawl -config config.example.toml -demo-world`.
func useDemoWorld(cfg *Config, stdout io.Writer) (stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("-demo-world: %w", err)
	}
	srv := &http.Server{Handler: demoworld.Handler(time.Now()), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	base := "http://" + ln.Addr().String()
	dir, err := os.MkdirTemp("", "techintel-demo-world-")
	if err != nil {
		srv.Close()
		return nil, fmt.Errorf("-demo-world: %w", err)
	}
	stop = func() {
		srv.Close()
		os.RemoveAll(dir)
	}
	world, err := ParseConfig(demoworld.ConfigTOML(base, filepath.Join(dir, "data"), defaultListen))
	if err != nil {
		stop()
		return nil, fmt.Errorf("-demo-world: bundled config: %w", err)
	}
	var feeds []string
	site, delay := "", Duration(0)
	for _, s := range world.Sources {
		switch s.Type {
		case sourceFeed:
			feeds = append(feeds, s.URL)
		case sourceSite:
			site, delay = s.URL, s.Crawl.Delay
		}
	}
	nfeed := 0
	for i := range cfg.Sources {
		s := &cfg.Sources[i]
		switch s.Type {
		case sourceFeed:
			s.URL = feeds[nfeed%len(feeds)]
			nfeed++
			s.FullText = false // the world's items link to pages it does not serve
		case sourceSite:
			s.URL = site
			// The real site's scope would keep the crawl off the world's pages.
			s.Crawl.AllowedDomains, s.Crawl.Include, s.Crawl.Exclude = nil, nil, nil
			// The world is ours, on loopback: its own delay, not a public site's.
			s.Crawl.Delay = delay
		}
	}
	cfg.HTTP.AllowPrivateNetworks = true // the world is on loopback
	cfg.DataDir = filepath.Join(dir, "data")
	fmt.Fprintf(stdout, "-demo-world: every source reads the bundled demo world at %s instead of its URL;\n"+
		"the data goes to %s and is removed at exit. Drop -demo-world to gather the real sources.\n\n", base, dir)
	return stop, nil
}
