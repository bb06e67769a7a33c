package index_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/store"
	"github.com/techintel/techintel/index/story"
)

// storyWorld returns n documents published over the last 25 days, a third
// of them copies of an earlier one (trimmed, with a dateline, published
// within three days of it), and probes: later documents, half of them
// copies, to cluster against what a restart restored.
func storyWorld(n int, now time.Time) (docs, probes []index.Document) {
	rng := rand.New(rand.NewPCG(19, 5))
	zipf := rand.NewZipf(rng, 1.2, 3, 4000)
	text := func() string {
		ws := make([]string, 60+rng.IntN(80))
		for i := range ws {
			ws[i] = fmt.Sprintf("w%x", zipf.Uint64())
		}
		return strings.Join(ws, " ")
	}
	mk := func(i int, prefix string, all []index.Document) index.Document {
		at := now.Add(-time.Duration(rng.IntN(25*24)) * time.Hour).Add(time.Duration(rng.IntN(3600)) * time.Second)
		body := text()
		if len(all) > 0 && rng.IntN(3) == 0 {
			orig := all[rng.IntN(len(all))]
			body = "DATELINE - " + orig.Body[:len(orig.Body)*(2+rng.IntN(2))/4]
			at = orig.Published.Add(time.Duration(rng.IntN(72)-36) * time.Hour)
		}
		if i%17 == 0 && len(all) > 0 { // same publication time as another: ordered by id
			at = all[len(all)-1].Published
		}
		return doc(fmt.Sprintf("https://%s.example/%d", prefix, i), fmt.Sprintf("Title %d", i), body, at, nil, nil)
	}
	for i := range n {
		docs = append(docs, mk(i, "news", docs))
	}
	for i := range n / 4 {
		p := mk(i, "probe", docs)
		if i%2 == 0 {
			orig := docs[rng.IntN(len(docs))]
			p.Body, p.Published = orig.Body[:len(orig.Body)*3/4], orig.Published.Add(time.Hour)
		}
		probes = append(probes, p)
	}
	return docs, probes
}

// restartAndProbe opens the index at path (with sigs as its signature
// store unless nil), upserts the probes and returns their stories.
func restartAndProbe(t *testing.T, path string, sigs index.SignatureStore, probes []index.Document) map[string]string {
	t.Helper()
	ix, err := index.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if sigs != nil {
		ix.SetSignatureStore(sigs)
	}
	probes = append([]index.Document(nil), probes...)
	if _, err := ix.Upsert(context.Background(), probes); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range probes {
		d, err := ix.Get(context.Background(), p.ID)
		if err != nil {
			t.Fatal(err)
		}
		got[p.ID] = d.Story
	}
	return got
}

func buildIndex(t *testing.T, path string, sigs index.SignatureStore, docs []index.Document) {
	t.Helper()
	ix, err := index.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if sigs != nil {
		ix.SetSignatureStore(sigs)
	}
	if _, err := ix.Upsert(context.Background(), append([]index.Document(nil), docs...)); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
}

func openState(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestSignatureStoreSameStories: a restart that restores the clusterer from
// kept signatures, or from a backfill of them, clusters later documents
// exactly as one that reads the documents back from the index.
func TestSignatureStoreSameStories(t *testing.T) {
	now := time.Now().UTC()
	docs, probes := storyWorld(400, now)
	dir := t.TempDir()

	baseline := filepath.Join(dir, "baseline")
	buildIndex(t, baseline, nil, docs)
	want := restartAndProbe(t, baseline, nil, probes)
	joined := 0
	for id, s := range want {
		if s != id {
			joined++
		}
	}
	if joined < len(probes)/3 {
		t.Fatalf("only %d of %d probes joined a story: the world tests nothing", joined, len(probes))
	}
	compare := func(name string, got map[string]string) {
		t.Helper()
		for id, s := range want {
			if got[id] != s {
				t.Errorf("%s: probe %s in story %q, reading the index gives %q", name, id, got[id], s)
			}
		}
	}

	// Kept as documents are indexed.
	kept := filepath.Join(dir, "kept")
	keptSigs := openState(t)
	buildIndex(t, kept, keptSigs, docs)
	if _, complete, err := keptSigs.SignaturesFilled(); err != nil || !complete {
		t.Fatalf("a store attached from the start is not marked complete: %v %v", complete, err)
	}
	compare("kept", restartAndProbe(t, kept, keptSigs, probes))

	// Backfilled at the first write of an index built without them.
	filled := filepath.Join(dir, "filled")
	buildIndex(t, filled, nil, docs)
	fillSigs := openState(t)
	compare("backfilled", restartAndProbe(t, filled, fillSigs, probes))
	if _, complete, err := fillSigs.SignaturesFilled(); err != nil || !complete {
		t.Fatalf("backfill did not finish: %v %v", complete, err)
	}
	n := 0
	if err := fillSigs.Signatures(time.Time{}, func(story.Record) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != len(docs)+len(probes) {
		t.Errorf("store holds %d records after backfill and probes, want %d", n, len(docs)+len(probes))
	}
}

// TestSignatureBackfillResumes: an interrupted backfill resumes at its
// mark: the days before it come from the store, not from the index, and
// records past it are read again from the index.
func TestSignatureBackfillResumes(t *testing.T) {
	now := time.Now().UTC()
	docs, probes := storyWorld(200, now)
	dir := t.TempDir()
	baseline := filepath.Join(dir, "baseline")
	buildIndex(t, baseline, nil, docs)
	want := restartAndProbe(t, baseline, nil, probes)

	path := filepath.Join(dir, "resumed")
	buildIndex(t, path, nil, docs)
	sigs := openState(t)
	// A backfill that kept the days before mark and stopped: a full one,
	// its mark set back, plus a record of a document the index does not
	// hold, which only a read of the store can restore, and a wrong
	// record past the mark, which the resumed backfill must replace.
	ix, err := index.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ix.SetSignatureStore(sigs)
	if err := ix.PrepareWrites(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	mark := now.Add(-10 * 24 * time.Hour).Truncate(24 * time.Hour)
	var after index.Document
	for _, d := range docs {
		if d.Published.After(mark) && after.ID == "" {
			after = d
		}
	}
	ghostText := "Ghost release about a quantum modem that no indexed document mentions at all, with many words to shingle, " +
		"enough of them to make a story of its own and be found again by a copy published the next day."
	ghost := story.Record{ID: "ghost", Story: "ghost", Published: mark.Add(-time.Hour), Sig: story.Fingerprint("", ghostText)}
	wrong := story.Record{ID: after.ID, Story: "wrong", Published: after.Published.UTC(), Sig: story.Fingerprint("", "unrelated words here")}
	if err := sigs.PutSignatures([]story.Record{ghost, wrong}); err != nil {
		t.Fatal(err)
	}
	if err := sigs.SetSignaturesFilled(mark, false); err != nil {
		t.Fatal(err)
	}

	ghostCopy := doc("https://copy.example/ghost", "Ghost", "SOMEWHERE - "+ghostText, mark, nil, nil)
	got := restartAndProbe(t, path, sigs, append(probes, ghostCopy))
	for id, s := range want {
		if got[id] != s {
			t.Errorf("probe %s in story %q, reading the index gives %q", id, got[id], s)
		}
	}
	if got[ghostCopy.ID] != "ghost" {
		t.Errorf("the copy of a record kept before the mark joined %q: the store was not read", got[ghostCopy.ID])
	}
	err = sigs.Signatures(after.Published, func(r story.Record) error {
		if r.ID == after.ID && r.Story == "wrong" {
			t.Error("the record past the mark was not read again from the index")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, complete, err := sigs.SignaturesFilled(); err != nil || !complete {
		t.Errorf("resumed backfill not complete: %v %v", complete, err)
	}

	// Another index (a repair's new one) does not restore these records:
	// the store is refilled for it.
	other := filepath.Join(dir, "other")
	ix, err = index.Open(other)
	if err != nil {
		t.Fatal(err)
	}
	ix.SetSignatureStore(sigs)
	if err := ix.PrepareWrites(context.Background()); err != nil {
		t.Fatal(err)
	}
	ix.Close()
	n := 0
	if err := sigs.Signatures(time.Time{}, func(story.Record) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("the store attached to an empty new index still holds %d records", n)
	}
}

// TestSignaturesKeptWithinHorizon: the records of documents published
// before the window a restart restores are not kept (they would never be
// read), and a restart still clusters as one that reads the index.
func TestSignaturesKeptWithinHorizon(t *testing.T) {
	now := time.Now().UTC()
	docs, probes := storyWorld(120, now)
	recent := len(docs)
	for i := range 80 { // an archive: 30 days to a year old, some copies of each other
		at := now.AddDate(0, 0, -30-i*4)
		body := fmt.Sprintf("archive item %d about the release of version %d of the parser library", i/2, i/2)
		docs = append(docs, doc(fmt.Sprintf("https://archive.example/%d", i), fmt.Sprintf("Old %d", i), body, at, nil, nil))
	}
	dir := t.TempDir()
	baseline := filepath.Join(dir, "baseline")
	buildIndex(t, baseline, nil, docs)
	want := restartAndProbe(t, baseline, nil, probes)

	kept := filepath.Join(dir, "kept")
	sigs := openState(t)
	buildIndex(t, kept, sigs, docs)
	n := 0
	if err := sigs.Signatures(time.Time{}, func(r story.Record) error {
		if r.Published.Before(now.AddDate(0, 0, -28)) {
			t.Errorf("record of %s published %s kept", r.ID, r.Published)
		}
		n++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != recent {
		t.Errorf("store holds %d records, want the %d of the last 28 days", n, recent)
	}
	got := restartAndProbe(t, kept, sigs, probes)
	for id, s := range want {
		if got[id] != s {
			t.Errorf("probe %s in story %q, reading the index gives %q", id, got[id], s)
		}
	}
}
