package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
	"github.com/techintel/techintel/cmd/techintel/internal/engine"
	"github.com/techintel/techintel/index"
)

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

// cmdSearch searches the index and prints a table, or the API's JSON with
// -json. While serve holds the data directory, it asks the running API.
func cmdSearch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("search", stderr)
	configPath := fs.String("config", "", "config file (TOML)")
	var components, entities, technologies, sources multiFlag
	fs.Var(&components, "component", "only this component (repeatable): industry, own, alliances, others")
	fs.Var(&entities, "entity", "only documents about this watched entity (repeatable)")
	fs.Var(&technologies, "technology", "only documents about this technology (repeatable)")
	fs.Var(&sources, "source", "only documents from this source (repeatable)")
	since := fs.String("since", "", "published at or after (YYYY-MM-DD or RFC 3339)")
	until := fs.String("until", "", "published up to (YYYY-MM-DD inclusive, or RFC 3339)")
	sortBy := fs.String("sort", index.SortRelevance, "relevance, date or recency")
	facets := fs.String("facets", "", "facets to count, comma-separated (components, entities, technologies, sources); none for none")
	limit := fs.Int("limit", index.DefaultLimit, "results to show (1-100)")
	offset := fs.Int("offset", 0, "results to skip")
	asJSON := fs.Bool("json", false, "print the API's JSON")
	collapse := fs.Bool("collapse", false, "one result per story (the same news from several sources)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfigFlag(*configPath)
	if err != nil {
		return err
	}
	params := url.Values{}
	params.Set("q", strings.Join(fs.Args(), " "))
	for name, vs := range map[string][]string{"component": components, "entity": entities, "technology": technologies, "source": sources} {
		for _, v := range vs {
			params.Add(name, v)
		}
	}
	for name, v := range map[string]string{"since": *since, "until": *until, "sort": *sortBy, "facets": *facets} {
		if v != "" {
			params.Set(name, v)
		}
	}
	params.Set("limit", strconv.Itoa(*limit))
	params.Set("offset", strconv.Itoa(*offset))
	if *collapse {
		params.Set("collapse", "story")
	}

	res, err := searchLocal(ctx, cfg, params)
	if datadir.IsInUse(err) {
		// serve holds the index: ask it instead of failing.
		res, err = searchRemote(ctx, cfg, params, err)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	printHits(stdout, res, *offset, *collapse, colorOK(stdout))
	if res.Total == 0 && indexEmpty(ctx, cfg) {
		fmt.Fprintf(stdout, "\nNothing has been gathered yet: the index is empty. Run techintel crawl -config %s,\nand techintel sources -config %s shows each source's last run and error.\n", *configPath, *configPath)
	}
	return nil
}

// searchLocal opens the data directory and searches it. Parameters are
// parsed exactly as the API parses them.
func searchLocal(ctx context.Context, cfg *Config, params url.Values) (*index.Result, error) {
	q, err := api.ParseSearchQuery(params)
	if err != nil {
		return nil, &usageError{msg: err.Error()}
	}
	d, err := datadir.Open(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	resolve, err := engine.NewResolver(cfg.settings())
	if err != nil {
		return nil, err
	}
	d.Index.SetResolver(resolve)
	res, err := d.Index.Search(ctx, q)
	if errors.Is(err, index.ErrBadQuery) {
		return nil, &usageError{msg: err.Error()}
	}
	return res, err
}

// searchRemote sends the search to the API of the serve process that holds
// the data directory.
func searchRemote(ctx context.Context, cfg *Config, params url.Values, inUse error) (*index.Result, error) {
	body, err := apiGet(ctx, cfg, "/api/v1/search", params, inUse)
	if err != nil {
		return nil, err
	}
	var res index.Result
	if err := json.Unmarshal(body, &res); err != nil {
		return nil, fmt.Errorf("search via %s: %w", cfg.API.Listen, err)
	}
	return &res, nil
}

// apiGet asks the running serve's API (at api.listen, with the config's
// first plain token) when the data directory is in use. A 400 becomes a
// usage error with the API's message.
func apiGet(ctx context.Context, cfg *Config, path string, params url.Values, inUse error) ([]byte, error) {
	return apiDo(ctx, cfg, http.MethodGet, path+"?"+params.Encode(), nil, inUse)
}

// apiDo sends a request to the running serve's API and returns the body of
// a 2xx answer.
func apiDo(ctx context.Context, cfg *Config, method, pathAndQuery string, body []byte, inUse error) ([]byte, error) {
	host, port, _ := net.SplitHostPort(cfg.API.Listen)
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	u := "http://" + net.JoinHostPort(host, port) + pathAndQuery
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != nil || method == http.MethodPost {
		// serve refuses a state-changing call without it (cross-site forms).
		req.Header.Set("Content-Type", "application/json")
	}
	if tok := clientToken(cfg.API.Tokens, method != http.MethodGet); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w, and its API at %s did not answer: %v", inUse, cfg.API.Listen, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("%s via %s: %w", req.URL.Path, cfg.API.Listen, err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct{ Error string }
		_ = json.Unmarshal(out, &e)
		if resp.StatusCode == http.StatusBadRequest {
			return nil, &usageError{msg: e.Error}
		}
		return nil, fmt.Errorf("%s via %s: %s: %s", req.URL.Path, cfg.API.Listen, resp.Status, e.Error)
	}
	return out, nil
}

// clientToken is the token a command sends to serve: the first one whose
// secret is in the config, an admin one first when the call writes.
func clientToken(tokens []TokenConfig, write bool) string {
	first := ""
	for _, t := range tokens {
		if t.Token == "" {
			continue
		}
		if !write || t.Scope == scopeAdmin {
			return t.Token
		}
		if first == "" {
			first = t.Token
		}
	}
	return first
}

// termSafe escapes what crawled text must not send to a terminal: control
// characters (an escape sequence can retitle the window, move the cursor
// or hide lines; a tab or newline breaks the table) and the bidirectional
// formatting characters (U+202E makes "txt.exe" read "exe.txt"). They
// show as \x1b or \u202e, so that the reader sees something was there.
func termSafe(s string) string {
	if !strings.ContainsFunc(s, unsafeInTerminal) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case !unsafeInTerminal(r):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			fmt.Fprintf(&b, "\\u%04x", r)
		}
	}
	return b.String()
}

// unsafeInTerminal: C0 and C1 controls, DEL, the bidi embeddings,
// overrides, isolates and marks, and the line and paragraph separators.
func unsafeInTerminal(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r < 0xa0) || r == '\u061c' || r == '\u200e' || r == '\u200f' ||
		(r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') || r == '\u2028' || r == '\u2029'
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
