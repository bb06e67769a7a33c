package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultQueries are a mix of what people search: words, phrases,
// filters, facets, date sorts, prefixes and deep pages.
var defaultQueries = []string{
	"q=nokia", "q=open+ran", "q=%22massive+mimo%22", "q=ericsson+5g&sort=date", "q=radio*",
	"component=own", "component=others&sort=date&limit=50", "entity=Nokia&q=lab",
	"q=network+slicing&since=2026-01-01", "", "q=operators&offset=80", "q=spectrum~1",
	"technology=Open+RAN", "q=+nokia+-ericsson", "q=title:partnership",
}

// Config is one load run.
type Config struct {
	URL      string
	Clients  int
	Duration time.Duration
	Queries  []string // URL query strings for /api/v1/search
	Token    string
	PID      int // the server's, for memory; 0: not measured
}

// Report is what a run saw.
type Report struct {
	Clients     int            `json:"clients"`
	Seconds     float64        `json:"seconds"`
	Requests    int            `json:"requests"`
	Errors      int            `json:"errors"`
	RateLimited int            `json:"rate_limited"`
	Statuses    map[string]int `json:"statuses"`
	PerSecond   float64        `json:"requests_per_second"`
	P50MS       float64        `json:"p50_ms"`
	P95MS       float64        `json:"p95_ms"`
	P99MS       float64        `json:"p99_ms"`
	MaxMS       float64        `json:"max_ms"`
	PeakRSSMB   float64        `json:"peak_rss_mb,omitempty"`
	FirstError  string         `json:"first_error,omitempty"`
}

// Run sends searches from cfg.Clients clients for cfg.Duration, each
// client one request at a time, and measures every answer.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Clients < 1 || cfg.Duration <= 0 {
		return nil, errors.New("clients must be at least 1 and duration positive")
	}
	if len(cfg.Queries) == 0 {
		cfg.Queries = defaultQueries
	}
	base := strings.TrimSuffix(cfg.URL, "/")
	client := &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Clients, MaxConnsPerHost: cfg.Clients},
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()

	var mu sync.Mutex
	rep := &Report{Clients: cfg.Clients, Statuses: map[string]int{}}
	var lat []time.Duration
	var peak int64
	sampled := make(chan struct{})
	if cfg.PID > 0 {
		peak = rssKB(cfg.PID)
		go func() {
			defer close(sampled)
			t := time.NewTicker(100 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					if v := rssKB(cfg.PID); v > 0 {
						mu.Lock()
						peak = max(peak, v)
						mu.Unlock()
					}
				}
			}
		}()
	}
	start := time.Now()
	var wg sync.WaitGroup
	for c := range cfg.Clients {
		wg.Go(func() {
			mine := make([]time.Duration, 0, 1024)
			for i := c; ctx.Err() == nil; i++ {
				q := cfg.Queries[i%len(cfg.Queries)]
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/search?"+q, nil)
				if cfg.Token != "" {
					req.Header.Set("Authorization", "Bearer "+cfg.Token)
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				d := time.Since(t0)
				if ctx.Err() != nil {
					break // cut off by the end of the run: not the server's fault
				}
				mine = append(mine, d)
				mu.Lock()
				rep.Requests++
				switch {
				case err != nil:
					rep.Errors++
					rep.Statuses["transport error"]++
					if rep.FirstError == "" {
						rep.FirstError = err.Error()
					}
				default:
					rep.Statuses[strconv.Itoa(resp.StatusCode)]++
					if resp.StatusCode == http.StatusTooManyRequests {
						rep.RateLimited++
					} else if resp.StatusCode != http.StatusOK {
						rep.Errors++
						if rep.FirstError == "" {
							rep.FirstError = fmt.Sprintf("%s: %s", q, resp.Status)
						}
					}
				}
				mu.Unlock()
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	rep.Seconds = time.Since(start).Seconds()
	rep.PerSecond = float64(rep.Requests) / rep.Seconds
	slices.Sort(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	rep.P50MS, rep.P95MS, rep.P99MS = pct(0.50), pct(0.95), pct(0.99)
	if len(lat) > 0 {
		rep.MaxMS = float64(lat[len(lat)-1].Microseconds()) / 1000
	}
	if cfg.PID > 0 {
		// The sampler writes peak until ctx ends: stop it and wait.
		cancel()
		<-sampled
		if hwm := hwmKB(cfg.PID); hwm > peak {
			peak = hwm
		}
		rep.PeakRSSMB = float64(peak) / 1024
	}
	return rep, nil
}

// Print writes the report for people.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "%d clients, %.1f s: %d requests (%.0f/s), %d errors, %d rate limited\n",
		r.Clients, r.Seconds, r.Requests, r.PerSecond, r.Errors, r.RateLimited)
	fmt.Fprintf(w, "latency ms: p50 %.1f  p95 %.1f  p99 %.1f  max %.1f\n", r.P50MS, r.P95MS, r.P99MS, r.MaxMS)
	if r.PeakRSSMB > 0 {
		fmt.Fprintf(w, "server peak RSS: %.0f MB\n", r.PeakRSSMB)
	}
	keys := make([]string, 0, len(r.Statuses))
	for k := range r.Statuses {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %s: %d\n", k, r.Statuses[k])
	}
	if r.FirstError != "" {
		fmt.Fprintf(w, "first error: %s\n", r.FirstError)
	}
}

// rssKB and hwmKB read a process's current and peak resident memory
// (VmRSS, VmHWM) from /proc; 0 when unavailable.
func rssKB(pid int) int64 { return procStatus(pid, "VmRSS:") }
func hwmKB(pid int) int64 { return procStatus(pid, "VmHWM:") }

func procStatus(pid int, key string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}
