package engine

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/tag"
)

// watchSet is one version of the watch list and technologies, with the
// tagger built from them. It is never modified once published.
type watchSet struct {
	Watch        []Watch
	Technologies []Technology
	tagger       *tag.Tagger
}

func newWatchSet(watch []Watch, technologies []Technology) (*watchSet, error) {
	tg, err := NewTagger(watch, technologies)
	if err != nil {
		return nil, err
	}
	return &watchSet{Watch: watch, Technologies: technologies, tagger: tg}, nil
}

// resolve resolves a value of the query language's entity: or
// technology: field to the watch list's name, matching the name or an
// alias in any case (entity:DT → "Deutsche Telekom"); nil when none does.
func (w *watchSet) resolve(field, value string) []string {
	match := func(name string, aliases []string) bool {
		return strings.EqualFold(name, value) || slices.ContainsFunc(aliases, func(a string) bool { return strings.EqualFold(a, value) })
	}
	var out []string
	switch field {
	case "entity":
		for _, e := range w.Watch {
			if match(e.Name, e.Aliases) {
				out = append(out, e.Name)
			}
		}
	case "technology":
		for _, t := range w.Technologies {
			if match(t.Name, t.Aliases) {
				out = append(out, t.Name)
			}
		}
	}
	return out
}

// resolve resolves with the current watch list (index.Resolver).
func (l *liveWatch) resolve(field, value string) []string { return l.get().resolve(field, value) }

// watched reports whether name is on the watch list.
func (w *watchSet) watched(name string) bool {
	for _, e := range w.Watch {
		if e.Name == name {
			return true
		}
	}
	return false
}

// liveWatch holds the current watchSet: serve swaps it when the config
// file's watch list changes (SIGHUP), and every reader sees either the old
// set or the new one, whole.
type liveWatch struct {
	p atomic.Pointer[watchSet]
}

func newLiveWatch(cfg *Settings) (*liveWatch, error) {
	ws, err := newWatchSet(cfg.Watch, cfg.Technologies)
	if err != nil {
		return nil, err
	}
	l := &liveWatch{}
	l.p.Store(ws)
	return l, nil
}

func (l *liveWatch) get() *watchSet { return l.p.Load() }

// set publishes the watch list of cfg and reports whether it differs from
// the current one.
func (l *liveWatch) set(watch []Watch, technologies []Technology) (changed bool, err error) {
	old := l.get()
	if reflect.DeepEqual(old.Watch, watch) && reflect.DeepEqual(old.Technologies, technologies) {
		return false, nil
	}
	ws, err := newWatchSet(watch, technologies)
	if err != nil {
		return false, err
	}
	l.p.Store(ws)
	return true, nil
}

// reloader re-reads the config file's watch list for a running serve and
// re-tags the stored documents with it in the background.
type reloader struct {
	load func() (Reloaded, error)
	g    *Gatherer
	log  *slog.Logger

	mu      sync.Mutex
	cancel  context.CancelFunc // of the retag in flight
	done    chan struct{}
	stopped bool
}

// Reload reads the config file again. Only the watch list and the
// technologies take effect; other changes (sources, listen address,
// tokens) need a restart, and reload says so. A config that does not
// load or validate changes nothing.
func (r *reloader) Reload(ctx context.Context) error {
	cfg, err := r.load()
	if err != nil {
		return fmt.Errorf("reload %w; keeping the current watch list", err)
	}
	changed, err := r.g.watch.set(cfg.Watch, cfg.Technologies)
	if err != nil {
		return fmt.Errorf("reload: %w; keeping the current watch list", err)
	}
	if others := cfg.RestartNeeded; len(others) > 0 {
		r.log.Warn("reload: these changes take effect after a restart", slog.String("changed", strings.Join(others, ", ")))
	}
	if !changed {
		r.log.Info("reload: the watch list is unchanged")
		return nil
	}
	ws := r.g.watch.get()
	r.log.Info("reload: new watch list; retagging stored documents", slog.Int("watch", len(ws.Watch)), slog.Int("technologies", len(ws.Technologies)))
	r.retag(ctx)
	return nil
}

// retag re-applies the current watch list to every stored document,
// cancelling a retag still running for an older list.
func (r *reloader) retag(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return
	}
	if r.cancel != nil {
		r.cancel()
		<-r.done
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	r.cancel, r.done = cancel, done
	go func() {
		defer close(done)
		start := time.Now()
		seen, changed, err := r.g.retag(ctx, nil)
		if err != nil {
			r.log.Warn("retag stopped", slog.Int("seen", seen), slog.Int("retagged", changed), slog.Any("error", err))
			return
		}
		r.log.Info("retag done", slog.Int("seen", seen), slog.Int("retagged", changed), slog.Duration("took", time.Since(start).Round(time.Millisecond)))
	}()
}

// Stop cancels a retag in flight and waits for it to end; later reloads
// find the context cancelled.
func (r *reloader) Stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cancel != nil {
		r.cancel()
		<-r.done
	}
	r.stopped = true
}

// retag re-applies the current watch list to every stored document.
func (g *Gatherer) retag(ctx context.Context, progress func(seen, changed int)) (seen, changed int, err error) {
	ws := g.watch.get()
	sources := map[string][]string{}
	for _, s := range g.cfg.Sources {
		sources[s.Name] = s.Components
	}
	return g.index.Retag(ctx, func(doc *index.Document) {
		ws.tagger.Tag(doc, sources[doc.Source])
	}, progress)
}

// Wait waits for a retag in flight to end.
func (r *reloader) Wait() {
	r.mu.Lock()
	done := r.done
	r.mu.Unlock()
	if done != nil {
		<-done
	}
}

// NewResolver resolves a search's entity and technology names through
// s's watch list (aliases to canonical names), for a command that
// searches without serve.
func NewResolver(s *Settings) (func(field, value string) []string, error) {
	ws, err := newWatchSet(s.Watch, s.Technologies)
	if err != nil {
		return nil, err
	}
	return ws.resolve, nil
}

// newReloader reloads g's watch list with load and retags in the
// background (the engine's SIGHUP handler; tests drive it directly).
func newReloader(load func() (Reloaded, error), g *Gatherer, log *slog.Logger) *reloader {
	return &reloader{load: load, g: g, log: log}
}
