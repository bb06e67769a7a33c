package engine

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
	"github.com/techintel/techintel/index"
)

// TestJournalReplaysAlertsLostInACrash reproduces the window the journal
// closes: a batch journalled and written to the index, and the process
// gone before its alerts were stored. The next start raises them, once.
func TestJournalReplaysAlertsLostInACrash(t *testing.T) {
	cfg := testSettings(t)
	cfg.Watch = []Watch{{Name: "Nokia", Role: "own"}}
	d, err := datadir.Open(cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	g, err := NewGatherer(cfg, d, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sub, err := g.Alerter().CreateSubscription(context.Background(), api.SubscriptionRequest{Name: "radios", Query: "radio"})
	if err != nil {
		t.Fatal(err)
	}
	var docs []index.Document
	for i := range 3 {
		u := fmt.Sprintf("https://news.example/%d", i)
		docs = append(docs, index.Document{ID: index.DocID(u), URL: u, Title: "Nokia radio " + fmt.Sprint(i),
			Body: "Nokia radio news", Source: "news", Fetched: time.Now().Add(time.Second)})
	}
	ids := []string{docs[0].ID, docs[1].ID, docs[2].ID, index.DocID("https://news.example/never-written")}
	if _, err := d.Store.JournalAdd(ids); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Index.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	// The crash: no percolation, no JournalDone.
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	for round, want := range []int{3, 0} {
		d, err := datadir.Open(cfg.DataDir)
		if err != nil {
			t.Fatal(err)
		}
		g, err := NewGatherer(cfg, d, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		n, err := g.ReplayJournal(ctx)
		if err != nil || n != want {
			t.Errorf("start %d: replay raised %d alerts (%v), want %d", round+1, n, err, want)
		}
		alerts, _, err := g.Alerter().Alerts(context.Background(), sub.ID, "", 100)
		if err != nil || len(alerts) != 3 {
			t.Errorf("start %d: %d alerts (%v), want 3", round+1, len(alerts), err)
		}
		if p, _ := d.Store.Pending(); len(p) != 0 {
			t.Errorf("start %d: journal not cleared: %+v", round+1, p)
		}
		d.Close()
	}
}
