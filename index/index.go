package index

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/searcher"
	bolt "go.etcd.io/bbolt"

	"github.com/techintel/techintel/index/story"
)

// Sentinel errors callers branch on.
var (
	// ErrNotFound: no document has the ID.
	ErrNotFound = errors.New("index: document not found")
	// ErrLocked: another process holds the index.
	ErrLocked = errors.New("index: in use by another process")
	// ErrBadQuery: the query cannot be parsed or is too costly to run.
	// Its text is the user's ("bad query: unexpected \")\" at 14"):
	// the API and the CLI show it as it is.
	ErrBadQuery = errors.New("bad query")
)

const (
	// batchDocs and batchBytes bound one bleve batch: each batch is a
	// segment that scorch merges later, so many small ones cost merges
	// and a sync each, but building one segment costs more than linearly
	// in its documents: 10,000 news-sized documents written 5,000 at a
	// time took 1.8x the CPU and twice the heap (2.5 GB) of 2,000 at a
	// time, and 1,000 at a time saved CPU again (0.85x) but took longer
	// (BenchmarkUpsertBatchSize). The engine's group commit sends up to
	// 2,000 documents at once; the byte cap keeps a batch of huge pages
	// from holding gigabytes.
	batchDocs  = 2000
	batchBytes = 8 << 20

	// maxClauses caps how many terms a wildcard, regexp or fuzzy query may
	// expand to; bleve leaves it unlimited.
	maxClauses = 10000

	// mappingVersion is stored in the index so that a later release can
	// tell an index built with an older mapping.
	// A change that older indexes can live with keeps the version: the
	// _all field, no longer indexed, stays unread in partitions made
	// before, and their new partitions are made without it.
	mappingVersion = "2" // 2: the story field
)

// setClauseLimit sets bleve's clause limit once per process. The limit
// (searcher.DisjunctionMaxClauseCount) is a global of bleve's, not a
// setting of an index: every index of the process shares it, so it is
// set to the same maxClauses by whichever Open or OpenMem comes first,
// and never changed afterwards (the README's Safety section documents
// it).
var setClauseLimit sync.Once

// Index is a bleve index of Documents, one bleve index per span of
// months of the documents' publication dates (partition.go). It is safe
// for concurrent use.
type Index struct {
	// mu guards parts: readers share it, adding or dropping a partition
	// (and reopening them all) holds it alone; a bleve write shares it and
	// holds its partition's own mu alone, so that only the searches of
	// that partition wait for it (see writeguard.go for why they wait).
	mu    sync.RWMutex
	parts []*partition // oldest month first
	path  string
	// layout is the layout file (partition.go); nil in memory.
	// layoutVersion is its version. Guarded by writeMu.
	layout        *bolt.DB
	layoutVersion string
	// partDocs is Options.PartitionDocs.
	partDocs int
	// beforeBatch, for tests, hears each bleve write begin.
	beforeBatch func(partition string)
	// window, for tests, is how many first hits the ranking phrase
	// reorders; 0 means defaultRescoreWindow.
	window int
	// empty answers the searches no partition overlaps (emptyIndex).
	empty lazyIndex
	// mapping is every partition's mapping.
	mapping mapping.IndexMapping
	// writeErr is the last failed write, until a probe write succeeds;
	// readOnly: a partition was reopened read-only after it. Guarded by
	// writeMu (and mu for writing when they change with a partition).
	writeErr error
	readOnly bool

	// writeMu serialises Upsert so that the read of existing documents
	// and the batch that follows see no interleaved writer.
	writeMu sync.Mutex

	// stories assigns new documents to stories; it holds the documents
	// recent enough for a new one to join their story (see loadStories).
	stories *story.Clusterer
	// batchDocs, when set, replaces the constant batchDocs (benchmarks
	// compare batch sizes with it).
	batchDocs int
	lastPrune time.Time // guarded by writeMu
	// storiesLoaded: the clusterer holds the recent documents. The first
	// Upsert loads them, so that commands that only read (search, digest)
	// do not pay for it at open. Guarded by writeMu.
	storiesLoaded bool
	// signatures keeps the clusterer's records between runs
	// (SetSignatureStore); nil: loadStories reads the index. Guarded by
	// writeMu.
	signatures SignatureStore

	// resolve resolves entity:, technology: and source: values
	// (SetResolver); nil resolves nothing.
	resolve atomic.Pointer[Resolver]

	// retention drops partitions older than it (Options.Retention).
	retention Retention
	log       *slog.Logger
	// leaving hears the documents of a partition before retention drops
	// it (SetLeavingHook). Guarded by writeMu.
	leaving func([]Leaving) error

	// gen advances with every write (writeBatch); facets caches the
	// facet counts of filter-only searches per generation.
	gen    atomic.Uint64
	facets facetCache
}

// Options are the settings of OpenWith.
type Options struct {
	// Retention drops the partitions whose documents are all published
	// longer ago than it, at open and at each ApplyRetention. The zero
	// value keeps everything.
	Retention Retention
	// Logger hears the migration's progress and the partitions retention
	// drops; nil logs nowhere.
	Logger *slog.Logger
	// PartitionDocs is the number of documents past which a partition
	// takes no more months (partition_assign.go); 0 means
	// DefaultPartitionDocs.
	PartitionDocs int

	// For tests: beforeBatch hears each bleve write begin, holding the
	// partition's write lock.
	beforeBatch func(partition string)

	// For tests of the migration: documents per page (0: migratePage),
	// and a kill after that many pages (0: none).
	migratePage, migrateFailAfter int
}

// Open opens the index at path, creating it if it does not exist, with
// the default Options. If another process holds it, Open fails within
// about a second with an error wrapping ErrLocked instead of waiting
// forever (the README's Command line section describes the data
// directory's lock).
func Open(path string) (*Index, error) { return OpenWith(path, Options{}) }

// OpenWith opens the index at path as Open does, with o. An index written
// by a release before partitions (one bleve index at path) is split into
// partitions first (migrate.go), once.
func OpenWith(path string, o Options) (*Index, error) {
	configure()
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(path, 0o750); err != nil {
		return nil, fmt.Errorf("index: open %s: %w", path, err)
	}
	layout, version, _, err := openLayout(path)
	if err != nil {
		return nil, err
	}
	ix := &Index{path: path, layout: layout, layoutVersion: version, mapping: NewMapping(), stories: story.NewClusterer(),
		retention: o.Retention, log: o.Logger, partDocs: o.PartitionDocs, beforeBatch: o.beforeBatch}
	if err := ix.openPartitions(); err != nil {
		ix.closeAll()
		return nil, err
	}
	if err := ix.migrateSingle(o); err != nil {
		ix.closeAll()
		return nil, err
	}
	if _, err := ix.ApplyRetention(time.Now()); err != nil {
		ix.closeAll()
		return nil, err
	}
	return ix, nil
}

// OpenMem returns an index held in memory only, for tests and benchmarks.
// Its partitions use the scorch engine like the on-disk index
// (bleve.NewMemOnly would use the older, slower upside_down engine).
func OpenMem() (*Index, error) { return openMem(Options{}) }

// openMem is OpenMem with o's PartitionDocs and test hooks.
func openMem(o Options) (*Index, error) {
	configure()
	return &Index{mapping: NewMapping(), stories: story.NewClusterer(), storiesLoaded: true,
		log: slog.New(slog.DiscardHandler), partDocs: o.PartitionDocs, beforeBatch: o.beforeBatch}, nil
}

// openConfig is scorch's runtime configuration.
func openConfig(readOnly bool) map[string]interface{} {
	cfg := map[string]interface{}{"bolt_timeout": "1s"}
	if readOnly {
		cfg["read_only"] = true
	}
	return cfg
}

func configure() {
	setClauseLimit.Do(func() { searcher.DisjunctionMaxClauseCount = maxClauses })
}

// Close flushes and closes the index.
func (ix *Index) Close() error {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	if err := ix.closeAll(); err != nil {
		return fmt.Errorf("index: close: %w", err)
	}
	return nil
}

// closeAll closes every partition and the layout file, returning the
// first error.
func (ix *Index) closeAll() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	var first error
	for _, p := range ix.parts {
		if err := p.bi.Close(); err != nil && first == nil {
			first = err
		}
	}
	ix.parts = nil
	if ix.empty.bi != nil {
		if err := ix.empty.bi.Close(); err != nil && first == nil {
			first = err
		}
		ix.empty.bi, ix.empty.err = nil, errors.New("index: closed")
	}
	if ix.layout != nil {
		if err := ix.layout.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Count returns the number of documents in the index.
func (ix *Index) Count() (uint64, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var n uint64
	for _, p := range ix.parts {
		c, err := p.docCount()
		if err != nil {
			return 0, fmt.Errorf("index: count %s: %w", p.key, err)
		}
		n += c
	}
	return n, nil
}

// stored is a Document as bleve indexes it.
type stored struct {
	URL          string    `json:"url"`
	Title        string    `json:"title"`
	Body         string    `json:"body"`
	Author       string    `json:"author"`
	Source       string    `json:"source"`
	Published    time.Time `json:"published"`
	Fetched      time.Time `json:"fetched"`
	Updated      time.Time `json:"updated"`
	Gone         time.Time `json:"gone,omitzero"`
	Components   []string  `json:"components"`
	Entities     []string  `json:"entities"`
	Technologies []string  `json:"technologies"`
	Evidence     string    `json:"evidence"`
	Hash         string    `json:"hash"`
	Story        string    `json:"story"`
	Salient      []string  `json:"salient"`
	Primary      string    `json:"primary"`
	Salience     string    `json:"salience"`
	Kind         string    `json:"kind,omitempty"` // kindPage or kindArticle
}

// UpsertResult says what an Upsert changed.
type UpsertResult struct {
	New       []string // IDs indexed for the first time
	Updated   []string // IDs whose content changed
	Unchanged int      // documents already indexed with the same content
}

// Upsert indexes docs in batches. A document whose ID is not in the index
// is new; one whose content hash differs is updated in place, keeping its
// Source, Fetched, Story and (when the new copy has none) Published, with
// Updated set to now unless the caller gave a later change time; an
// identical one costs no write. A new document joins the story of a near
// duplicate indexed before it (see package story), or starts its own. A zero Fetched is set to now, a zero Published to
// Fetched. Documents with the same ID in docs are reduced to the first.
// Fields past MaxLineChars and MaxBodyBytes are cut in docs, in place
// (Document.Capped), before anything is written.
//
// Each batch is durable when Upsert moves on to the next one; if Upsert
// fails, the result lists what was written before the failure.
func (ix *Index) Upsert(ctx context.Context, docs []Document) (UpsertResult, error) {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	if err := ix.prepareWritesLocked(ctx); err != nil {
		return UpsertResult{}, err
	}
	if now := time.Now(); now.Sub(ix.lastPrune) > time.Hour {
		if err := ix.pruneStories(now); err != nil {
			return UpsertResult{}, err
		}
		ix.lastPrune = now
	}

	perBatch := batchDocs
	if ix.batchDocs > 0 {
		perBatch = ix.batchDocs
	}
	var res UpsertResult
	seen := make(map[string]bool, len(docs))
	var chunk []*Document
	size := 0
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		err := ix.upsertChunk(chunk, &res)
		chunk, size = chunk[:0], 0
		return err
	}
	for i := range docs {
		d := &docs[i]
		if d.ID == "" {
			return res, fmt.Errorf("index: upsert %q: empty id", d.URL)
		}
		if seen[d.ID] {
			continue
		}
		seen[d.ID] = true
		d.Capped() // in place: what the caller percolates is what is stored
		chunk = append(chunk, d)
		size += len(d.Body) + len(d.Title) + 512
		if len(chunk) >= perBatch || size >= batchBytes {
			if err := ctx.Err(); err != nil {
				return res, fmt.Errorf("index: upsert: %w", err)
			}
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	return res, flush()
}

// PrepareWrites loads what the first Upsert needs (the story clusterer's
// recent documents) if it is not loaded yet. A caller that journals a
// batch before upserting it calls PrepareWrites first, so that the work
// that may fail or be cancelled is done before anything is journaled.
func (ix *Index) PrepareWrites(ctx context.Context) error {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	return ix.prepareWritesLocked(ctx)
}

func (ix *Index) prepareWritesLocked(ctx context.Context) error {
	if ix.storiesLoaded {
		return nil
	}
	if err := ix.loadStories(ctx, time.Now()); err != nil {
		return err
	}
	ix.storiesLoaded = true
	return nil
}

func (ix *Index) upsertChunk(chunk []*Document, res *UpsertResult) error {
	ids := make([]string, len(chunk))
	for i, d := range chunk {
		ids[i] = d.ID
	}
	existing, err := ix.storedMeta(ids)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	// To index: the documents, their hashes, partitions, and whether new.
	var write []*Document
	var hashes, keys []string
	var fresh []bool
	for _, d := range chunk {
		old, exists := existing[d.ID]
		if d.Fetched.IsZero() {
			d.Fetched = now
		}
		d.Fetched = d.Fetched.UTC()
		published := d.Published
		if exists {
			d.Source, d.Fetched, d.Story = old.Source, old.Fetched, old.Story
			if published.IsZero() {
				published = old.Published
			}
		}
		if published.IsZero() {
			published = d.Fetched
		}
		d.Published = published.UTC()
		h := contentHash(d)
		if exists && old.Hash == h && old.Gone.IsZero() {
			d.Updated = old.Updated
			res.Unchanged++
			continue
		}
		isNew := !exists
		if exists {
			// The caller may know when the content changed (a page's
			// Last-Modified); otherwise it changed now.
			if !d.Updated.After(old.Updated) || d.Updated.After(now) {
				d.Updated = now
			}
		} else {
			d.Updated = d.Fetched
		}
		d.Gone = time.Time{} // fetched again: it is back
		// A known document stays in the partition that holds it
		// (partition.go says why).
		key := old.Part // "" for a new document: place assigns it
		write, hashes, keys, fresh = append(write, d), append(hashes, h), append(keys, key), append(fresh, isNew)
	}
	recs := ix.assignStories(write, now)
	// Kept before the batch: a record without its document is harmless
	// (the document, written again, keeps the story it was given), a
	// document without its record would be missed by the stories of a
	// restart.
	if recs = recentRecords(recs, now); ix.signatures != nil && len(recs) > 0 {
		if err := ix.signatures.PutSignatures(recs); err != nil {
			return fmt.Errorf("index: write batch of %d: %w", len(write), err)
		}
	}
	var w partWrites
	for i, d := range write {
		pw, err := w.place(ix, keys[i], d.Published, now)
		if err != nil {
			return err
		}
		if err := pw.add(d, hashes[i]); err != nil {
			return err
		}
		if fresh[i] {
			pw.news = append(pw.news, d.ID)
		} else {
			pw.updated = append(pw.updated, d.ID)
		}
	}
	return w.write(ix, func(pw *partWrite) {
		res.New = append(res.New, pw.news...)
		res.Updated = append(res.Updated, pw.updated...)
	})
}

func indexDoc(b *bleve.Batch, d *Document, hash string) error {
	ev, err := json.Marshal(d.Evidence)
	if err != nil {
		return fmt.Errorf("index: upsert %s: %w", d.ID, err)
	}
	sal, err := json.Marshal(d.Salience)
	if err != nil {
		return fmt.Errorf("index: upsert %s: %w", d.ID, err)
	}
	err = b.Index(d.ID, stored{
		URL: d.URL, Title: d.Title, Body: d.Body, Author: d.Author, Source: d.Source,
		Published: d.Published, Fetched: d.Fetched, Updated: d.Updated, Gone: d.Gone,
		Components: d.Components, Entities: d.Entities, Technologies: d.Technologies,
		Evidence: string(ev), Hash: hash, Story: d.Story, Kind: pageKind(d.URL),
		Salient: d.Salient, Primary: d.Primary, Salience: string(sal),
	})
	if err != nil {
		return fmt.Errorf("index: upsert %s: %w", d.ID, err)
	}
	return nil
}

// MarkGone records that the documents with the given IDs vanished from
// their site at time at. They stay in the index, marked. Unknown IDs and
// documents already marked are skipped. It returns how many it marked.
func (ix *Index) MarkGone(ctx context.Context, ids []string, at time.Time) (int, error) {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	n := 0
	var w partWrites
	for _, id := range ids {
		d, hash, key, err := ix.get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return n, err
		}
		if !d.Gone.IsZero() {
			continue
		}
		d.Gone = at.UTC()
		pw, err := w.batch(ix, key)
		if err != nil {
			return n, err
		}
		if err := pw.add(d, hash); err != nil {
			return n, err
		}
		n++
	}
	if err := w.write(ix, nil); err != nil {
		return 0, fmt.Errorf("index: mark %d gone: %w", n, err)
	}
	return n, nil
}

// meta is what Upsert needs to know about an indexed document.
type meta struct {
	Source                      string
	Published, Fetched, Updated time.Time
	Gone                        time.Time
	Hash                        string
	Story                       string
	Part                        string // the key of the partition that holds it
}

// storedMeta loads meta for those of ids that are indexed, with one search.
func (ix *Index) storedMeta(ids []string) (map[string]meta, error) {
	req := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(ids), len(ids), 0, false)
	req.Fields = []string{fieldSource, fieldPublished, fieldFetched, fieldUpdated, fieldGone, fieldHash, fieldStory}
	sr, err := ix.bleveSearch(context.Background(), req)
	if err != nil {
		return nil, fmt.Errorf("index: look up %d documents: %w", len(ids), err)
	}
	out := make(map[string]meta, len(sr.Hits))
	for _, h := range sr.Hits {
		out[h.ID] = meta{
			Source:    str(h.Fields[fieldSource]),
			Published: timeField(h.Fields[fieldPublished]),
			Fetched:   timeField(h.Fields[fieldFetched]),
			Updated:   timeField(h.Fields[fieldUpdated]),
			Gone:      timeField(h.Fields[fieldGone]),
			Hash:      str(h.Fields[fieldHash]),
			Story:     str(h.Fields[fieldStory]),
			Part:      h.Index,
		}
	}
	return out, nil
}

// contentHash covers what a reader or a filter sees; Fetched and Updated
// are bookkeeping and excluded, and so is salience, which follows from the
// text and the tags: a re-fetch after an upgrade that adds it is no change
// of the page (Retag fills it in).
func contentHash(d *Document) string {
	h := sha256.New()
	for _, s := range []string{d.URL, d.Title, d.Body, d.Author, d.Published.UTC().Format(time.RFC3339)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	for _, list := range [][]string{d.Components, d.Entities, d.Technologies} {
		h.Write([]byte(strings.Join(list, "\x1f")))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Get returns the document with the given ID, or an error wrapping
// ErrNotFound.
func (ix *Index) Get(ctx context.Context, id string) (*Document, error) {
	d, _, _, err := ix.get(ctx, id)
	return d, err
}

// get loads a whole document, its content hash and the key of its
// partition.
func (ix *Index) get(ctx context.Context, id string) (*Document, string, string, error) {
	req := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery([]string{id}), 1, 0, false)
	req.Fields = append([]string{fieldBody, fieldAuthor, fieldEvidence, fieldHash, fieldGone, fieldSalience}, hitFields...)
	sr, err := ix.bleveSearch(ctx, req)
	if err != nil {
		return nil, "", "", fmt.Errorf("index: get %s: %w", id, err)
	}
	if len(sr.Hits) == 0 {
		return nil, "", "", fmt.Errorf("index: get %s: %w", id, ErrNotFound)
	}
	h := sr.Hits[0]
	d, hash, err := documentFromHit(h.ID, h.Fields)
	if err != nil {
		return nil, "", "", fmt.Errorf("index: get %s: %w", id, err)
	}
	return d, hash, h.Index, nil
}

// documentFromHit reads a whole document and its content hash from the
// stored fields of a hit (docFields).
func documentFromHit(id string, f map[string]interface{}) (*Document, string, error) {
	d := documentFromFields(id, f)
	d.Body = str(f[fieldBody])
	d.Author = str(f[fieldAuthor])
	d.Gone = timeField(f[fieldGone])
	d.Evidence = []Evidence{}
	if ev := str(f[fieldEvidence]); ev != "" && ev != "null" {
		if err := json.Unmarshal([]byte(ev), &d.Evidence); err != nil {
			return nil, "", fmt.Errorf("evidence: %w", err)
		}
	}
	if sal := str(f[fieldSalience]); sal != "" && sal != "null" {
		if err := json.Unmarshal([]byte(sal), &d.Salience); err != nil {
			return nil, "", fmt.Errorf("salience: %w", err)
		}
	}
	return &d, str(f[fieldHash]), nil
}

func documentFromFields(id string, f map[string]interface{}) Document {
	return Document{
		ID:           id,
		URL:          str(f[fieldURL]),
		Title:        str(f[fieldTitle]),
		Source:       str(f[fieldSource]),
		Published:    timeField(f[fieldPublished]),
		Fetched:      timeField(f[fieldFetched]),
		Updated:      timeField(f[fieldUpdated]),
		Components:   strs(f[fieldComponents]),
		Entities:     strs(f[fieldEntities]),
		Technologies: strs(f[fieldTechnologies]),
		Story:        storyOf(id, f),
		Salient:      strs(f[fieldSalient]),
		Primary:      str(f[fieldPrimary]),
	}
}

// storyOf reads a document's story, which is its own ID when it has none
// stored.
func storyOf(id string, f map[string]interface{}) string {
	if s := str(f[fieldStory]); s != "" {
		return s
	}
	return id
}

func str(v interface{}) string {
	switch x := v.(type) {
	case string:
		return x
	case []interface{}:
		if len(x) > 0 {
			s, _ := x[0].(string)
			return s
		}
	}
	return ""
}

// strs reads a stored multi-valued field: bleve returns a string for one
// value and a slice for several.
func strs(v interface{}) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []interface{}:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return []string{}
}

func timeField(v interface{}) time.Time {
	t, err := time.Parse(time.RFC3339Nano, str(v))
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// Exists reports which of ids are indexed.
func (ix *Index) Exists(ids []string) (map[string]bool, error) {
	out := make(map[string]bool, len(ids))
	for start := 0; start < len(ids); start += batchDocs {
		meta, err := ix.storedMeta(ids[start:min(start+batchDocs, len(ids))])
		if err != nil {
			return nil, err
		}
		for id := range meta {
			out[id] = true
		}
	}
	return out, nil
}
