package web_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/api/web"
	"github.com/techintel/techintel/index"
	"github.com/techintel/techintel/index/digest"
)

// The fixture: a real in-memory bleve index holding documents whose
// title, body, source and URL carry hostile markup, behind the same
// interfaces the JSON API uses. The small implementations below keep
// their state in memory; cmd/techintel's tests cover the real ones.

const (
	hostileTitle  = `Nokia <script>alert(1)</script> ships "><img src=x onerror=alert(2)> radios`
	hostileBody   = `Nokia and Ericsson test Open RAN. <script>alert(3)</script> "><img src=x onerror=alert(4)> <a href="javascript:alert(5)">x</a> end.`
	hostileSource = `news"><script>alert(6)</script>`
	hostileURL    = `javascript:alert(7)`
)

// fixtureNow is the pages' clock at the start of a test.
var fixtureNow = time.Date(2026, 11, 11, 12, 0, 0, 0, time.UTC) // a Wednesday of 2026-W46

type fixture struct {
	clock   atomic.Int64 // unix nanoseconds the pages' clock reads
	ix      *index.Index
	docs    []index.Document
	sources *memSources
	subs    *memSubs
	handler http.Handler
}

func newFixture(tb testing.TB, tokens ...api.Token) *fixture {
	tb.Helper()
	ix, err := index.OpenMem()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	f := &fixture{ix: ix}
	f.clock.Store(fixtureNow.UnixNano())
	add := func(u, title, body, source string, day int, comps, ents, techs []string, ev []index.Evidence) {
		f.docs = append(f.docs, index.Document{
			ID: index.DocID(u), URL: u, Title: title, Body: body, Source: source,
			Published: time.Date(2026, 11, day, 9, 0, 0, 0, time.UTC), Fetched: time.Date(2026, 11, day, 10, 0, 0, 0, time.UTC),
			Components: comps, Entities: ents, Technologies: techs, Evidence: ev,
		})
	}
	add(hostileURL, hostileTitle, hostileBody, hostileSource, 10,
		[]string{"own", "others"}, []string{"Nokia", "Ericsson"}, []string{"Open RAN"},
		[]index.Evidence{
			{Entity: "Nokia", Component: "own", Matched: "Nokia", Field: "title", Excerpt: `Nokia <script>alert(8)</script> ships`},
			{Entity: "Ericsson", Component: "others", Matched: "Ericsson", Field: "body", Excerpt: "Nokia and Ericsson test"},
			{Entity: "Open RAN", Matched: "Open RAN", Field: "body", Excerpt: "test Open RAN."},
		})
	for i := range 30 {
		u := fmt.Sprintf("https://news.example/%d", i)
		add(u, fmt.Sprintf("Vodafone 5G report %d", i), "Vodafone expands 5G with network slicing in region "+strconv.Itoa(i)+".", "wire",
			1+i%20, []string{"alliances"}, []string{"Vodafone"}, []string{"Network slicing"},
			[]index.Evidence{{Entity: "Vodafone", Component: "alliances", Matched: "Vodafone", Field: "title"}})
	}
	if _, err := ix.Upsert(context.Background(), f.docs); err != nil {
		tb.Fatal(err)
	}
	f.sources = &memSources{list: []api.SourceStatus{
		{Name: hostileSource, Type: "feed", URL: hostileURL, Schedule: "@every 1h", LastError: `<script>alert(9)</script>`, ConsecutiveFailures: 2},
		{Name: "wire", Type: "site", URL: "https://news.example/", Schedule: "@every 2h", Documents: 30},
	}}
	f.subs = &memSubs{ix: ix, subs: map[string]api.Subscription{}}
	watch := []api.EntityStatus{
		{Name: "Nokia", Role: "own", Component: "own"}, {Name: "Ericsson", Role: "competitor", Component: "others"},
		{Name: "Vodafone", Role: "partner", Component: "alliances"},
	}
	h, err := web.New(web.Options{
		Searcher: ix, Sources: f.sources, Subs: f.subs,
		Digests:  memDigests{ix: ix, watch: watch},
		Entities: memEntities{ix: ix, watch: watch, techs: []string{"Open RAN", "Network slicing"}},
		Reviews:  newMemReviews(ix, f, watch, []string{"Open RAN", "Network slicing"}),
		Tokens:   tokens, Now: func() time.Time { return time.Unix(0, f.clock.Load()) },
	})
	if err != nil {
		tb.Fatal(err)
	}
	f.handler = h
	return f
}

// server serves the pages over loopback, mounted in the JSON API as
// cmd/techintel mounts them.
func (f *fixture) server(tb testing.TB, tokens ...api.Token) *httptest.Server {
	tb.Helper()
	srv := httptest.NewServer(api.New(api.Options{Searcher: f.ix, Sources: f.sources, Subs: f.subs, Tokens: tokens, Pages: f.handler}))
	tb.Cleanup(srv.Close)
	return srv
}

// client is a browser-like client: it keeps cookies and does not follow
// redirects, so that tests see them.
func client(tb testing.TB) *http.Client {
	tb.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		tb.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// fetch does a request and returns the status, the body and the response.
func fetch(tb testing.TB, c *http.Client, method, u string, form url.Values) (int, string, *http.Response) {
	tb.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		tb.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, string(b), resp
}

func token(name, secret string, admin bool) api.Token {
	return api.Token{Name: name, SHA256: sha256.Sum256([]byte(secret)), Admin: admin}
}

type memSources struct {
	mu   sync.Mutex
	list []api.SourceStatus
	runs []string
	busy string // a source that reports ErrSourceRunning
}

func (s *memSources) Sources(context.Context) ([]api.SourceStatus, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.list), nil
}

func (s *memSources) RunSource(_ context.Context, name string) (api.RunResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if name == s.busy {
		return api.RunResult{}, fmt.Errorf("run %s: %w", name, api.ErrSourceRunning)
	}
	for _, src := range s.list {
		if src.Name == name {
			s.runs = append(s.runs, name)
			return api.RunResult{Source: name, Fetched: 4, New: 3, Updated: 1, Errors: []string{`fetch <b>bad</b>`}}, nil
		}
	}
	return api.RunResult{}, fmt.Errorf("run %s: %w", name, api.ErrUnknownSource)
}

// memSubs keeps subscriptions in memory; every subscription has one
// alert per document its query matches in the index.
type memSubs struct {
	mu   sync.Mutex
	ix   *index.Index
	subs map[string]api.Subscription
	next int
}

func (m *memSubs) CreateSubscription(_ context.Context, r api.SubscriptionRequest) (api.Subscription, error) {
	if strings.TrimSpace(r.Name) == "" {
		return api.Subscription{}, fmt.Errorf("%w: name: must not be empty", api.ErrInvalid)
	}
	if _, err := m.ix.Search(context.Background(), index.Query{Q: r.Query, Limit: 1, NoFacets: true}); err != nil {
		return api.Subscription{}, fmt.Errorf("%w: query: %v", api.ErrInvalid, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.next++
	s := api.Subscription{ID: "s" + strconv.Itoa(m.next), Name: r.Name, Query: r.Query, Components: r.Components,
		Entities: r.Entities, WebhookURL: r.WebhookURL, Created: fixtureNow}
	m.subs[s.ID] = s
	return s, nil
}

func (m *memSubs) ListSubscriptions(context.Context) ([]api.Subscription, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []api.Subscription
	for _, s := range m.subs {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b api.Subscription) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

func (m *memSubs) GetSubscription(_ context.Context, id string) (api.Subscription, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.subs[id]
	if !ok {
		return s, fmt.Errorf("subscription %q: %w", id, api.ErrNotFound)
	}
	return s, nil
}

func (m *memSubs) DeleteSubscription(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.subs[id]; !ok {
		return fmt.Errorf("subscription %q: %w", id, api.ErrNotFound)
	}
	delete(m.subs, id)
	return nil
}

func (m *memSubs) Alerts(ctx context.Context, sub, after string, limit int) ([]api.Alert, string, error) {
	s, err := m.GetSubscription(ctx, sub)
	if err != nil {
		return nil, "", err
	}
	offset := 0
	if after != "" {
		if offset, err = strconv.Atoi(after); err != nil {
			return nil, "", fmt.Errorf("%w: after: not a cursor", api.ErrInvalid)
		}
	}
	res, err := m.ix.Search(context.Background(), index.Query{Q: s.Query, Components: s.Components, Entities: s.Entities,
		Sort: index.SortDate, Limit: limit, Offset: offset, NoFacets: true})
	if err != nil {
		return nil, "", err
	}
	var out []api.Alert
	for i, h := range res.Hits {
		out = append(out, api.Alert{ID: strconv.Itoa(offset + i + 1), Subscription: sub, Created: fixtureNow, Document: h})
	}
	next := ""
	if uint64(offset+len(res.Hits)) < res.Total {
		next = strconv.Itoa(offset + len(res.Hits))
	}
	return out, next, nil
}

func (m *memSubs) Preview(ctx context.Context, r api.SubscriptionRequest) (*api.Preview, error) {
	res, err := m.ix.Search(ctx, index.Query{Q: r.Query, Components: r.Components, Entities: r.Entities, Limit: 3, NoFacets: true})
	if err != nil {
		return nil, fmt.Errorf("%w: query: %v", api.ErrInvalid, err)
	}
	return &api.Preview{Weeks: []api.PreviewWeek{{Week: "2026-W46", Count: int(res.Total)}}, Examples: res.Hits}, nil
}

type memDigests struct {
	ix    *index.Index
	watch []api.EntityStatus
}

func (d memDigests) Digest(ctx context.Context, week string) (*digest.Digest, error) {
	var watch []digest.Entity
	for _, w := range d.watch {
		watch = append(watch, digest.Entity{Name: w.Name, Role: w.Role})
	}
	return digest.Build(ctx, d.ix, week, watch, nil)
}

func (d memDigests) LastCompleteWeek() string { return digest.LastCompleteWeek(fixtureNow) }

type memEntities struct {
	ix    *index.Index
	watch []api.EntityStatus
	techs []string
}

func (e memEntities) Entities(ctx context.Context) ([]api.EntityStatus, error) {
	res, err := e.ix.Search(ctx, index.Query{Limit: 1})
	if err != nil {
		return nil, err
	}
	out := slices.Clone(e.watch)
	for i := range out {
		out[i].Documents = res.Facets.Entities[out[i].Name]
	}
	return out, nil
}

func (e memEntities) Timeline(ctx context.Context, name string, weeks int) (*api.Timeline, error) {
	i := slices.IndexFunc(e.watch, func(s api.EntityStatus) bool { return s.Name == name })
	if i < 0 {
		return nil, fmt.Errorf("timeline %q: %w", name, api.ErrNotFound)
	}
	w := e.watch[i]
	tl := &api.Timeline{Entity: w.Name, Role: w.Role, Component: w.Component}
	current, _ := digest.ParseWeek(digest.WeekOf(fixtureNow))
	for k := weeks - 1; k >= 0; k-- {
		from := current.AddDate(0, 0, -7*k)
		res, err := e.ix.Search(ctx, index.Query{Entities: []string{w.Name}, Since: from, Until: from.AddDate(0, 0, 7), Limit: 3})
		if err != nil {
			return nil, err
		}
		about, err := e.ix.Search(ctx, index.Query{Entities: []string{w.Name}, Salient: true, Since: from, Until: from.AddDate(0, 0, 7), Limit: 1})
		if err != nil {
			return nil, err
		}
		tl.Weeks = append(tl.Weeks, api.TimelineWeek{Week: digest.WeekOf(from), From: from, Count: int(res.Total), Salient: int(about.Total),
			Components: res.Facets.Components, Top: res.Hits})
	}
	return tl, nil
}

func (e memEntities) Matrix(ctx context.Context) (*api.Matrix, error) {
	m := &api.Matrix{Technologies: e.techs}
	for _, w := range e.watch {
		m.Entities = append(m.Entities, w.Name)
		m.Counts = append(m.Counts, make([]int, len(e.techs)))
	}
	for j, t := range e.techs {
		res, err := e.ix.Search(ctx, index.Query{Technologies: []string{t}, Limit: 1})
		if err != nil {
			return nil, err
		}
		for i, name := range m.Entities {
			m.Counts[i][j] = res.Facets.Entities[name]
		}
	}
	return m, nil
}

type apiToken struct {
	name, secret string
	admin        bool
}

func toks(ts []apiToken) []api.Token {
	var out []api.Token
	for _, t := range ts {
		out = append(out, token(t.name, t.secret, t.admin))
	}
	return out
}
