package cluster_test

import (
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/techintel/techintel/cmd/techintel/internal/demoworld"
)

const (
	bulkSources = 20
	slowSource  = "slow"
)

// TestClusterProcesses runs a cluster of real processes, as an operator
// does: a nats-server with JetStream, `techintel serve` (scheduler and
// indexer), two `techintel worker`s and a `techintel serve -replica`, on
// the demo world plus feeds the test grows by a thousand documents at a
// time. Through four faults it checks by counting that every document is
// indexed once on the primary and on the replica, that every document
// matching a subscription raised exactly one alert, and that the replica
// answers searches as the primary does:
//
//   - a worker is killed (SIGKILL) in the middle of a job: the job goes
//     to the other worker;
//   - serve is killed (SIGKILL) while batches arrive, and started again;
//   - the NATS server stops for 30 s and starts again: workers and serve
//     reconnect by themselves;
//   - the replica is stopped while 1,000 documents arrive, and catches up.
//
// A long test (make test-long): it needs a nats-server binary
// (TECHINTEL_NATS_SERVER or PATH; skipped without one, which .ci/run
// builds) and builds the techintel binary (or takes TECHINTEL_BIN).
func TestClusterProcesses(t *testing.T) {
	if os.Getenv("TECHINTEL_LONG_TESTS") != "1" {
		t.Skip("runs real processes through a 30 s NATS outage: a long test; set TECHINTEL_LONG_TESTS=1 (make test-long)")
	}
	natsBin := natsServerBinary(t)
	bin := techintelBinary(t)
	dir := t.TempDir()

	world := httptest.NewServer(demoworld.Handler(time.Now()))
	t.Cleanup(world.Close)
	bulk := startBulkFeeds(t)
	bulk.n.Store(20)
	slow := startSlowFeed(t)

	natsAddr, monAddr := freeAddr(t), freeAddr(t)
	natsHost, natsPort, _ := net.SplitHostPort(natsAddr)
	_, monPort, _ := net.SplitHostPort(monAddr)
	nats := startProc(t, "nats-server", natsBin, "-a", natsHost, "-p", natsPort, "-m", monPort, "-js",
		"-sd", filepath.Join(dir, "nats"))
	natsReady := func() {
		t.Helper()
		waitUntil(t, "nats-server ready", func() (bool, error) {
			resp, err := http.Get("http://" + monAddr + "/healthz?js-enabled-only=true")
			if err != nil {
				return false, err
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK, nil
		})
	}
	natsReady()

	// One config per process: the demo world's, with the cluster, the
	// grown feeds and the slow one; each worker has its own User-Agent,
	// so that the slow feed tells which worker fetched it.
	primaryAPI, replicaAPI := freeAddr(t), freeAddr(t)
	config := func(name, dataDir, api, extra string) string {
		text := demoworld.ConfigTOML(world.URL, dataDir, api)
		// Searches poll the API: no rate limit.
		text = strings.Replace(text, "[api]\n", "[api]\nrate_limit = 0\n", 1)
		text = strings.Replace(text, `user_agent = "techintel-demo`, `user_agent = "`+name+` techintel-demo`, 1)
		// The slow feed's first fetch must outlive a loaded machine's
		// delay in killing its worker: a timeout would end the job.
		text = strings.Replace(text, `timeout = "10s"`, `timeout = "5m"`, 1)
		var b strings.Builder
		b.WriteString(text)
		fmt.Fprintf(&b, "\n[cluster]\nnats_url = \"nats://%s\"\nname = %q\n%s", natsAddr, name, extra)
		for i := range bulkSources {
			fmt.Fprintf(&b, "[[sources]]\nname = \"bulk-%d\"\ntype = \"feed\"\nurl = \"%s/feed/%d\"\nschedule = \"@every 3s\"\n", i, bulk.url, i)
		}
		fmt.Fprintf(&b, "[[sources]]\nname = %q\ntype = \"feed\"\nurl = \"%s/feed\"\nschedule = \"@every 24h\"\n", slowSource, slow.url)
		path := filepath.Join(dir, name+".toml")
		if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	primaryCfg := config("primary", filepath.Join(dir, "primary"), primaryAPI, "")
	replicaCfg := config("replica", filepath.Join(dir, "replica"), replicaAPI, "consumer = \"replica-e2e\"\n")
	workerCfg := map[string]string{}
	for _, w := range []string{"worker-a", "worker-b"} {
		workerCfg[w] = config(w, filepath.Join(dir, w), freeAddr(t), "")
	}
	healthy := func(api string) func() (bool, error) {
		return func() (bool, error) {
			resp, err := http.Get("http://" + api + "/healthz")
			if err != nil {
				return false, err
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK, nil
		}
	}

	serve := startProc(t, "serve", bin, "serve", "-config", primaryCfg)
	waitUntil(t, "serve answering", healthy(primaryAPI))
	// The subscription exists before any document is indexed (no worker
	// runs yet): each document it matches must alert exactly once.
	var sub struct{ ID string }
	if err := postJSON("http://"+primaryAPI+"/api/v1/subscriptions", map[string]any{"name": "zephyrix", "query": "zephyrix",
		"components": []string{}, "entities": []string{}}, &sub); err != nil {
		t.Fatalf("create a subscription: %v", err)
	}
	workers := map[string]*proc{}
	for _, w := range []string{"worker-a", "worker-b"} {
		workers[w] = startProc(t, w, bin, "worker", "-config", workerCfg[w])
	}
	replica := startProc(t, "replica", bin, "serve", "-replica", "-config", replicaCfg)
	waitUntil(t, "the replica answering", healthy(replicaAPI))

	// Fault 1: the worker that took the slow feed's job dies in the
	// middle of it; the job goes to the other worker (after the jobs
	// consumer's ack wait), and is indexed once.
	victim := strings.Fields(slow.nextFetch(t))[0]
	if workers[victim] == nil {
		t.Fatalf("the slow feed was fetched by %q, not a worker", victim)
	}
	workers[victim].kill()
	t.Logf("killed %s in the middle of the slow feed's job", victim)
	other := strings.Fields(slow.nextFetch(t))[0]
	if other == victim || workers[other] == nil {
		t.Fatalf("the slow feed's job went to %q after %s was killed, want the other worker", other, victim)
	}
	workers[victim].start()

	demoSources := strings.Count(demoworld.ConfigTOML(world.URL, dir, primaryAPI), "[[sources]]")
	// expect waits until api has want documents of each bulk source and
	// the slow one, and every demo source has documents, then returns
	// every source's count.
	expect := func(what, api string) map[string]int {
		t.Helper()
		want := int(bulk.n.Load())
		var got map[string]int
		waitUntil(t, what, func() (bool, error) {
			var err error
			if got, err = counts(api); err != nil {
				return false, err
			}
			for i := range bulkSources {
				if n := got[fmt.Sprintf("bulk-%d", i)]; n != want {
					if n > want {
						t.Fatalf("%s: bulk-%d has %d documents, more than its feed's %d", what, i, n, want)
					}
					return false, nil
				}
			}
			return got[slowSource] == 3 && len(got) == bulkSources+1+demoSources, nil
		})
		return got
	}
	first := expect("the first round indexed on the primary", primaryAPI)
	expect("the first round indexed on the replica", replicaAPI)
	t.Logf("first round: %d sources, %d documents", len(first), sum(first))

	// Fault 2: serve killed while batches arrive, and started again.
	before, err := total(primaryAPI, nil)
	if err != nil {
		t.Fatal(err)
	}
	bulk.n.Add(50) // a thousand documents
	waitUntil(t, "the new batches arriving at serve", func() (bool, error) {
		n, err := total(primaryAPI, nil)
		return n > before, err
	})
	serve.kill()
	seen, _ := total(replicaAPI, nil)
	t.Logf("killed serve with a thousand documents arriving (%d indexed before them; the replica had %d)", before, seen)
	serve.start()
	waitUntil(t, "serve answering after its SIGKILL", healthy(primaryAPI))
	expect("every document once on the primary after its SIGKILL", primaryAPI)
	expect("every document once on the replica", replicaAPI)

	// Fault 3: NATS stops for 30 s, and documents are due meanwhile.
	nats.stop()
	bulk.n.Add(10)
	t.Log("nats-server stopped for 30 s")
	time.Sleep(30 * time.Second) // the outage being simulated, not a wait for an event
	nats.start()
	natsReady()
	expect("every document once on the primary after the NATS outage", primaryAPI)
	expect("every document once on the replica after the NATS outage", replicaAPI)
	for name, p := range map[string]*proc{"serve": serve, "worker-a": workers["worker-a"], "worker-b": workers["worker-b"], "replica": replica} {
		if !p.running() {
			t.Fatalf("%s exited during the NATS outage: %v", name, p.err)
		}
	}

	// Fault 4: the replica is stopped while a thousand documents arrive;
	// started again, it catches up and answers as the primary does.
	replica.stop()
	bulk.n.Add(50)
	primary := expect("the thousand documents on the primary", primaryAPI)
	replica.start()
	waitUntil(t, "the replica answering again", healthy(replicaAPI))
	caught := expect("the replica caught up", replicaAPI)
	if !maps.Equal(primary, caught) {
		t.Errorf("documents per source: primary %v, replica %v", primary, caught)
	}
	queries := []url.Values{{}, {"q": {"zephyrix"}}, {"q": {"radio AND handover"}}, {"source": {"bulk-7"}}, {"source": {slowSource}}}
	for _, ex := range demoworld.Examples() {
		queries = append(queries, ex.Values())
	}
	for _, q := range queries {
		if err := sameAnswers(primaryAPI, replicaAPI, q); err != nil {
			t.Errorf("search %s: %v", q.Encode(), err)
		}
	}

	// Alerts: exactly one per document matching the subscription, from
	// the primary; the replica sends none.
	matching, err := searchAll(primaryAPI, url.Values{"q": {"zephyrix"}})
	if err != nil {
		t.Fatal(err)
	}
	alerted, err := alertedDocs(primaryAPI, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range matching {
		if n := alerted[h.ID]; n != 1 {
			t.Errorf("document %s (%s): %d alerts, want 1", h.ID, h.URL, n)
		}
		delete(alerted, h.ID)
	}
	for id, n := range alerted {
		t.Errorf("%d alerts for document %s, which does not match the subscription", n, id)
	}
	t.Logf("%d documents on each node, %d alerts", sum(primary), len(matching))

	for _, p := range []*proc{replica, workers["worker-a"], workers["worker-b"], serve, nats} {
		p.stop()
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// sameAnswers compares one search on the primary and on the replica:
// the same total and the same documents (all of them, paged by date,
// when the first page does not hold them all).
func sameAnswers(primary, replica string, q url.Values) error {
	page := func(api string) (int, []string, error) {
		v := maps.Clone(q)
		v.Set("limit", "100")
		v.Set("facets", "none")
		var res struct {
			Total int
			Hits  []hit
		}
		if err := getJSON("http://"+api+"/api/v1/search?"+v.Encode(), &res); err != nil {
			return 0, nil, err
		}
		ids := make([]string, len(res.Hits))
		for i, h := range res.Hits {
			ids[i] = h.ID
		}
		slices.Sort(ids)
		return res.Total, ids, nil
	}
	pt, pids, err := page(primary)
	if err != nil {
		return err
	}
	rt, rids, err := page(replica)
	if err != nil {
		return err
	}
	if pt != rt {
		return fmt.Errorf("primary %d hits, replica %d", pt, rt)
	}
	if pt <= len(pids) {
		if !slices.Equal(pids, rids) {
			return fmt.Errorf("the %d hits differ", pt)
		}
		return nil
	}
	// More than a page: every hit, by date (ties of relevance may order
	// a page's end differently, not the set).
	all := func(api string) ([]string, error) {
		v := maps.Clone(q)
		v.Del("collapse")
		hits, err := searchAll(api, v)
		ids := make([]string, len(hits))
		for i, h := range hits {
			ids[i] = h.ID
		}
		slices.Sort(ids)
		return ids, err
	}
	pa, err := all(primary)
	if err != nil {
		return err
	}
	ra, err := all(replica)
	if err != nil {
		return err
	}
	if !slices.Equal(pa, ra) {
		return fmt.Errorf("the %d hits differ (%d on the replica)", len(pa), len(ra))
	}
	return nil
}
