package gather

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/techintel/techintel/crawler"
	"github.com/techintel/techintel/feeds"
	"github.com/techintel/techintel/index"
)

// FlushEvery is how many crawled pages go into one batch while a site
// crawl goes on, so that a long crawl shows results early and a crash
// loses little.
const FlushEvery = 200

// fullTextDelay is the politeness delay between article fetches to one
// host for full_text feeds.
const fullTextDelay = time.Second

// Options configure a Fetcher.
type Options struct {
	// Transport carries every request (netguard's, in techintel).
	Transport    http.RoundTripper
	UserAgent    string
	Timeout      time.Duration
	MaxBodyBytes int64
	Logger       *slog.Logger
	// Progress, when set, hears how a run goes (the crawl command prints
	// it).
	Progress func(source, msg string)
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Fetcher runs Jobs. It holds no state between runs and is safe for
// concurrent use.
type Fetcher struct {
	o     Options
	feeds *feeds.Fetcher
}

// NewFetcher returns a Fetcher for o.
func NewFetcher(o Options) *Fetcher {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Fetcher{o: o, feeds: feeds.NewFetcher(o.Transport, o.UserAgent, o.Timeout, o.MaxBodyBytes)}
}

// Fetch runs job and hands its batches to commit, in order, the last one
// with Final set. An error from commit stops the run and is returned. A
// run that fails returns its error; batches committed before stay
// committed.
func (f *Fetcher) Fetch(ctx context.Context, job Job, commit func(Batch) error) error {
	switch job.Kind {
	case KindFeed:
		b, err := f.fetchFeed(ctx, job)
		if err != nil {
			return err
		}
		return commit(b)
	case KindSite:
		return f.crawlSite(ctx, job, commit)
	}
	return fmt.Errorf("gather: source %q: unknown kind %q", job.Source, job.Kind)
}

// fetchFeed fetches a feed conditionally and turns its items into
// documents.
func (f *Fetcher) fetchFeed(ctx context.Context, job Job) (Batch, error) {
	b := Batch{Source: job.Source, Final: true}
	// A source URL that is a web page is read through the feed it links
	// to (<link rel="alternate">), found once and remembered.
	feedURL := job.URL
	if job.FeedURL != "" {
		feedURL = job.FeedURL
	}
	resp, err := f.feeds.Fetch(ctx, feedURL, feeds.Validators{ETag: job.Validators.ETag, LastModified: job.Validators.LastModified})
	if err != nil {
		return b, err
	}
	if resp.NotModified {
		f.report(job.Source, "not modified (304)")
		b.NotModified = true
		return b, nil
	}
	feed, err := feeds.Parse(resp.Body, resp.URL, resp.ContentType)
	if errors.Is(err, feeds.ErrNotFeed) && feedURL == job.URL {
		resolved, _, rerr := f.feeds.Resolve(ctx, job.URL)
		if rerr != nil {
			return b, rerr
		}
		f.report(job.Source, "the URL is a web page; reading its feed "+resolved)
		b.ResolvedURL = resolved
		if resp, err = f.feeds.Fetch(ctx, resolved, feeds.Validators{}); err != nil {
			return b, err
		}
		feed, err = feeds.Parse(resp.Body, resp.URL, resp.ContentType)
	}
	if err != nil {
		return b, err
	}
	docs, keys, skipped := feed.DocumentsWithKeys(job.Source, f.o.Now().UTC())
	if skipped > 0 {
		b.Errors = append(b.Errors, fmt.Sprintf("%d items skipped: neither a link nor any text", skipped))
	}
	b.Documents, b.ItemKeys, b.Fetched, b.Seen = docs, keys, len(docs), len(docs)
	b.Validators = &Validators{ETag: resp.Validators.ETag, LastModified: resp.Validators.LastModified}
	if job.FullText {
		if err := f.fullText(ctx, job, &b); err != nil {
			return b, err
		}
	}
	return b, nil
}

// fullText replaces the summary of each item the job does not know with
// the article text of its page, fetched politely (robots.txt, per-host
// delay) and extracted like a crawled page. Known items are left to the
// commit side, which keeps the text they were indexed with. An article
// that cannot be fetched keeps its summary, and the reason is reported.
func (f *Fetcher) fullText(ctx context.Context, job Job, b *Batch) error {
	cc := crawler.DefaultConfig()
	cc.Delay, cc.UserAgent, cc.Timeout, cc.MaxBodyBytes = fullTextDelay, f.o.UserAgent, f.o.Timeout, f.o.MaxBodyBytes
	cc.Transport, cc.Logger = f.o.Transport, f.o.Logger
	af := crawler.NewArticleFetcher(cc)
	defer af.Close()
	for i := range b.Documents {
		d := &b.Documents[i]
		if feeds.ItemAnchor(d.URL) {
			continue // a linkless item: its URL is the feed's page, not an article
		}
		if _, known := job.KnownItems[b.ItemKeys[i]]; known {
			continue
		}
		page, err := af.Fetch(ctx, d.URL)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			if len(b.Errors) < MaxErrors {
				b.Errors = append(b.Errors, fmt.Sprintf("full text of %s: %v (kept the feed's summary)", d.URL, err))
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

// crawlSite crawls a site and hands its pages to commit as they come.
// Known pages are fetched conditionally; unchanged ones give no document,
// vanished ones (404/410) are reported gone.
func (f *Fetcher) crawlSite(ctx context.Context, job Job, commit func(Batch) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	b := Batch{Source: job.Source, Pages: map[string]*PageState{}}
	var commitErr error
	flush := func() {
		if commitErr == nil {
			commitErr = commit(b)
		}
		if commitErr != nil {
			cancel() // the commit side cannot take more: stop crawling
		}
		b = Batch{Source: job.Source, Pages: map[string]*PageState{}}
	}
	emit := func(r crawler.Result) {
		switch r.Outcome {
		case crawler.Fetched:
			b.Documents = append(b.Documents, r.Doc)
			b.Pages[r.URL] = pageState(r.State, f.o.Now())
		case crawler.Unchanged:
			b.Pages[r.URL] = pageState(r.State, f.o.Now())
		case crawler.Gone:
			b.Gone = append(b.Gone, index.DocID(r.URL))
			b.Pages[r.URL] = nil // forget it: it is reported gone once
		}
		if len(b.Documents)+len(b.Gone) >= FlushEvery {
			flush()
		}
	}
	cc := crawler.DefaultConfig()
	cc.Source, cc.StartURL = job.Source, job.URL
	cc.AllowedDomains, cc.Include, cc.Exclude = job.Crawl.AllowedDomains, job.Crawl.Include, job.Crawl.Exclude
	cc.MaxDepth, cc.MaxPages, cc.Delay = job.Crawl.MaxDepth, job.Crawl.MaxPages, job.Crawl.Delay
	cc.MaxDuration = job.Crawl.MaxDuration
	cc.UserAgent, cc.Timeout, cc.MaxBodyBytes = f.o.UserAgent, f.o.Timeout, f.o.MaxBodyBytes
	cc.Transport, cc.Logger = f.o.Transport, f.o.Logger
	cc.Known = func(u string) (crawler.PageState, bool) {
		st, ok := job.Pages[u]
		if !ok {
			return crawler.PageState{}, false
		}
		return crawler.PageState{ETag: st.ETag, LastModified: st.LastModified, Hash: st.Hash, Length: st.Length,
			BodyHash: st.BodyHash}, true
	}
	var lastReport time.Time
	cc.Progress = func(st crawler.Stats) {
		if f.o.Progress == nil || time.Since(lastReport) < time.Second {
			return
		}
		lastReport = time.Now()
		f.report(job.Source, Progress(st))
	}
	stats, err := crawler.Crawl(ctx, cc, emit)
	for _, e := range stats.Errors {
		if len(b.Errors) < MaxErrors {
			b.Errors = append(b.Errors, e)
		}
	}
	b.Final = true
	b.Fetched = stats.Fetched + stats.Unchanged
	b.Seen = stats.Fetched + stats.Unchanged + stats.Gone + stats.Failed + stats.Skipped
	f.report(job.Source, Progress(stats))
	if commitErr != nil {
		return commitErr
	}
	if err != nil {
		// What was crawled before the failure is still committed.
		if cerr := commit(b); cerr != nil {
			return errors.Join(err, cerr)
		}
		return err
	}
	return commit(b)
}

// pageState is what is kept of a crawled page's state, seen at the given
// time (the store records a change of its text with it).
func pageState(st crawler.PageState, seen time.Time) *PageState {
	return &PageState{ETag: st.ETag, LastModified: st.LastModified, Hash: st.Hash, Length: st.Length,
		BodyHash: st.BodyHash, Seen: seen.UTC()}
}

// Progress says how a crawl is going: pages fetched, queued, skipped and
// why.
func Progress(st crawler.Stats) string {
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

func (f *Fetcher) report(source, msg string) {
	if f.o.Progress != nil {
		f.o.Progress(source, msg)
	}
}
