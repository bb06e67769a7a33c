package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/store"
)

// growingFeed serves feeds that keep producing: /feed/N lists the newest
// 100 of the items published so far, one every pace up to the limit set
// with Release, each with a paragraph of text, so that every scheduled
// run indexes a batch.
type growingFeed struct {
	*httptest.Server
	start time.Time
	pace  time.Duration
	limit atomic.Int64 // items per feed published at most
}

// Release lets every feed publish n more items than it has published so
// far (at the same pace). Without a limit the feeds grow while the test
// runs, and a test that pages through everything serve indexed (allIDs)
// chases a set that grows faster than a loaded machine can page it.
func (f *growingFeed) Release(n int) {
	f.limit.Store(int64(f.published() + n))
}

func (f *growingFeed) published() int {
	return min(int(time.Since(f.start)/f.pace), int(f.limit.Load()))
}

func growingFeeds(tb testing.TB, pace time.Duration) *growingFeed {
	tb.Helper()
	f := &growingFeed{start: time.Now(), pace: pace}
	f.limit.Store(math.MaxInt64)
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		feed := strings.TrimPrefix(r.URL.Path, "/feed/")
		n := f.published()
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>growing</title>`)
		for k := n; k > max(n-100, 0); k-- {
			fmt.Fprintf(w, `<item><title>Nokia radio item %s-%d</title><link>https://news.example/%s/%d</link>
<description>Nokia shipped radio number %d of feed %s. %s</description></item>`,
				feed, k, feed, k, k, feed, itemText(feed, k))
		}
		fmt.Fprint(w, `</channel></rss>`)
	}))
	tb.Cleanup(f.Close)
	return f
}

// itemText is a paragraph of words drawn for item k of a feed, so that
// items are distinct news, not one story told again (they would share a
// story and alert once).
func itemText(feed string, k int) string {
	words := strings.Fields("open ran networks carry traffic for operators radio spectrum core cloud edge slicing " +
		"antenna baseband fibre backhaul tower site energy latency throughput uplink downlink handover beam " +
		"massive mimo small cell private campus factory port rail satellite direct device roaming billing")
	seed := uint64(k)
	for _, c := range feed {
		seed = seed*31 + uint64(c)
	}
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]string, 60)
	for i := range out {
		out[i] = words[r.IntN(len(words))]
	}
	return strings.Join(out, " ") + "."
}

// allIDs pages through every document serve can find and returns their
// IDs: what serve has reported indexed.
func allIDs(listen string) (map[string]bool, error) {
	ids := map[string]bool{}
	after := ""
	for {
		v := url.Values{"sort": {"date"}, "limit": {"100"}}
		if after != "" {
			v.Set("after", after)
		}
		resp, err := http.Get("http://" + listen + "/api/v1/search?" + v.Encode())
		if err != nil {
			return nil, err
		}
		var res struct {
			Hits []struct{ ID string }
			Next string
		}
		err = json.NewDecoder(resp.Body).Decode(&res)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		for _, h := range res.Hits {
			ids[h.ID] = true
		}
		if res.Next == "" || len(res.Hits) == 0 {
			return ids, nil
		}
		after = res.Next
	}
}

// startServe runs serve as a child process (TestMain's re-exec) and
// waits until its API answers.
func startServe(t *testing.T, configPath, listen string, stderr io.Writer) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "TECHINTEL_TEST_MAIN="+strings.Join([]string{"serve", "-config", configPath}, "\x1f"))
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + listen + "/healthz")
		if err == nil {
			resp.Body.Close()
			return cmd
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("serve did not start: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitForNewDocuments polls serve's API until it reports more than
// known documents, and returns their IDs; it fails only when nothing
// new appears before the deadline.
func waitForNewDocuments(listen string, known int, wait time.Duration) (map[string]bool, error) {
	deadline := time.Now().Add(wait)
	for {
		ids, err := allIDs(listen)
		if err != nil {
			return nil, err
		}
		if len(ids) > known {
			return ids, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("serve reported no new document in %v (%d known)", wait, known)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSIGKILLDuringIngest kills serve with SIGKILL at random moments while
// it indexes feeds that keep growing, restarts it, and repeats. At the
// end the index opens, every document serve reported before a kill is
// there once, and the subscription's alerts match a search for it: none
// lost, none duplicated.
//
// `make test` runs two rounds; TECHINTEL_LONG_TESTS=1 (make test-long)
// runs eight. The moments are drawn from a seed the test logs;
// TECHINTEL_CRASH_SEED=<seed> replays them.
func TestSIGKILLDuringIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts serve in a loop; skipped with -short")
	}
	t.Parallel() // mostly waits for servers and child processes
	rounds := 2
	if longTests() {
		rounds = 8
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("TECHINTEL_CRASH_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("TECHINTEL_CRASH_SEED=%q: want a number: %v", s, err)
		}
	}
	t.Logf("seed %d (replay with TECHINTEL_CRASH_SEED=%d), %d rounds", seed, seed, rounds)
	feeds := growingFeeds(t, 10*time.Millisecond)
	dir := t.TempDir()
	listen := freePort(t)
	var cfgText strings.Builder
	fmt.Fprintf(&cfgText, "data_dir = %q\n[api]\nlisten = %q\nrate_limit = 0\n[http]\nallow_private_networks = true\n", filepath.Join(dir, "data"), listen)
	fmt.Fprint(&cfgText, "[[watch]]\nname = \"Nokia\"\nrole = \"own\"\n")
	for i := range 6 {
		fmt.Fprintf(&cfgText, "[[sources]]\nname = \"feed%d\"\ntype = \"feed\"\nurl = \"%s/feed/%d\"\nschedule = \"@every 1s\"\n", i, feeds.URL, i)
	}
	configPath := filepath.Join(dir, "techintel.toml")
	if err := os.WriteFile(configPath, []byte(cfgText.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(configPath)
	if err != nil {
		t.Fatal(err)
	}
	// The subscription exists before anything is indexed, so every
	// document must raise exactly one alert.
	d, err := datadir.Open(cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := d.Store.AddSubscription(store.Subscription{Name: "radios", Query: "radio", Components: []string{}, Entities: []string{}, Created: time.Now().UTC()})
	if err != nil {
		t.Fatal(err)
	}
	d.Close()

	reported := map[string]bool{}
	rng := rand.New(rand.NewPCG(seed, 7))
	for round := range rounds {
		// Each round's serve has 300 new items a feed to index, published
		// over 3 s (about three scheduled runs), so that the kill most
		// likely lands in a batch while what allIDs pages through stays
		// bounded.
		feeds.Release(300)
		var stderr bytes.Buffer
		cmd := startServe(t, configPath, listen, &stderr)
		// Wait until serve reports documents it had not reported before
		// (however long a loaded machine takes), read what it reports
		// after a random further moment, then kill it at once after
		// another: most likely in the middle of a batch. The random
		// pauses only spread the kills; no outcome depends on them.
		ids, err := waitForNewDocuments(listen, len(reported), 2*time.Minute)
		if err == nil {
			time.Sleep(time.Duration(rng.IntN(800)) * time.Millisecond)
			ids, err = allIDs(listen)
		}
		if err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("round %d: %v\n%s", round, err, stderr.String())
		}
		time.Sleep(time.Duration(rng.IntN(150)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		for id := range ids {
			reported[id] = true
		}
		t.Logf("round %d: %d documents reported, killed", round, len(ids))
		if strings.Contains(stderr.String(), "panic") {
			t.Fatalf("round %d: serve panicked:\n%s", round, stderr.String())
		}
	}
	if len(reported) == 0 {
		t.Fatal("serve never reported a document")
	}

	// One last start replays the journal of the last kill; then a clean
	// stop.
	var stderr bytes.Buffer
	cmd := startServe(t, configPath, listen, &stderr)
	cmd.Process.Signal(syscall.SIGTERM)
	waitErr := make(chan error, 1)
	go func() { waitErr <- cmd.Wait() }()
	select {
	case err := <-waitErr:
		if err != nil {
			t.Fatalf("serve after the kills exited with %v:\n%s", err, stderr.String())
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("serve did not stop after SIGTERM:\n%s", stderr.String())
	}

	d, err = datadir.Open(cfg.DataDir)
	if err != nil {
		t.Fatalf("the data directory does not open after the kills: %v", err)
	}
	defer d.Close()
	ctx := context.Background()
	for id := range reported {
		if _, err := d.Index.Get(ctx, id); err != nil {
			t.Errorf("document %s was reported indexed and is gone: %v", id, err)
		}
	}
	// No duplicates: one document per URL.
	urls := map[string]string{}
	var matching []string
	q := index.Query{Sort: index.SortDate, Limit: index.MaxLimit, NoFacets: true}
	for {
		res, err := d.Index.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range res.Hits {
			if other, ok := urls[h.URL]; ok && other != h.ID {
				t.Errorf("%s indexed twice: %s and %s", h.URL, other, h.ID)
			}
			urls[h.URL] = h.ID
		}
		if res.Next == "" {
			break
		}
		q.After = res.Next
	}
	q = index.Query{Q: sub.Query, Sort: index.SortDate, Limit: index.MaxLimit, NoFacets: true}
	for {
		res, err := d.Index.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range res.Hits {
			matching = append(matching, h.ID)
		}
		if res.Next == "" {
			break
		}
		q.After = res.Next
	}
	// A subscription alerts once per story: each matching document's
	// story must have exactly one alert.
	storyOf := map[string]string{}
	for _, id := range matching {
		doc, err := d.Index.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		storyOf[id] = doc.Story
	}
	alerted := map[string]int{}
	after := ""
	for {
		alerts, next, err := d.Store.Alerts(sub.ID, after, 500)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range alerts {
			s, ok := storyOf[a.Document]
			if !ok {
				t.Errorf("alert %s for document %s, which does not match the subscription", a.ID, a.Document)
			}
			alerted[s]++
		}
		if len(alerts) < 500 { // next never ends: it is where the next poll starts
			break
		}
		after = next
	}
	stories := map[string]bool{}
	for _, s := range storyOf {
		stories[s] = true
	}
	for s, n := range alerted {
		if n > 1 {
			t.Errorf("story %s alerted %d times", s, n)
		}
	}
	lost := 0
	for id, s := range storyOf {
		if alerted[s] == 0 {
			if lost < 5 {
				doc, _ := d.Index.Get(ctx, id)
				t.Logf("no alert for %s (%s): fetched %v, updated %v, story %s; subscription created %v", id, doc.URL, doc.Fetched, doc.Updated, doc.Story, sub.Created)
			}
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d matching stories have no alert", lost, len(stories))
	}
	if len(alerted) != len(stories) {
		t.Errorf("%d stories alerted, %d match the subscription", len(alerted), len(stories))
	}
	if p, _ := d.Store.Pending(); len(p) != 0 {
		t.Errorf("journal not empty after a clean stop: %d batches", len(p))
	}
	t.Logf("%d documents reported before kills, %d in the index, %d matching in %d stories, %d alerts", len(reported), len(urls), len(matching), len(stories), len(alerted))
}
