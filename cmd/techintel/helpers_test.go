package main

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
	"github.com/techintel/techintel/cmd/techintel/internal/engine"
)

// newTestGatherer opens a data directory in a temp dir for cfgText (which
// must not set data_dir): the tests of commands and the API that need a
// gatherer built from a configuration file's text.
func newTestGatherer(tb testing.TB, cfgText string) *engine.Gatherer {
	tb.Helper()
	cfg, err := ParseConfig(cfgText)
	if err != nil {
		tb.Fatal(err)
	}
	cfg.DataDir = filepath.Join(tb.TempDir(), "data")
	d, err := datadir.Open(cfg.DataDir)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	g, err := engine.NewGatherer(cfg.settings(), d, newLogger(io.Discard))
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

// openGatherer opens cfg.DataDir and a Gatherer over it; the caller closes
// the data directory.
func openGatherer(tb testing.TB, cfg *Config) (*engine.Gatherer, *datadir.Dir) {
	tb.Helper()
	d, err := datadir.Open(cfg.DataDir)
	if err != nil {
		tb.Fatal(err)
	}
	g, err := engine.NewGatherer(cfg.settings(), d, newLogger(io.Discard))
	if err != nil {
		d.Close()
		tb.Fatal(err)
	}
	return g, d
}

const rssOneItem = `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Nokia news</title><link>https://news.example/a</link><description>Nokia did a thing.</description></item>
</channel></rss>`

func doJSON(tb testing.TB, method, url, body string) (int, map[string]any) {
	tb.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}
