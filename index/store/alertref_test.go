package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// v2Alert is an alert as the second layout stored it, with the title and
// URL it copied.
type v2Alert struct {
	Match
	Title, URL string
	Created    time.Time
}

// writeV2Alerts writes subscriptions and alerts with the second layout's
// code path (alertlog_v2.go), as the release before this one did: its
// AddAlerts loop without the outbox.
func writeV2Alerts(t testing.TB, path string, subs []string, alerts []v2Alert) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		sb, err := tx.CreateBucketIfNotExists(bucketSubs)
		if err != nil {
			return err
		}
		for _, id := range subs {
			v, _ := json.Marshal(Subscription{ID: id, Name: id, Query: "x"})
			if err := sb.Put([]byte(id), v); err != nil {
				return err
			}
		}
		return addAlertsV2(tx, alerts)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// addAlertsV2 is the second layout's AddAlerts, in tx.
func addAlertsV2(tx *bolt.Tx, alerts []v2Alert) error {
	at, err := openAlertTxV2(tx)
	if err != nil {
		return err
	}
	for _, m := range alerts {
		sub, ok := subKey(m.Subscription)
		if !ok {
			continue
		}
		_, seen, err := at.subBuckets(sub, false)
		if err != nil {
			return err
		}
		if at.alerted(seen, m.Match) {
			continue
		}
		seq, err := at.log.NextSequence()
		if err != nil {
			return err
		}
		log, seen, err := at.subBuckets(sub, true)
		if err != nil {
			return err
		}
		if err := at.add(log, seen, seq, m.Match, m.Title, m.URL, m.Created.UTC().Truncate(time.Second)); err != nil {
			return err
		}
	}
	return nil
}

// TestAlertsMigrateV2: a store of the second layout converts at open,
// in chunks; killed after some of them it resumes at the next open, and
// in the end every alert is listed with its ID, time, subscription and
// document, the titles it copied are kept, what each subscription alerted
// on (documents and stories) still alerts once, new alerts follow the old
// IDs, and nothing of the old layout is left.
func TestAlertsMigrateV2(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	subs := []string{"00000000000000aa", "00000000000000bb", "00000000000000cc"}
	t0 := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	var old []v2Alert
	var want []Alert
	for d := range 40 {
		for i, sub := range subs {
			if (d+i)%3 == 2 {
				continue
			}
			m := v2Alert{Match: Match{Subscription: sub, Document: docID(d), Story: docID(d - d%4)},
				Title: fmt.Sprintf("Document %d", d), URL: fmt.Sprintf("https://x.example/%d", d),
				Created: t0.Add(time.Duration(d) * time.Minute)}
			old = append(old, m)
		}
	}
	writeV2Alerts(t, path, subs, old)
	// What the old layout listed: every alert not deduplicated by story.
	err := func() error {
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			return err
		}
		defer db.Close()
		return db.View(func(tx *bolt.Tx) error {
			at := alertTxV2{log: tx.Bucket(bucketLog), docs: tx.Bucket(bucketRefDocs)}
			for _, sub := range subs {
				k, _ := subKey(sub)
				err := at.log.Bucket(k).ForEach(func(k, v []byte) error {
					seq := seqOf(k)
					for _, m := range old {
						if m.Subscription == sub && m.Document == docOfV2(at, v) {
							want = append(want, Alert{ID: fmt.Sprint(seq), Subscription: sub, Document: m.Document,
								Created: m.Created, Title: m.Title, URL: m.URL})
						}
					}
					return nil
				})
				if err != nil {
					return err
				}
			}
			return nil
		})
	}()
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(want, func(a, b Alert) int { return cmpID(a.ID, b.ID) })
	if len(want) < 20 {
		t.Fatalf("the old store holds %d alerts; the test wants more", len(want))
	}

	for _, stop := range []int{2, 5} {
		if _, err := openWith(path, migrateOptions{chunk: 7, failAfter: stop}); !errors.Is(err, errMigrateKilled) {
			t.Fatalf("stopped after %d transactions: %v", stop, err)
		}
	}
	s, err := openWith(path, migrateOptions{chunk: 7})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, _, err := s.Alerts("", "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("after conversion:\n got %+v\nwant %+v", got, want)
	}
	for _, sub := range subs {
		one, _, err := s.Alerts(sub, "", 1000)
		if err != nil {
			t.Fatal(err)
		}
		wantOne := slices.DeleteFunc(slices.Clone(want), func(a Alert) bool { return a.Subscription != sub })
		if !slices.Equal(one, wantOne) {
			t.Errorf("alerts of %s:\n got %+v\nwant %+v", sub, one, wantOne)
		}
	}
	var again []Match
	for _, m := range old {
		again = append(again, m.Match)
	}
	again = append(again, Match{Subscription: subs[0], Document: docID(100), Story: docID(0)}) // a story it alerted on
	added, err := s.AddAlerts(append(again, Match{Subscription: subs[0], Document: docID(101)}), t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	last := want[len(want)-1].ID
	if len(added) != 1 || added[0].Document != docID(101) || cmpID(added[0].ID, last) <= 0 {
		t.Fatalf("added %+v, want only an alert for document 101 after %s", added, last)
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		for _, name := range alertBucketsV2 {
			if tx.Bucket(name) != nil {
				return fmt.Errorf("bucket %s is still there", name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func seqOf(k []byte) uint64 {
	var seq uint64
	for _, b := range k {
		seq = seq<<8 | uint64(b)
	}
	return seq
}

func docOfV2(at alertTxV2, v []byte) string {
	ref, _ := binary.Uvarint(v)
	id, _, _ := decodeRefDoc(at.docs.Get(refKey(ref)))
	return id
}

func cmpID(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// TestKeepGone: the title and URL of a document leaving the index are
// kept when alerts refer to it, and shown with them; a document no alert
// refers to keeps nothing, and deleting the last subscription that
// alerted on a document drops what was kept of it.
func TestKeepGone(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	a, _ := s.AddSubscription(Subscription{Name: "a", Query: "x", Created: now})
	b, _ := s.AddSubscription(Subscription{Name: "b", Query: "x", Created: now})
	_, err = s.AddAlerts([]Match{
		{Subscription: a.ID, Document: docID(1)},
		{Subscription: b.ID, Document: docID(2), Story: docID(1)},
		{Subscription: b.ID, Document: docID(3)},
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	err = s.KeepGone([]GoneDoc{
		{ID: docID(1), Title: "One", URL: "https://x.example/1"},
		{ID: docID(2), Title: "Two", URL: "https://x.example/2"},
		{ID: docID(4), Title: "Four", URL: "https://x.example/4"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := s.Alerts("", "", 10)
	if err != nil {
		t.Fatal(err)
	}
	titles := map[string]string{}
	for _, al := range got {
		titles[al.Document] = al.Title + " " + al.URL
	}
	want := map[string]string{docID(1): "One https://x.example/1", docID(2): "Two https://x.example/2", docID(3): " "}
	if fmt.Sprint(titles) != fmt.Sprint(want) {
		t.Errorf("titles shown %v, want %v", titles, want)
	}
	kept := func(id string) bool {
		var ok bool
		s.db.View(func(tx *bolt.Tx) error {
			ok = tx.Bucket(bucketKept).Get(idKey(id)) != nil
			return nil
		})
		return ok
	}
	if kept(docID(4)) {
		t.Error("a document no alert refers to was kept")
	}
	if err := s.DeleteSubscription(b.ID); err != nil {
		t.Fatal(err)
	}
	if kept(docID(2)) || !kept(docID(1)) {
		t.Errorf("after deleting b: document 2 kept %v (want false), document 1 kept %v (want true)", kept(docID(2)), kept(docID(1)))
	}
	// What b alerted on is gone with it: the same matches alert anew for
	// a new subscription, and a's stay deduplicated.
	c, _ := s.AddSubscription(Subscription{Name: "c", Query: "x", Created: now})
	added, err := s.AddAlerts([]Match{{Subscription: c.ID, Document: docID(2)}, {Subscription: a.ID, Document: docID(1)}}, now)
	if err != nil || len(added) != 1 || added[0].Subscription != c.ID {
		t.Errorf("after deleting b: %v, %+v", err, added)
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDocSubs).ForEach(func(k, v []byte) error {
			r, err := decodeSubSet(v)
			if err != nil {
				return err
			}
			for _, e := range r {
				if tx.Bucket(bucketSubOf).Get(numBytes(e.sub)) == nil {
					return fmt.Errorf("%s still records subscription number %d", idOfKey(k), e.sub)
				}
			}
			return nil
		})
	})
	if err != nil {
		t.Error(err)
	}
}

// TestAlertGroupsRoundTrip: groups keep every field through encoding,
// across time changes, repeated documents and seq gaps.
func TestAlertGroupsRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		alerts []groupAlert
	}{
		{"one", []groupAlert{{seq: 7, sub: 1, doc: idKey(docID(1)), created: 1700000000}}},
		{"shared documents and gaps", []groupAlert{
			{seq: 10, sub: 3, doc: idKey(docID(1)), created: 1700000000},
			{seq: 11, sub: 4, doc: idKey(docID(1)), created: 1700000000},
			{seq: 15, sub: 3, doc: idKey("doc1"), created: 1700000060},
			{seq: 300, sub: 70000, doc: idKey(docID(1)), created: 1699999000},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, v := encodeGroup(tt.alerts)
			got, err := decodeGroup(k, v)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.alerts) {
				t.Errorf("got %v, want %v", got, tt.alerts)
			}
		})
	}
}

// FuzzAlertRecords: the decoders of stored alert records return an error
// for damaged bytes, never panic, and a subscription set reads back as
// written.
func FuzzAlertRecords(f *testing.F) {
	k, v := encodeGroup([]groupAlert{{seq: 1, sub: 2, doc: idKey(docID(3)), created: 4}, {seq: 9, sub: 2, doc: idKey("x"), created: 2}})
	f.Add(k, v)
	f.Add([]byte("12345678"), []byte{0, 1, 200, 1})
	f.Add(append(numBytes(3), seqBytes(5)...), []byte{1, 2, 0x80})
	f.Fuzz(func(t *testing.T, k, v []byte) {
		decodeGroup(k, v)
		decodeRun(k, v)
		if s, err := decodeSubSet(v); err == nil && len(s) > 0 {
			back, err := decodeSubSet(s.encode())
			if err != nil || fmt.Sprint(back) != fmt.Sprint(s) {
				t.Errorf("%v read back as %v, %v", s, back, err)
			}
		}
	})
}

// BenchmarkAlertStoreGrowth measures what an alert adds to the state file,
// in this layout and in the second one (the release before, written by its
// own code path, in the same run): subscriptions alerting on 20,000
// documents that arrive in 40 batches, each subscription on a random share
// of them, every document its own story, as most are. Reported per alert:
// the file's growth, the growth of its high-water mark (the pages bbolt
// uses, free ones included, without the file's preallocation), the same
// over the second half of the batches only (the growth once the store is
// under way), the bytes of the alert buckets' pages and of those in use,
// and the time spent writing the alerts (the second layout's path here
// leaves out the outbox and subscription lookups AddAlerts makes).
func BenchmarkAlertStoreGrowth(b *testing.B) {
	for _, shape := range []struct {
		subs     int
		permille uint64
	}{{100, 10}, {1000, 1}, {1000, 5}} {
		for _, layout := range []string{"v2", "refs"} {
			b.Run(fmt.Sprintf("subs=%d/share=%.1f%%/layout=%s", shape.subs, float64(shape.permille)/10, layout), func(b *testing.B) {
				benchAlertGrowth(b, shape.subs, shape.permille, layout == "v2")
			})
		}
	}
}

func benchAlertGrowth(b *testing.B, subsN int, permille uint64, v2 bool) {
	const docs, batches = 20000, 40
	var alerts, lateAlerts int
	var file, hw, lateHW, inUse, alloc float64
	var writing time.Duration
	for b.Loop() {
		path := filepath.Join(b.TempDir(), "state.db")
		s, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		var subs []Subscription
		for i := range subsN {
			sub, err := s.AddSubscription(Subscription{Name: fmt.Sprint(i), Query: "x"})
			if err != nil {
				b.Fatal(err)
			}
			subs = append(subs, sub)
		}
		before, hw0 := fileSize(b, path), s.highWater(b)
		var hwHalf int64
		alerts, lateAlerts, writing = 0, 0, 0
		var x uint64 = 1
		for batch := range batches {
			if batch == batches/2 {
				hwHalf = s.highWater(b)
			}
			var ms []v2Alert
			for d := batch * docs / batches; d < (batch+1)*docs/batches; d++ {
				for _, sub := range subs {
					x ^= x << 13
					x ^= x >> 7
					x ^= x << 17
					if x%1000 < permille {
						ms = append(ms, v2Alert{Match: Match{Subscription: sub.ID, Document: docID(d), Story: docID(d)},
							Title:   "A title of sixty characters or so, as news titles have them",
							URL:     fmt.Sprintf("https://news.example.com/2026/11/some-news-item-%d", d),
							Created: time.Now()})
					}
				}
			}
			n := len(ms)
			start := time.Now()
			if v2 {
				err = s.db.Update(func(tx *bolt.Tx) error { return addAlertsV2(tx, ms) })
			} else {
				matches := make([]Match, len(ms))
				for i, m := range ms {
					matches[i] = m.Match
				}
				var added []Alert
				added, err = s.AddAlerts(matches, time.Now())
				n = len(added)
			}
			if err != nil {
				b.Fatal(err)
			}
			writing += time.Since(start)
			alerts += n
			if batch >= batches/2 {
				lateAlerts += n
			}
		}
		names := alertBuckets
		if v2 {
			names = alertBucketsV2
		}
		inUse, alloc = 0, 0
		err = s.db.View(func(tx *bolt.Tx) error {
			for _, name := range names {
				st := tx.Bucket(name).Stats()
				inUse += float64(st.BranchInuse + st.LeafInuse)
				alloc += float64(st.BranchAlloc + st.LeafAlloc)
				b.Logf("%s: %d keys, %.1f bytes of pages and %.1f in use per alert", name, st.KeyN,
					float64(st.BranchAlloc+st.LeafAlloc)/float64(alerts), float64(st.BranchInuse+st.LeafInuse)/float64(alerts))
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		end := s.highWater(b)
		hw, lateHW = float64(end-hw0), float64(end-hwHalf)
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		file = float64(fileSize(b, path) - before)
	}
	b.ReportMetric(float64(alerts), "alerts")
	b.ReportMetric(file/float64(alerts), "file-B/alert")
	b.ReportMetric(hw/float64(alerts), "hw-B/alert")
	b.ReportMetric(lateHW/float64(lateAlerts), "late-hw-B/alert")
	b.ReportMetric(alloc/float64(alerts), "page-B/alert")
	b.ReportMetric(inUse/float64(alerts), "inuse-B/alert")
	b.ReportMetric(float64(writing.Milliseconds()), "write-ms")
}

// highWater is the size of the pages bbolt uses, free ones included.
func (s *Store) highWater(b *testing.B) int64 {
	var n int64
	if err := s.db.View(func(tx *bolt.Tx) error { n = tx.Size(); return nil }); err != nil {
		b.Fatal(err)
	}
	return n
}

func fileSize(b *testing.B, path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}

// TestAlertsManyBatches: two subscriptions' alerts over many batches, so
// that their runs of IDs fill and start anew and groups hold both: every
// cursor lists what follows it, one alert reads back by ID only under its
// subscription, and deleting one subscription leaves the other's alerts
// as they were.
func TestAlertsManyBatches(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	a, _ := s.AddSubscription(Subscription{Name: "a", Query: "x", Created: now})
	b, _ := s.AddSubscription(Subscription{Name: "b", Query: "x", Created: now})
	var all []Alert
	for batch := range 30 {
		var ms []Match
		for d := batch * 40; d < (batch+1)*40; d++ {
			ms = append(ms, Match{Subscription: a.ID, Document: docID(d)})
			if d%3 == 0 {
				ms = append(ms, Match{Subscription: b.ID, Document: docID(d), Story: docID(d)})
			}
		}
		added, err := s.AddAlerts(ms, now.Add(time.Duration(batch)*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, added...)
	}
	of := func(sub string) []Alert {
		return slices.DeleteFunc(slices.Clone(all), func(x Alert) bool { return x.Subscription != sub })
	}
	for _, sub := range []string{"", a.ID, b.ID} {
		want := all
		if sub != "" {
			want = of(sub)
		}
		for _, i := range []int{0, 1, 127, 128, 129, 300, len(want) - 2, len(want) - 1} {
			got, _, err := s.Alerts(sub, want[i].ID, 50)
			if err != nil {
				t.Fatal(err)
			}
			end := min(i+1+50, len(want))
			if !slices.Equal(got, want[i+1:end]) {
				t.Errorf("subscription %q after %s: got %d alerts from %v, want %d from %v", sub, want[i].ID,
					len(got), firstID(got), end-i-1, firstID(want[i+1:end]))
			}
		}
	}
	x := of(b.ID)[5]
	if got, err := s.Alert(b.ID, x.ID); err != nil || got != x {
		t.Errorf("alert %s: %+v, %v", x.ID, got, err)
	}
	if _, err := s.Alert(a.ID, x.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("alert %s under the other subscription: %v, want ErrNotFound", x.ID, err)
	}
	if err := s.DeleteSubscription(b.ID); err != nil {
		t.Fatal(err)
	}
	got, _, err := s.Alerts("", "", 5000)
	if err != nil || !slices.Equal(got, of(a.ID)) {
		t.Errorf("after deleting b: %d alerts, %v; want a's %d", len(got), err, len(of(a.ID)))
	}
	if _, err := s.Alert(b.ID, x.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("an alert of the deleted subscription: %v, want ErrNotFound", err)
	}
}

func firstID(as []Alert) string {
	if len(as) == 0 {
		return "nothing"
	}
	return as[0].ID
}
