package cluster_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// This file holds the parts of TestClusterProcesses: the real processes
// it runs (nats-server, techintel serve, worker and serve -replica), the
// feeds it serves and the API reads it counts with.

// natsServerBinary finds the nats-server binary: TECHINTEL_NATS_SERVER
// (which must then exist: CI sets it) or PATH.
func natsServerBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("TECHINTEL_NATS_SERVER"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("TECHINTEL_NATS_SERVER=%s: %v", p, err)
		}
		return p
	}
	p, err := exec.LookPath("nats-server")
	if err != nil {
		t.Skip("no nats-server binary: set TECHINTEL_NATS_SERVER or put nats-server on PATH " +
			"(go build -o bin/nats-server github.com/nats-io/nats-server/v2, or apt install nats-server); .ci/run builds it")
	}
	return p
}

// techintelBinary builds the techintel binary into a temporary directory
// (TECHINTEL_BIN names one built already).
func techintelBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("TECHINTEL_BIN"); p != "" {
		return p
	}
	out := filepath.Join(t.TempDir(), "techintel")
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		gobin = "go"
	}
	cmd := exec.Command(gobin, "build", "-o", out, "github.com/techintel/techintel/cmd/techintel")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build techintel: %v\n%s", err, msg)
	}
	return out
}

// freeAddr is a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// proc is a child process the test started; its output goes to a file
// shown when the test fails.
type proc struct {
	t    *testing.T
	name string
	bin  string
	args []string
	log  string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

func startProc(t *testing.T, name, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, name: name, bin: bin, args: args, log: filepath.Join(t.TempDir(), name+".log")}
	p.start()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			data, _ := os.ReadFile(p.log)
			if len(data) > 6000 {
				data = data[len(data)-6000:]
			}
			t.Logf("--- the end of %s's output:\n%s", p.name, data)
		}
	})
	return p
}

// start starts the process (again, after a stop), appending to its log.
func (p *proc) start() {
	p.t.Helper()
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		p.t.Fatal(err)
	}
	fmt.Fprintf(f, "=== start %s %s\n", p.bin, strings.Join(p.args, " "))
	p.cmd = exec.Command(p.bin, p.args...)
	p.cmd.Stdout, p.cmd.Stderr = f, f
	if err := p.cmd.Start(); err != nil {
		f.Close()
		p.t.Fatalf("start %s: %v", p.name, err)
	}
	p.done = make(chan struct{})
	go func() {
		p.err = p.cmd.Wait()
		f.Close()
		close(p.done)
	}()
}

// running says whether the process has not exited.
func (p *proc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill() {
	if p.running() {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
	}
	<-p.done
}

// stop sends SIGTERM and waits for a clean exit (exit status 0).
func (p *proc) stop() {
	p.t.Helper()
	if !p.running() {
		p.t.Fatalf("%s exited before it was stopped: %v", p.name, p.err)
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(2 * time.Minute):
		p.kill()
		p.t.Fatalf("%s did not stop within 2 minutes of SIGTERM", p.name)
	}
	if p.err != nil {
		p.t.Fatalf("%s exited with %v after SIGTERM", p.name, p.err)
	}
}

// waitUntil polls cond until it holds. The deadline is generous: it is a
// failure only when nothing happens at all.
func waitUntil(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(4 * time.Minute)
	var last error
	for {
		ok, err := cond()
		if ok {
			return
		}
		if err != nil {
			last = err
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after 4 minutes (last error: %v)", what, last)
		}
		time.Sleep(50 * time.Millisecond) // polling for an event, not a timing window
	}
}

// getJSON decodes the answer of a GET into v.
func getJSON(rawURL string, v any) error {
	resp, err := http.Get(rawURL)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("GET %s: %s: %s", rawURL, resp.Status, body)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

type hit struct {
	ID     string `json:"id"`
	URL    string `json:"url"`
	Source string `json:"source"`
}

// searchAll pages through every result of a search (newest first) and
// returns the hits, failing on a URL indexed twice.
func searchAll(api string, params url.Values) ([]hit, error) {
	var all []hit
	byURL := map[string]string{}
	after := ""
	for {
		v := url.Values{"sort": {"date"}, "limit": {"100"}, "facets": {"none"}}
		for k, vs := range params {
			v[k] = vs
		}
		if after != "" {
			v.Set("after", after)
		}
		var res struct {
			Hits []hit
			Next string
		}
		if err := getJSON("http://"+api+"/api/v1/search?"+v.Encode(), &res); err != nil {
			return nil, err
		}
		for _, h := range res.Hits {
			if other, ok := byURL[h.URL]; ok && other != h.ID {
				return nil, fmt.Errorf("%s is indexed twice, as %s and %s", h.URL, other, h.ID)
			}
			byURL[h.URL] = h.ID
			all = append(all, h)
		}
		if res.Next == "" || len(res.Hits) == 0 {
			return all, nil
		}
		after = res.Next
	}
}

// counts is how many documents each source has, as a search tells.
func counts(api string) (map[string]int, error) {
	hits, err := searchAll(api, nil)
	if err != nil {
		return nil, err
	}
	ids := map[string]bool{}
	n := map[string]int{}
	for _, h := range hits {
		if ids[h.ID] {
			return nil, fmt.Errorf("document %s answered twice", h.ID)
		}
		ids[h.ID] = true
		n[h.Source]++
	}
	return n, nil
}

// total is how many documents a search finds.
func total(api string, params url.Values) (int, error) {
	v := url.Values{"limit": {"1"}, "facets": {"none"}}
	for k, vs := range params {
		v[k] = vs
	}
	var res struct{ Total int }
	err := getJSON("http://"+api+"/api/v1/search?"+v.Encode(), &res)
	return res.Total, err
}

// bulkFeeds serves /feed/N: n items (raised by the test), each a
// distinct story, with an ETag so that an unchanged feed answers 304.
type bulkFeeds struct {
	*http.Server
	url string
	n   atomic.Int64
}

func startBulkFeeds(t *testing.T) *bulkFeeds {
	t.Helper()
	b := &bulkFeeds{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b.url = "http://" + ln.Addr().String()
	b.Server = &http.Server{Handler: http.HandlerFunc(b.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = b.Serve(ln) }()
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func (b *bulkFeeds) serve(w http.ResponseWriter, r *http.Request) {
	feed, ok := strings.CutPrefix(r.URL.Path, "/feed/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	n := b.n.Load()
	etag := fmt.Sprintf(`"%d"`, n)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", "application/rss+xml")
	var body bytes.Buffer
	fmt.Fprint(&body, `<?xml version="1.0"?><rss version="2.0"><channel><title>bulk</title>`)
	for k := range int(n) {
		fmt.Fprintf(&body, `<item><guid>bulk-%[1]s-%[2]d</guid><title>Zephyrix radio item %[1]s-%[2]d</title><link>%[3]s/item/%[1]s/%[2]d</link>
<description>Zephyrix shipped radio %[2]d of feed %[1]s. %[4]s</description></item>`, feed, k, b.url, storyText(feed, k))
	}
	fmt.Fprint(&body, `</channel></rss>`)
	_, _ = w.Write(body.Bytes())
}

// storyText is a paragraph of words drawn for item k of a feed, so that
// items are distinct stories (one story alerts once).
func storyText(feed string, k int) string {
	words := strings.Fields("open ran networks carry traffic for operators radio spectrum core cloud edge slicing " +
		"antenna baseband fibre backhaul tower site energy latency throughput uplink downlink handover beam " +
		"massive mimo small cell private campus factory port rail satellite direct device roaming billing")
	// A hash of both, so that no two items share a text (and a story).
	h := fnv.New64a()
	fmt.Fprintf(h, "%s/%d", feed, k)
	r := rand.New(rand.NewPCG(h.Sum64(), 7))
	out := make([]string, 60)
	for i := range out {
		out[i] = words[r.IntN(len(words))]
	}
	return strings.Join(out, " ") + "."
}

// slowFeed serves one feed whose first fetch never ends by itself: it
// reports which worker (by User-Agent) made it and holds the request
// until that worker dies. Later fetches answer at once.
type slowFeed struct {
	url     string
	fetches chan string // the User-Agent of each fetch
	held    atomic.Bool
}

func startSlowFeed(t *testing.T) *slowFeed {
	t.Helper()
	s := &slowFeed{fetches: make(chan string, 16)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.url = "http://" + ln.Addr().String()
	var wg sync.WaitGroup
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wg.Add(1)
		defer wg.Done()
		s.fetches <- r.Header.Get("User-Agent")
		if s.held.CompareAndSwap(false, true) {
			<-r.Context().Done() // the worker was killed
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>slow</title>`)
		for k := range 3 {
			fmt.Fprintf(w, `<item><guid>slow-%[1]d</guid><title>Zephyrix slow item %[1]d</title><link>%[2]s/item/%[1]d</link>
<description>Zephyrix slow news %[1]d. %[3]s</description></item>`, k, s.url, storyText("slow", k))
		}
		fmt.Fprint(w, `</channel></rss>`)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close(); wg.Wait() })
	return s
}

// nextFetch waits for the slow feed's next fetch and returns its
// User-Agent.
func (s *slowFeed) nextFetch(t *testing.T) string {
	t.Helper()
	select {
	case ua := <-s.fetches:
		return ua
	case <-time.After(4 * time.Minute):
		t.Fatal("the slow feed was not fetched within 4 minutes")
		return ""
	}
}

// alertedDocs pages through a subscription's alerts on api and returns
// how many alerts each document has.
func alertedDocs(api, sub string) (map[string]int, error) {
	seen := map[string]int{}
	after := ""
	for {
		v := url.Values{"subscription": {sub}, "limit": {"500"}}
		if after != "" {
			v.Set("after", after)
		}
		var res struct {
			Alerts []struct {
				Document hit `json:"document"`
			}
			Next string
		}
		if err := getJSON("http://"+api+"/api/v1/alerts?"+v.Encode(), &res); err != nil {
			return nil, err
		}
		for _, a := range res.Alerts {
			seen[a.Document.ID]++
		}
		// next never ends: it is where the next poll starts.
		if len(res.Alerts) < 500 {
			return seen, nil
		}
		after = res.Next
	}
}

// postJSON posts v and decodes a 201 answer into out.
func postJSON(rawURL string, v, out any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	resp, err := http.Post(rawURL, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return errors.New(resp.Status + ": " + string(msg))
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
