package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
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
	cfg := testSettings(t)
	cfg.Watch = nokia()
	cfg.Sources = []Source{feedSource("news", srv.URL)}
	d, err := datadir.Open(cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	g, err := NewGatherer(cfg, d, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	// load is what the reload reads: the configuration file as main
	// parses it, or its error.
	var load func() (Reloaded, error)
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

	r := newReloader(func() (Reloaded, error) { return load() }, g, slog.New(slog.DiscardHandler))
	load = func() (Reloaded, error) {
		return Reloaded{Watch: append(nokia(), Watch{Name: "Samsung", Role: "partner"})}, nil
	}
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
	load = func() (Reloaded, error) {
		return Reloaded{}, errors.New(`techintel.toml: config: watch[1].role: unknown role "friend"`)
	}
	if err := r.Reload(ctx); err == nil || !strings.Contains(err.Error(), "keeping the current watch list") {
		t.Errorf("reload of a bad config: %v", err)
	}
	if !g.watch.get().watched("Samsung") {
		t.Error("a failed reload dropped the watch list")
	}
	r.Stop()
}

// TestPercolateAtStoredPrecision: a document read back from the index
// (journal replay) has its first-fetch time to the second; fetched in the
// second its subscription was created, it still alerts, as it did live.
func TestPercolateAtStoredPrecision(t *testing.T) {
	g := newTestGatherer(t, func(cfg *Settings) {
		cfg.Watch = nokia()
	})
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
	n, err := g.Alerter().percolate(context.Background(), docs)
	if err != nil || n != 1 {
		t.Fatalf("percolate: %d alerts, %v; want 1", n, err)
	}
	alerts, _, _ := g.Store().Alerts(sub.ID, "", 10)
	if len(alerts) != 1 || alerts[0].Document != docs[0].ID {
		t.Errorf("alerts = %+v; want the document fetched in the second of creation only", alerts)
	}
}
