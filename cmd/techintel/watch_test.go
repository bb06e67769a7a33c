package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
	"github.com/techintel/techintel/cmd/techintel/internal/engine"
	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/store"
)

const reloadFeed = `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Nokia and Samsung sign a 6G pact</title><link>https://news.example/pact</link><description>Nokia and Samsung will work on 6G radios.</description></item>
<item><title>Nokia opens a lab</title><link>https://news.example/lab</link><description>A lab in Espoo.</description></item>
</channel></rss>`

// TestReloadWatchList: a reload publishes the new watch list to tagging,
// subscriptions and entities, and retags what is stored; a broken config
// changes nothing.
func TestReloadWatchList(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, reloadFeed)
	}))
	defer srv.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "techintel.toml")
	config := func(extra string) string {
		return fmt.Sprintf(`data_dir = "data"
[http]
allow_private_networks = true
[[watch]]
name = "Nokia"
role = "own"
%s
[[sources]]
name = "news"
type = "feed"
url = %q
schedule = "@every 1h"
`, extra, srv.URL)
	}
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(config(""))
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	d, err := datadir.Open(cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	g, err := engine.NewGatherer(cfg.settings(), d, newLogger(io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := g.RunSource(ctx, "news"); err != nil {
		t.Fatal(err)
	}
	samsung := func() uint64 {
		res, err := g.Index().Search(ctx, index.Query{Entities: []string{"Samsung"}})
		if err != nil {
			t.Fatal(err)
		}
		return res.Total
	}
	if n := samsung(); n != 0 {
		t.Fatalf("Samsung is not watched yet, but %d documents are tagged with it", n)
	}
	if _, err := g.Alerter().CreateSubscription(t.Context(), api.SubscriptionRequest{Name: "s", Entities: []string{"Samsung"}}); err == nil {
		t.Fatal("a subscription on an entity not on the watch list was accepted")
	}

	r := engine.NewReloader(reloadFrom(path, cfg), g, newLogger(io.Discard))
	write(config(`[[watch]]
name = "Samsung"
role = "partner"`))
	if err := r.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	r.Wait()
	if n := samsung(); n != 1 {
		t.Errorf("after reload and retag, %d documents are about Samsung; want 1", n)
	}
	doc, err := g.Index().Get(ctx, index.DocID("https://news.example/pact"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(fmt.Sprint(doc.Components), "alliances") {
		t.Errorf("retagged document components %v; want alliances from the partner Samsung", doc.Components)
	}
	if _, err := g.Alerter().CreateSubscription(t.Context(), api.SubscriptionRequest{Name: "s", Entities: []string{"Samsung"}}); err != nil {
		t.Errorf("subscription on the newly watched entity: %v", err)
	}
	ents, err := g.APIOptions(nil).Entities.Entities(ctx)
	if err != nil || len(ents) != 2 || ents[1].Name != "Samsung" || ents[1].Documents != 1 {
		t.Errorf("entities after reload: %+v, %v", ents, err)
	}

	// A config that does not validate is refused whole.
	write(config(`[[watch]]
name = "Samsung"
role = "friend"`))
	if err := r.Reload(ctx); err == nil || !strings.Contains(err.Error(), "keeping the current watch list") {
		t.Errorf("reload of a bad config: %v", err)
	}
	if !g.Watched("Samsung") {
		t.Error("a failed reload dropped the watch list")
	}
	r.Stop()
}

// TestSignalServe: techintel retag beside serve signals the PID in LOCK.
func TestSignalServe(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "LOCK"), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	pid, err := signalServe(dir)
	if err != nil || pid != os.Getpid() {
		t.Fatalf("signalServe = %d, %v", pid, err)
	}
	select {
	case <-hup:
	case <-time.After(10 * time.Second):
		t.Fatal("no SIGHUP arrived")
	}
	if _, err := signalServe(t.TempDir()); err == nil {
		t.Error("signalServe without a LOCK file should fail")
	}
}

// TestPercolateAtStoredPrecision: a document read back from the index
// (journal replay) has its first-fetch time to the second; fetched in the
// second its subscription was created, it still alerts, as it did live.
func TestPercolateAtStoredPrecision(t *testing.T) {
	g := newTestGatherer(t, `[[watch]]
name = "Nokia"
role = "own"`)
	created := time.Date(2026, 11, 23, 13, 11, 24, 113_000_000, time.UTC)
	sub, err := g.Store().AddSubscription(store.Subscription{Name: "s", Query: "radio", Created: created})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(url string, fetched time.Time) index.Document {
		return index.Document{ID: index.DocID(url), URL: url, Title: "Nokia radio", Body: "A radio.", Fetched: fetched, Story: index.DocID(url)}
	}
	docs := []index.Document{
		mk("https://news.example/same-second", created.Truncate(time.Second)),
		mk("https://news.example/before", created.Add(-2*time.Second)),
	}
	n, err := g.Alerter().Percolate(context.Background(), docs)
	if err != nil || n != 1 {
		t.Fatalf("percolate: %d alerts, %v; want 1", n, err)
	}
	alerts, _, _ := g.Store().Alerts(sub.ID, "", 10)
	if len(alerts) != 1 || alerts[0].Document != docs[0].ID {
		t.Errorf("alerts = %+v; want the document fetched in the second of creation only", alerts)
	}
}
