package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/techintel/techintel/index"
)

// server is a running `techintel serve`.
type server struct {
	cmd   *exec.Cmd
	out   *bytes.Buffer
	base  string
	start time.Time
	// waited has the result of the process's Wait.
	waited chan error
}

// startServe starts serve and waits until it answers a search (or exits,
// or ctx ends); it returns the time from start to that first answer.
func startServe(ctx context.Context, bin, conf, addr string, extra ...string) (*server, time.Duration, error) {
	return startServeIn(ctx, "", bin, conf, addr, extra...)
}

// startServeIn is startServe with serve started inside the memory
// cgroup cg (a directory of cgroup v1's memory controller; "" for none).
func startServeIn(ctx context.Context, cg, bin, conf, addr string, extra ...string) (*server, time.Duration, error) {
	s := &server{out: &bytes.Buffer{}, base: "http://" + addr}
	s.cmd = exec.Command(bin, append([]string{"serve", "-config", conf}, extra...)...)
	if cg != "" {
		// The shell joins the cgroup, then becomes serve: serve's
		// every page is charged there from its first.
		s.cmd = exec.Command("/bin/sh", append([]string{"-c", `echo $$ > "$0" && exec "$@"`, filepath.Join(cg, "cgroup.procs"), bin, "serve", "-config", conf}, extra...)...)
	}
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	s.start = time.Now()
	if err := s.cmd.Start(); err != nil {
		return nil, 0, err
	}
	exited := make(chan error, 1)
	go func() { exited <- s.cmd.Wait() }()
	cl := &http.Client{Timeout: time.Minute}
	deadline := time.After(30 * time.Minute)
	for {
		resp, err := cl.Get(s.base + "/api/v1/search?q=package&limit=1")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				took := time.Since(s.start)
				s.waited = exited
				return s, took, nil
			}
		}
		select {
		case err := <-exited:
			return nil, 0, fmt.Errorf("techintel serve exited before answering: %v\n%s", err, tail(s.out.String(), 2000))
		case <-ctx.Done():
			s.cmd.Process.Kill()
			<-exited
			return nil, 0, ctx.Err()
		case <-deadline:
			s.cmd.Process.Kill()
			<-exited
			return nil, 0, fmt.Errorf("techintel serve did not answer %s within 30 minutes\n%s", s.base, tail(s.out.String(), 2000))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// stop ends serve with SIGTERM, as its operator would, and waits.
func (s *server) stop() error {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.waited:
		return err
	case <-time.After(5 * time.Minute):
		s.cmd.Process.Kill()
		return errors.New("techintel serve did not stop within 5 minutes of SIGTERM; killed")
	}
}

// memCgroup drops the page cache and makes a cgroup v1 memory group
// limited to limitMB (the page cache of the files serve reads included,
// which the kernel then reclaims first) and returns its directory and a function that removes it once
// serve has exited.
func memCgroup(limitMB int) (string, func() float64, error) {
	dir := filepath.Join("/sys/fs/cgroup/memory", fmt.Sprintf("techbench-%d", os.Getpid()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", nil, fmt.Errorf("-serve-memory-limit needs cgroup v1's memory controller and root: %w", err)
	}
	// Pages already cached (the harness just wrote the index) would be
	// charged to the group that read them first, not to serve's: drop
	// them, so that serve's group is charged for every page it uses.
	syscall.Sync()
	if err := os.WriteFile("/proc/sys/vm/drop_caches", []byte("1"), 0o644); err != nil {
		os.Remove(dir)
		return "", nil, fmt.Errorf("-serve-memory-limit: dropping the page cache: %w", err)
	}
	limit := strconv.Itoa(limitMB << 20)
	if err := os.WriteFile(filepath.Join(dir, "memory.limit_in_bytes"), []byte(limit), 0o644); err != nil {
		os.Remove(dir)
		return "", nil, fmt.Errorf("-serve-memory-limit: %w", err)
	}
	done := func() float64 {
		b, _ := os.ReadFile(filepath.Join(dir, "memory.max_usage_in_bytes"))
		peak, _ := strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
		os.Remove(dir)
		return peak / (1 << 20)
	}
	return dir, done, nil
}

// settle waits until serve and this process are both idle for two
// seconds in a row (under 2% of a core each), or 20 minutes have passed:
// an index just written still merges its segments at open, in serve and
// in this process (the bare index), and the searches should measure
// what a running deployment answers, not the merges. It returns the
// seconds waited.
func (s *server) settle(ctx context.Context) (float64, error) {
	start := time.Now()
	cpu := func() (float64, float64) { return s.cpuSeconds(), selfCPU() }
	quiet := 0
	prevServe, prevSelf := cpu()
	for quiet < 2 && time.Since(start) < 20*time.Minute {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case err := <-s.waited:
			s.waited <- err
			return 0, fmt.Errorf("techintel serve exited while settling: %v\n%s", err, tail(s.out.String(), 2000))
		case <-time.After(time.Second):
		}
		sv, sf := cpu()
		if sv-prevServe < 0.02 && sf-prevSelf < 0.02 {
			quiet++
		} else {
			quiet = 0
		}
		prevServe, prevSelf = sv, sf
	}
	return time.Since(start).Seconds(), nil
}

// cpuSeconds is serve's CPU time so far (user and system, from /proc).
func (s *server) cpuSeconds() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// The fields after the command name (which may hold spaces, so
	// split after its closing parenthesis): utime and stime are the
	// 12th and 13th, in clock ticks (100 a second on Linux).
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (u + st) / 100
}

// peakRSSMB is serve's peak resident memory so far (VmHWM).
func (s *server) peakRSSMB() float64 { return s.status("VmHWM:") }

// anonMB is serve's anonymous resident memory now (RssAnon).
func (s *server) anonMB() float64 { return s.status("RssAnon:") }

// status is the field of serve's /proc status named by key, in MB.
func (s *server) status(key string) float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// addSubscriptions saves n subscriptions through a serve without sources:
// a word or two of the corpus each, as people save them.
func addSubscriptions(ctx context.Context, bin, conf, addr string, c *corpus, n int, log io.Writer) error {
	s, _, err := startServe(ctx, bin, conf, addr)
	if err != nil {
		return err
	}
	defer s.stop()
	for i, q := range mix(c, n, 2, c.size) {
		body, _ := json.Marshal(map[string]string{"name": fmt.Sprintf("bench-%d", i), "query": q.q})
		resp, err := http.Post(s.base+"/api/v1/subscriptions", "application/json", bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("subscription %d: %w", i, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("subscription %d (%s): %s: %s", i, q.q, resp.Status, b)
		}
	}
	fmt.Fprintf(log, "techbench: %d subscriptions saved\n", n)
	return nil
}

// searchBoth starts serve, measures its start-up, then runs each search
// of mixed through the API and against the bare index, alternating which
// goes first; the first 20 warm both up and are not counted.
func searchBoth(ctx context.Context, bin, conf, addr string, bare bleve.Index, mixed []search, rep *report, profile string, memLimitMB int, log io.Writer) error {
	var extra []string
	if profile != "" {
		if err := os.MkdirAll(profile, 0o755); err != nil {
			return err
		}
		extra = []string{"-cpuprofile", filepath.Join(profile, "serve.cpu.pprof"), "-memprofile", filepath.Join(profile, "serve.heap.pprof")}
	}
	cg := ""
	if memLimitMB > 0 {
		var done func() float64
		var err error
		if cg, done, err = memCgroup(memLimitMB); err != nil {
			return err
		}
		rep.ServeMemLimitMB = memLimitMB
		defer func() { rep.CgroupPeakMB = done() }() // after serve's stop below
	}
	s, took, err := startServeIn(ctx, cg, bin, conf, addr, extra...)
	if err != nil {
		return err
	}
	rep.StartSec = took.Seconds()
	fmt.Fprintf(log, "techbench: serve answered after %.2f s\n", rep.StartSec)
	if rep.SettleSec, err = s.settle(ctx); err != nil {
		s.stop()
		return err
	}
	fmt.Fprintf(log, "techbench: serve and the bare index settled after %.0f s more; %d searches\n", rep.SettleSec, len(mixed)-20)
	cl := &http.Client{Timeout: 5 * time.Minute}
	apiSearch := func(q search) (uint64, time.Duration, error) {
		t := time.Now()
		resp, err := cl.Get(s.base + "/api/v1/search?" + q.values().Encode())
		if err != nil {
			return 0, 0, err
		}
		var res struct{ Total uint64 }
		err = json.NewDecoder(resp.Body).Decode(&res)
		// Read to the end (the encoder's newline): a body closed
		// unread makes the client close the connection, and every
		// search would then pay for a new one.
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		d := time.Since(t)
		if resp.StatusCode != http.StatusOK || err != nil {
			return 0, 0, fmt.Errorf("API search %q: %s %v", q.q, resp.Status, err)
		}
		return res.Total, d, nil
	}
	bareSearch := func(q search) (uint64, time.Duration, error) {
		t := time.Now()
		req, err := bareRequest(q)
		if err != nil {
			return 0, 0, err
		}
		sr, err := bare.SearchInContext(ctx, req)
		if err != nil {
			return 0, 0, fmt.Errorf("bare search %q: %w", q.q, err)
		}
		return sr.Total, time.Since(t), nil
	}
	var apiT, bareT []time.Duration
	var split [2][2][]time.Duration // [filtered][API, bare]
	var runErr error
	for i, q := range mixed {
		first, second := apiSearch, bareSearch
		if i%2 == 1 {
			first, second = bareSearch, apiSearch
		}
		n1, d1, err1 := first(q)
		n2, d2, err2 := second(q)
		if err := errors.Join(err1, err2); err != nil {
			runErr = err
			break
		}
		if i%2 == 1 {
			n1, d1, n2, d2 = n2, d2, n1, d1
		}
		rep.ServeAnonMB = max(rep.ServeAnonMB, s.anonMB())
		if i >= 20 {
			apiT, bareT = append(apiT, d1), append(bareT, d2)
			f := 0
			if q.filtered() {
				f = 1
			}
			split[f][0], split[f][1] = append(split[f][0], d1), append(split[f][1], d2)
			rep.Hits[0] += n1
			rep.Hits[1] += n2
		}
	}
	rep.ServeRSSMB = s.peakRSSMB()
	if err := s.stop(); err != nil && runErr == nil {
		runErr = fmt.Errorf("techintel serve: %w\n%s", err, tail(s.out.String(), 2000))
	}
	if runErr != nil {
		return runErr
	}
	rep.API, rep.Bare = percentiles(apiT), percentiles(bareT)
	rep.APIUnfiltered, rep.BareUnfiltered = percentiles(split[0][0]), percentiles(split[0][1])
	rep.APIFiltered, rep.BareFiltered = percentiles(split[1][0]), percentiles(split[1][1])
	return nil
}

// searchInProcess opens serve's index (serve has stopped) and runs the
// mix through index.Search, through the bleve request it builds on all
// the index's partitions at once (an IndexAlias: what the request costs
// without the product's partition pruning and page loading), and on the
// bare index, in turn, the first 20 uncounted. index.Search beside the
// bare index is the API's comparison without HTTP and without a second
// process.
func searchInProcess(ctx context.Context, path string, bare bleve.Index, mixed []search, rep *report) error {
	ix, err := index.Open(path)
	if err != nil {
		return err
	}
	defer ix.Close()
	if ps, err := ix.Partitions(); err == nil {
		rep.Partitions = len(ps)
	}
	alias := ix.Bleve()
	var sT, aT, bT []time.Duration
	timed := func(f func() error) (time.Duration, error) {
		t := time.Now()
		err := f()
		return time.Since(t), err
	}
	for i, q := range mixed {
		d1, err := timed(func() error {
			_, err := ix.Search(ctx, q.query())
			return err
		})
		if err != nil {
			return fmt.Errorf("in-process search %q: %w", q.q, err)
		}
		viaBleve := func(bi bleve.Index) func() error {
			return func() error {
				req, err := bareRequest(q)
				if err != nil {
					return err
				}
				_, err = bi.SearchInContext(ctx, req)
				return err
			}
		}
		d2, err := timed(viaBleve(alias))
		if err != nil {
			return fmt.Errorf("in-process bleve search %q: %w", q.q, err)
		}
		d3, err := timed(viaBleve(bare))
		if err != nil {
			return fmt.Errorf("in-process bare search %q: %w", q.q, err)
		}
		if i >= 20 {
			sT, aT, bT = append(sT, d1), append(aT, d2), append(bT, d3)
		}
	}
	rep.InProcess, rep.InProcessBleve, rep.InProcessBare = percentiles(sT), percentiles(aT), percentiles(bT)
	return nil
}
