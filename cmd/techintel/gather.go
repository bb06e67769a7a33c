package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/crawler"
	"github.com/techintel/techintel/feeds"
	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/store"
)

// maxRunErrors caps the page errors one run reports.
const maxRunErrors = 50

// upsertEvery is how many crawled pages are indexed together while a site
// crawl goes on, so that a long crawl shows results early and a crash
// loses little.
const upsertEvery = 200

// Gatherer is the one ingest orchestrator: source → fetch (feeds or
// crawler) → tag → upsert, recording each run's outcome in the state
// store. It implements api.Sources.
type Gatherer struct {
	cfg     *Config
	index   *index.Index
	store   *store.Store
	watch   *liveWatch // the watch list, swapped on reload
	fetcher *feeds.Fetcher
	rt      http.RoundTripper
	log     *slog.Logger
	now     func() time.Time

	// progress, when set, hears about a run as it goes (the crawl command
	// prints it).
	progress func(source, msg string)
	// nextRun, when set, tells when the scheduler runs a source next.
	nextRun func(source string) time.Time

	hosts  *hostSlots
	alerts *alerter
	// reloader, when set (serve), re-reads the watch list on SIGHUP.
	reloader *reloader

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
func NewGatherer(cfg *Config, d *dataDir, log *slog.Logger) (*Gatherer, error) {
	lw, err := newLiveWatch(cfg)
	if err != nil {
		return nil, err
	}
	d.index.SetResolver(lw.resolve)
	rt := newTransport(cfg.HTTP.AllowPrivateNetworks, cfg.HTTP.Timeout.D())
	return &Gatherer{
		cfg:     cfg,
		index:   d.index,
		store:   d.store,
		watch:   lw,
		fetcher: feeds.NewFetcher(rt, cfg.HTTP.UserAgent, cfg.HTTP.Timeout.D(), cfg.HTTP.MaxBodyBytes),
		rt:      rt,
		log:     log,
		now:     time.Now,
		running: map[string]bool{},
		hosts:   newHostSlots(max(1, cfg.HTTP.MaxRunsPerHost)),
		alerts:  &alerter{cfg: cfg, watch: lw, index: d.index, store: d.store, log: log, now: time.Now},
	}, nil
}

// RunSource runs one source now. It refuses to start a second run of a
// source that is still running. The result is returned even when the run
// failed, with the reason in Errors and in the error.
func (g *Gatherer) RunSource(ctx context.Context, name string) (api.RunResult, error) {
	return g.runSource(ctx, name, nil)
}

// runSource is RunSource; slot, when set, is a further limit (the run
// pool's) waited for once the host's slot is held.
func (g *Gatherer) runSource(ctx context.Context, name string, slot func(context.Context) (func(), error)) (api.RunResult, error) {
	src, ok := g.cfg.source(name)
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
	release, err := g.hosts.acquire(ctx, src.URL)
	if err != nil {
		return api.RunResult{Source: name, Errors: []string{err.Error()}}, err
	}
	defer release()
	if slot != nil {
		release, err := slot(ctx)
		if err != nil {
			return api.RunResult{Source: name, Errors: []string{err.Error()}}, err
		}
		defer release()
	}

	start := g.now()
	res := api.RunResult{Source: name, Errors: []string{}}
	var seen int
	switch src.Type {
	case sourceFeed:
		seen, err = g.runFeed(ctx, src, &res)
	case sourceSite:
		seen, err = g.runSite(ctx, src, &res)
	}
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
	g.log.Log(ctx, level, "source run finished",
		slog.String("source", name), slog.Int("fetched", res.Fetched), slog.Int("new", res.New),
		slog.Int("updated", res.Updated), slog.Int("errors", len(res.Errors)),
		slog.Duration("took", g.now().Sub(start)), slog.Any("error", err))
	return res, err
}

// runFeed fetches a feed conditionally and indexes its items.
func (g *Gatherer) runFeed(ctx context.Context, src SourceConfig, res *api.RunResult) (int, error) {
	st, err := g.store.Source(src.Name)
	if err != nil {
		return 0, err
	}
	// A source URL that is a web page is read through the feed it links
	// to (<link rel="alternate">), found once and remembered.
	feedURL := src.URL
	if st.ResolvedURL != "" {
		feedURL = st.ResolvedURL
	}
	resp, err := g.fetcher.Fetch(ctx, feedURL, feeds.Validators{ETag: st.ETag, LastModified: st.LastModified})
	if err != nil {
		return 0, err
	}
	if resp.NotModified {
		g.report(src.Name, "not modified (304)")
		return st.ItemsSeen, nil
	}
	feed, err := feeds.Parse(resp.Body, resp.URL, resp.ContentType)
	if errors.Is(err, feeds.ErrNotFeed) && feedURL == src.URL {
		resolved, _, rerr := g.fetcher.Resolve(ctx, src.URL)
		if rerr != nil {
			return 0, rerr
		}
		g.report(src.Name, "the URL is a web page; reading its feed "+resolved)
		if err := g.store.UpdateSource(src.Name, func(st *store.SourceState) { st.ResolvedURL = resolved }); err != nil {
			return 0, err
		}
		if resp, err = g.fetcher.Fetch(ctx, resolved, feeds.Validators{}); err != nil {
			return 0, err
		}
		feed, err = feeds.Parse(resp.Body, resp.URL, resp.ContentType)
	}
	if err != nil {
		return 0, err
	}
	fetched := g.now().UTC()
	docs, keys, skipped := feed.DocumentsWithKeys(src.Name, fetched)
	if skipped > 0 {
		res.Errors = append(res.Errors, fmt.Sprintf("%d items skipped: neither a link nor any text", skipped))
	}
	res.Fetched = len(docs)
	// An item known by its GUID (or title and date) updates the document
	// it was indexed as, even when its link changed.
	itemIDs, err := g.feedIdentities(src.Name, docs, keys)
	if err != nil {
		return len(docs), err
	}
	if src.FullText {
		if err := g.fullText(ctx, docs, res); err != nil {
			return len(docs), err
		}
	}
	g.gate.RLock()
	defer g.gate.RUnlock()
	if err := g.indexDocs(ctx, src, docs, res); err != nil {
		return len(docs), err
	}
	if err := g.store.PutItemIDs(src.Name, itemIDs, fetched); err != nil {
		return len(docs), err
	}
	// Validators are stored only once the items are indexed: a failure
	// above must not turn the next fetch into a 304 that skips them.
	err = g.store.UpdateSource(src.Name, func(st *store.SourceState) {
		st.ETag, st.LastModified = resp.Validators.ETag, resp.Validators.LastModified
	})
	return len(docs), err
}

// fullTextDelay is the politeness delay between article fetches to one
// host for full_text feeds.
const fullTextDelay = time.Second

// fullText replaces the summary of each item not yet indexed with the
// article text of its page, fetched politely (robots.txt, per-host delay)
// and extracted like a crawled page; items already indexed keep the text
// they have. An article that cannot be fetched keeps its summary, and the
// reason is reported.
func (g *Gatherer) fullText(ctx context.Context, docs []index.Document, res *api.RunResult) error {
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	known, err := g.index.Exists(ids)
	if err != nil {
		return err
	}
	cc := crawler.DefaultConfig()
	cc.Delay, cc.UserAgent, cc.Timeout, cc.MaxBodyBytes = fullTextDelay, g.cfg.HTTP.UserAgent, g.cfg.HTTP.Timeout.D(), g.cfg.HTTP.MaxBodyBytes
	cc.Transport, cc.Logger = g.rt, g.log
	af := crawler.NewArticleFetcher(cc)
	defer af.Close()
	for i := range docs {
		d := &docs[i]
		if feeds.ItemAnchor(d.URL) {
			continue // a linkless item: its URL is the feed's page, not an article
		}
		if known[d.ID] {
			// Keep the article text fetched when the item was new; the
			// feed's summary must not overwrite it.
			old, err := g.index.Get(ctx, d.ID)
			if err != nil {
				return err
			}
			d.Body = old.Body
			if d.Author == "" {
				d.Author = old.Author
			}
			continue
		}
		page, err := af.Fetch(ctx, d.URL)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			if len(res.Errors) < maxRunErrors {
				res.Errors = append(res.Errors, fmt.Sprintf("full text of %s: %v (kept the feed's summary)", d.URL, err))
			}
			continue
		}
		if len(page.Body) > len(d.Body) {
			d.Body = page.Body
		}
		if d.Author == "" {
			d.Author = page.Author
		}
		if d.Published.IsZero() {
			d.Published = page.Published
		}
	}
	return nil
}

// runSite crawls a site and indexes its pages as they come. Known pages
// are fetched conditionally; unchanged ones cost no index write, vanished
// ones (404/410) are marked gone.
func (g *Gatherer) runSite(ctx context.Context, src SourceConfig, res *api.RunResult) (int, error) {
	var batch []index.Document
	states := map[string]*store.PageState{}
	var gone []string
	var upErr error
	flush := func() {
		if upErr != nil {
			return
		}
		g.gate.RLock()
		defer g.gate.RUnlock()
		upErr = g.indexDocs(ctx, src, batch, res)
		if upErr == nil && len(gone) > 0 {
			var n int
			n, upErr = g.index.MarkGone(ctx, gone, g.now())
			res.Gone += n
		}
		// Validators are remembered only once their pages are indexed:
		// otherwise a crash could turn a page never indexed into a 304.
		if upErr == nil {
			upErr = g.store.PutPages(src.Name, states)
		}
		batch, gone = batch[:0], gone[:0]
		clear(states)
	}
	emit := func(r crawler.Result) {
		switch r.Outcome {
		case crawler.Fetched:
			res.Fetched++
			batch = append(batch, r.Doc)
			states[r.URL] = pageState(r.State, g.now())
		case crawler.Unchanged:
			res.Fetched++
			states[r.URL] = pageState(r.State, g.now())
		case crawler.Gone:
			gone = append(gone, index.DocID(r.URL))
			states[r.URL] = nil // forget it: it is reported gone once
		}
		if len(batch)+len(gone) >= upsertEvery {
			flush()
		}
	}
	cc := crawler.DefaultConfig()
	cc.Source, cc.StartURL = src.Name, src.URL
	cc.AllowedDomains, cc.Include, cc.Exclude = src.Crawl.AllowedDomains, src.Crawl.Include, src.Crawl.Exclude
	cc.MaxDepth, cc.MaxPages, cc.Delay = src.Crawl.MaxDepth, src.Crawl.MaxPages, src.Crawl.Delay.D()
	cc.MaxDuration = src.Crawl.MaxDuration.D()
	cc.UserAgent, cc.Timeout, cc.MaxBodyBytes = g.cfg.HTTP.UserAgent, g.cfg.HTTP.Timeout.D(), g.cfg.HTTP.MaxBodyBytes
	cc.Transport, cc.Logger = g.rt, g.log
	cc.Known = func(u string) (crawler.PageState, bool) {
		st, ok, err := g.store.Page(src.Name, u)
		if err != nil || !ok {
			return crawler.PageState{}, false
		}
		return crawler.PageState{ETag: st.ETag, LastModified: st.LastModified, Hash: st.Hash, Length: st.Length,
			BodyHash: st.BodyHash}, true
	}
	var lastReport time.Time
	cc.Progress = func(st crawler.Stats) {
		if g.progress == nil || time.Since(lastReport) < time.Second {
			return
		}
		lastReport = time.Now()
		g.report(src.Name, crawlProgress(st))
	}
	stats, err := crawler.Crawl(ctx, cc, emit)
	flush()
	for _, e := range stats.Errors {
		if len(res.Errors) < maxRunErrors {
			res.Errors = append(res.Errors, e)
		}
	}
	seen := stats.Fetched + stats.Unchanged + stats.Gone + stats.Failed + stats.Skipped
	g.report(src.Name, crawlProgress(stats))
	if err != nil {
		return seen, err
	}
	return seen, upErr
}

// pageState is what the store keeps of a crawled page's state, seen at
// the given time (the store records a change of its text with it).
func pageState(st crawler.PageState, seen time.Time) *store.PageState {
	return &store.PageState{ETag: st.ETag, LastModified: st.LastModified, Hash: st.Hash, Length: st.Length,
		BodyHash: st.BodyHash, Seen: seen.UTC()}
}

// crawlProgress says how a crawl is going: pages fetched, queued, skipped
// and why.
func crawlProgress(st crawler.Stats) string {
	msg := fmt.Sprintf("%d pages new or changed, %d unchanged, %d gone, %d failed, %d queued, %d skipped",
		st.Fetched, st.Unchanged, st.Gone, st.Failed, st.Queued, st.Skipped)
	if len(st.SkippedBy) > 0 {
		reasons := make([]string, 0, len(st.SkippedBy))
		for r, n := range st.SkippedBy {
			reasons = append(reasons, fmt.Sprintf("%s %d", r, n))
		}
		slices.Sort(reasons)
		msg += " (" + strings.Join(reasons, ", ") + ")"
	}
	return msg
}

// indexDocs tags docs and upserts them, adding the counts to res.
func (g *Gatherer) indexDocs(ctx context.Context, src SourceConfig, docs []index.Document, res *api.RunResult) error {
	if len(docs) == 0 {
		return nil
	}
	tagger := g.watch.get().tagger
	ids := make([]string, len(docs))
	for i := range docs {
		tagger.Tag(&docs[i], src.Components)
		ids[i] = docs[i].ID
	}
	// Journalled before the index write, cleared once the alerts are
	// stored: a crash in between is replayed at the next start.
	seq, err := g.store.JournalAdd(ids)
	if err != nil {
		return indexWriteError(err)
	}
	up, err := g.index.Upsert(ctx, docs)
	res.New += len(up.New)
	res.Updated += len(up.Updated)
	if err != nil {
		return indexWriteError(err)
	}
	// Percolate what was written, right after it was indexed. Upsert set
	// each document's first-fetch time, which decides whether it is newer
	// than a subscription.
	written := map[string]bool{}
	for _, id := range append(up.New, up.Updated...) {
		written[id] = true
	}
	var changed []index.Document
	for _, d := range docs {
		if written[d.ID] {
			changed = append(changed, d)
			delete(written, d.ID) // duplicates within docs
		}
	}
	// What is in the index gets its alerts even when a shutdown cancels
	// ctx meanwhile: a clean stop leaves no batch for the journal replay.
	if _, err := g.alerts.percolate(context.WithoutCancel(ctx), changed); err != nil {
		return fmt.Errorf("alerts: %w", err)
	}
	return g.store.JournalDone(seq)
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
