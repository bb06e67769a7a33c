package engine

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/cmd/techintel/internal/datadir"
	"github.com/techintel/techintel/cmd/techintel/internal/gather"
	"github.com/techintel/techintel/cmd/techintel/internal/metrics"
	"github.com/techintel/techintel/cmd/techintel/internal/netguard"
	"github.com/techintel/techintel/feeds"
	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/store"
)

// maxRunErrors caps the page errors one run reports.
const maxRunErrors = 50

// Gatherer is the one ingest orchestrator: source → fetch (feeds or
// crawler) → tag → upsert, recording each run's outcome in the state
// store. It implements api.Sources.
type Gatherer struct {
	cfg     *Settings
	index   *index.Index
	store   *store.Store
	watch   *liveWatch      // the watch list, swapped on reload
	fetcher *gather.Fetcher // the fetch side: network and parsing only
	log     *slog.Logger
	now     func() time.Time

	// progress, when set, hears about a run as it goes (the crawl command
	// prints it). Set at construction only (gathererHooks).
	progress func(source, msg string)
	// nextRun, when set, tells when the scheduler runs a source next.
	// Set at construction only (gathererHooks).
	nextRun func(source string) time.Time
	// metrics, when set, count the run pool's runs by source (serve's
	// /metrics). Set at construction only (gathererHooks).
	metrics *metrics.Metrics

	hosts  *hostSlots
	alerts *Alerter
	group  groupCommitter // commits the batches of concurrent runs together

	mu      sync.Mutex
	running map[string]bool
	unsaved map[string]store.SourceState // outcomes the store could not record

	// gate is held for reading by every section that writes the index
	// together with the state that goes with it (validators, page states,
	// alerts), and for writing by Backup, so that a backup copies index
	// and store at one consistent point.
	gate sync.RWMutex
}

// NewGatherer wires a gatherer for cfg over an open data directory.
func NewGatherer(cfg *Settings, d *datadir.Dir, log *slog.Logger) (*Gatherer, error) {
	return newGathererWith(cfg, d, log, gathererHooks{})
}

// gathererHooks are the optional callbacks of a gatherer, given when it
// is built.
type gathererHooks struct {
	progress func(source, msg string)
	nextRun  func(source string) time.Time
	// replica: a cluster's search replica, which raises no alerts.
	replica bool
	// metrics, when set, count the runs of the run pool by source.
	metrics *metrics.Metrics
}

// newGathererWith is NewGatherer with hooks.
func newGathererWith(cfg *Settings, d *datadir.Dir, log *slog.Logger, hooks gathererHooks) (*Gatherer, error) {
	lw, err := newLiveWatch(cfg)
	if err != nil {
		return nil, err
	}
	d.Index.SetResolver(lw.resolve)
	g := &Gatherer{
		cfg:      cfg,
		index:    d.Index,
		store:    d.Store,
		watch:    lw,
		log:      log,
		now:      time.Now,
		running:  map[string]bool{},
		progress: hooks.progress,
		nextRun:  hooks.nextRun,
		hosts:    newHostSlots(max(1, cfg.HTTP.MaxRunsPerHost)),
		alerts:   &Alerter{cfg: cfg, watch: lw, index: d.Index, store: d.Store, log: log, now: time.Now, off: hooks.replica},
		metrics:  hooks.metrics,
	}
	g.fetcher = g.newFetcher(netguard.NewTransport(cfg.HTTP.AllowPrivateNetworks, cfg.HTTP.Timeout))
	return g, nil
}

// newFetcher returns the fetch side for g's configuration over rt.
func (g *Gatherer) newFetcher(rt http.RoundTripper) *gather.Fetcher {
	return gather.NewFetcher(gather.Options{Transport: rt, UserAgent: g.cfg.HTTP.UserAgent, Timeout: g.cfg.HTTP.Timeout,
		MaxBodyBytes: g.cfg.HTTP.MaxBodyBytes, Logger: g.log, Progress: g.report, Now: func() time.Time { return g.now() }})
}

// RunSource runs one source now. It refuses to start a second run of a
// source that is still running. The result is returned even when the run
// failed, with the reason in Errors and in the error.
func (g *Gatherer) RunSource(ctx context.Context, name string) (api.RunResult, error) {
	return g.runSource(ctx, name, nil)
}

// RunSourceSlot is RunSource with a further limit, slot: waited for once
// the source's host slot is held, and given up with it once the run has
// fetched everything and waits for the index (crawl's bound on the runs
// at once, as the scheduled runs' pool).
func (g *Gatherer) RunSourceSlot(ctx context.Context, name string, slot func(context.Context) (func(), error)) (api.RunResult, error) {
	return g.runSource(ctx, name, slot)
}

// runSource is RunSource; slot, when set, is a further limit (the run
// pool's) waited for once the host's slot is held.
func (g *Gatherer) runSource(ctx context.Context, name string, slot func(context.Context) (func(), error)) (api.RunResult, error) {
	src, ok := g.cfg.Source(name)
	if !ok {
		return api.RunResult{}, fmt.Errorf("run %q: %w", name, api.ErrUnknownSource)
	}
	g.mu.Lock()
	if g.running[name] {
		g.mu.Unlock()
		return api.RunResult{}, fmt.Errorf("run %q: %w", name, api.ErrSourceRunning)
	}
	g.running[name] = true
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		delete(g.running, name)
		g.mu.Unlock()
	}()

	// At most http.max_runs_per_host sources of one host run at once, so
	// that many feeds of one site do not hammer it.
	releaseHost, err := g.hosts.acquire(ctx, src.URL)
	if err != nil {
		return api.RunResult{Source: name, Errors: []string{err.Error()}}, err
	}
	releaseSlot := func() {}
	if slot != nil {
		if releaseSlot, err = slot(ctx); err != nil {
			releaseHost()
			return api.RunResult{Source: name, Errors: []string{err.Error()}}, err
		}
	}
	// The slots bound fetching: a run that has fetched everything and
	// waits for its last batch to be indexed gives them up (the group
	// committer decides when, commit.go), so that the next sources fetch
	// and parse while the index writes.
	fetched := sync.OnceFunc(func() {
		releaseSlot()
		releaseHost()
	})
	defer fetched()

	start := g.now()
	res := api.RunResult{Source: name, Errors: []string{}}
	var seen int
	seen, err = g.fetchAndCommit(ctx, src, &res, fetched)
	if err != nil {
		res.Errors = append(res.Errors, err.Error())
	}
	record := func(st *store.SourceState) {
		if err != nil && ctx.Err() != nil {
			return // interrupted by shutdown: not the source's failure
		}
		st.LastRun = start.UTC()
		st.ItemsSeen = seen
		if err != nil {
			st.LastError = err.Error()
			st.ConsecutiveFailures++
			st.BackoffUntil = g.now().Add(backoffDelay(st.ConsecutiveFailures, retryAfterOf(err), jitter())).UTC()
			return
		}
		st.LastSuccess = start.UTC()
		st.LastError = ""
		st.ConsecutiveFailures = 0
		st.BackoffUntil = time.Time{}
	}
	serr := g.store.UpdateSource(name, record)
	if serr != nil && err == nil {
		err = serr
		res.Errors = append(res.Errors, err.Error())
	}
	g.keepUnsaved(name, serr, record, err)
	level := slog.LevelInfo
	if err != nil {
		level = slog.LevelWarn
	}
	attrs := []any{slog.String("source", name), slog.Int("fetched", res.Fetched), slog.Int("new", res.New),
		slog.Int("updated", res.Updated), slog.Int("errors", len(res.Errors)),
		slog.Duration("took", g.now().Sub(start))}
	if err != nil { // a success logs no error=<nil>
		attrs = append(attrs, slog.Any("error", err))
	}
	g.log.Log(ctx, level, "source run finished", attrs...)
	return res, err
}

// job is what fetching src needs, read from the state store: the commit
// side's half of the fetch/commit seam.
func (g *Gatherer) job(src Source) (gather.Job, error) {
	st, err := g.store.Source(src.Name)
	if err != nil {
		return gather.Job{}, err
	}
	job := gather.Job{Source: src.Name, Kind: src.Type, URL: src.URL, FeedURL: st.ResolvedURL, FullText: src.FullText,
		Validators: gather.Validators{ETag: st.ETag, LastModified: st.LastModified}}
	switch src.Type {
	case SourceFeed:
		if src.FullText {
			if job.KnownItems, err = g.store.Items(src.Name); err != nil {
				return gather.Job{}, err
			}
		}
	case SourceSite:
		pages, err := g.store.Pages(src.Name)
		if err != nil {
			return gather.Job{}, err
		}
		job.Pages = make(map[string]gather.PageState, len(pages))
		for u, p := range pages {
			job.Pages[u] = gather.PageState{ETag: p.ETag, LastModified: p.LastModified, Hash: p.Hash, Length: p.Length, BodyHash: p.BodyHash}
		}
		c := src.Crawl
		job.Crawl = gather.Crawl{AllowedDomains: c.AllowedDomains, Include: c.Include, Exclude: c.Exclude, MaxDepth: c.MaxDepth,
			MaxPages: c.MaxPages, Delay: c.Delay, MaxDuration: c.MaxDuration}
	}
	return job, nil
}

// fetchAndCommit runs src through the fetcher and commits each batch it
// gives; fetched, if set, is called once the run's last batch is queued
// for its commit (or the run ends). It returns how many items or pages
// the run saw.
func (g *Gatherer) fetchAndCommit(ctx context.Context, src Source, res *api.RunResult, fetched func()) (int, error) {
	job, err := g.job(src)
	if err != nil {
		return 0, err
	}
	seen := 0
	g.group.begin() // a group commit may wait for this run's batch
	defer g.group.end()
	err = g.fetcher.Fetch(ctx, job, func(b gather.Batch) error {
		if b.Final {
			seen = b.Seen
			if b.NotModified {
				st, err := g.store.Source(src.Name)
				if err != nil {
					return err
				}
				seen = st.ItemsSeen
			}
		}
		var done func()
		if b.Final {
			done = fetched
		}
		return g.commit(ctx, src, b, res, done)
	})
	return seen, err
}

// commit indexes one batch of a fetch and records the state that goes
// with it: item identities, page states, gone pages, validators. fetched,
// if set, hears when the batch is queued for its commit with room in the
// queue (the run's fetching is over).
func (g *Gatherer) commit(ctx context.Context, src Source, b gather.Batch, res *api.RunResult, fetched func()) error {
	res.Fetched += b.Fetched
	for _, e := range b.Errors {
		if len(res.Errors) < maxRunErrors {
			res.Errors = append(res.Errors, e)
		}
	}
	if b.ResolvedURL != "" {
		if err := g.store.UpdateSource(src.Name, func(st *store.SourceState) { st.ResolvedURL = b.ResolvedURL }); err != nil {
			return err
		}
	}
	if b.NotModified {
		return nil
	}
	docs := b.Documents
	var itemIDs map[string]string
	if b.ItemKeys != nil {
		// An item known by its GUID (or title and date) updates the
		// document it was indexed as, even when its link changed.
		var err error
		if itemIDs, err = g.feedIdentities(src.Name, docs, b.ItemKeys); err != nil {
			return err
		}
		if src.FullText {
			if err := g.keepFullText(ctx, docs); err != nil {
				return err
			}
		}
	}
	// Tagged and fingerprinted here, on the run's goroutine (the runs of
	// the pool are the workers); indexed and recorded with the batches of
	// other runs that arrive meanwhile (commit.go), by one writer that
	// then only builds and applies the bleve batches.
	tagger := g.watch.get().tagger
	for i := range docs {
		tagger.Tag(&docs[i], src.Components)
	}
	index.Prepare(docs)
	req := &commitReq{ctx: ctx, source: src.Name, docs: docs, gone: b.Gone, items: itemIDs, fetched: fetched}
	if v := b.Validators; v != nil {
		req.validators = &[2]string{v.ETag, v.LastModified}
	}
	if len(b.Pages) > 0 {
		req.pages = make(map[string]*store.PageState, len(b.Pages))
		for u, p := range b.Pages {
			if p != nil {
				req.pages[u] = &store.PageState{ETag: p.ETag, LastModified: p.LastModified, Hash: p.Hash, Length: p.Length,
					BodyHash: p.BodyHash, Seen: p.Seen}
			} else {
				req.pages[u] = nil
			}
		}
	}
	err := g.group.submit(req, g.commitGroup)
	res.New += req.new
	res.Updated += req.updated
	res.Gone += req.goneN
	return err
}

// keepFullText gives each document of a full_text feed that is already
// indexed the article text fetched when it was new: the feed's summary
// must not overwrite it.
func (g *Gatherer) keepFullText(ctx context.Context, docs []index.Document) error {
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	known, err := g.index.Exists(ids)
	if err != nil {
		return err
	}
	for i := range docs {
		d := &docs[i]
		if !known[d.ID] || feeds.ItemAnchor(d.URL) {
			continue
		}
		old, err := g.index.Get(ctx, d.ID)
		if err != nil {
			return err
		}
		d.Body = old.Body
		if d.Author == "" {
			d.Author = old.Author
		}
	}
	return nil
}

func (g *Gatherer) report(source, msg string) {
	if g.progress != nil {
		g.progress(source, msg)
	}
}

// Sources reports every configured source with its state.
func (g *Gatherer) Sources(ctx context.Context) ([]api.SourceStatus, error) {
	counts, err := g.index.CountBySource(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]api.SourceStatus, 0, len(g.cfg.Sources))
	for _, s := range g.cfg.Sources {
		st, err := g.store.Source(s.Name)
		if err != nil {
			return nil, err
		}
		g.mu.Lock()
		if u, ok := g.unsaved[s.Name]; ok {
			st = u
		}
		g.mu.Unlock()
		ss := api.SourceStatus{
			Name: s.Name, Type: s.Type, URL: s.URL, Schedule: s.Schedule,
			LastRun: timePtr(st.LastRun), LastSuccess: timePtr(st.LastSuccess),
			LastError: st.LastError, ConsecutiveFailures: st.ConsecutiveFailures,
			BackoffUntil: timePtr(st.BackoffUntil),
			Documents:    counts[s.Name], ItemsSeen: st.ItemsSeen,
		}
		if g.nextRun != nil {
			ss.NextRun = timePtr(g.nextRun(s.Name))
		}
		out = append(out, ss)
	}
	return out, nil
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

var _ api.Sources = (*Gatherer)(nil)

// keepUnsaved keeps a run's outcome in memory when the state store could
// not record it (a full or read-only disk), so that the sources API still
// shows the failure; a later outcome that is saved replaces it.
func (g *Gatherer) keepUnsaved(name string, serr error, record func(*store.SourceState), runErr error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if serr == nil {
		delete(g.unsaved, name)
		return
	}
	st, err := g.store.Source(name)
	if err != nil {
		return
	}
	record(&st)
	if runErr != nil && st.LastError == "" {
		st.LastError = runErr.Error()
	}
	if g.unsaved == nil {
		g.unsaved = map[string]store.SourceState{}
	}
	g.unsaved[name] = st
}

// hostSlots is a counting semaphore per host.
type hostSlots struct {
	n  int
	mu sync.Mutex
	m  map[string]chan struct{}
}

func newHostSlots(n int) *hostSlots { return &hostSlots{n: n, m: map[string]chan struct{}{}} }

// acquire waits for a slot for rawURL's host and returns its release.
func (h *hostSlots) acquire(ctx context.Context, rawURL string) (func(), error) {
	host := rawURL
	if u, err := url.Parse(rawURL); err == nil {
		host = strings.ToLower(u.Hostname())
	}
	h.mu.Lock()
	ch, ok := h.m[host]
	if !ok {
		ch = make(chan struct{}, h.n)
		h.m[host] = ch
	}
	h.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for a slot on %s: %w", host, ctx.Err())
	}
}

// Backup implements api.Backups: it writes to name under BackupDir,
// pausing index writes (searches go on) while it copies the index and
// the store.
func (g *Gatherer) Backup(ctx context.Context, name string) (api.BackupResult, error) {
	if err := api.CheckBackupName(name); err != nil {
		return api.BackupResult{}, fmt.Errorf("%w: %v", api.ErrInvalid, err)
	}
	dir := filepath.Join(g.cfg.BackupDir, filepath.FromSlash(name))
	if err := datadir.CheckOutside(g.cfg.DataDir, dir); err != nil {
		return api.BackupResult{}, fmt.Errorf("%w: backup: %v", api.ErrInvalid, err)
	}
	g.gate.Lock()
	defer g.gate.Unlock()
	if err := ctx.Err(); err != nil {
		return api.BackupResult{}, err
	}
	return datadir.Backup(g.index, g.store, dir)
}

// Index is the search index g writes.
func (g *Gatherer) Index() *index.Index { return g.index }

// Store is the state store g writes.
func (g *Gatherer) Store() *store.Store { return g.store }

// Settings are the settings g was built with.
func (g *Gatherer) Settings() *Settings { return g.cfg }

// Retag re-applies the current watch list to every stored document.
func (g *Gatherer) Retag(ctx context.Context, progress func(seen, changed int)) (seen, changed int, err error) {
	return g.retag(ctx, progress)
}

// Alerter is g's subscriptions and alerts.
func (g *Gatherer) Alerter() *Alerter { return g.alerts }
