package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/techintel/techintel/api"
	"github.com/techintel/techintel/index"
)

// checkSafe parses a page and fails on anything crawled markup could have
// injected: a script other than the pages' own, an event-handler
// attribute, a javascript: URL, an img, an iframe.
func checkSafe(tb testing.TB, page string) {
	tb.Helper()
	z := html.NewTokenizer(strings.NewReader(page))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		switch tok.Data {
		case "script":
			if attr(tok, "src") != "/static/copy.js" {
				tb.Errorf("page has an injected <script>: %s", tok.String())
			}
		case "img", "iframe", "object", "embed", "base":
			tb.Errorf("page has an injected <%s>: %s", tok.Data, tok.String())
		}
		for _, a := range tok.Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") {
				tb.Errorf("page has an event handler attribute: %s", tok.String())
			}
			if (a.Key == "href" || a.Key == "src" || a.Key == "action") && strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
				tb.Errorf("page has a javascript: URL: %s", tok.String())
			}
		}
	}
}

func attr(t html.Token, key string) string {
	for _, a := range t.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// checkLabels fails unless every form control of a page has a label: a
// <label for> naming its id, or an aria-label; buttons need text or an
// aria-label.
func checkLabels(tb testing.TB, page string) {
	tb.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		tb.Fatal(err)
	}
	labelled := map[string]bool{}
	var controls []*html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "label":
				if f := nodeAttr(n, "for"); f != "" {
					labelled[f] = true
				}
			case "input", "select", "textarea", "button":
				controls = append(controls, n)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	for _, c := range controls {
		typ := nodeAttr(c, "type")
		if c.Data == "input" && typ == "hidden" {
			continue
		}
		if nodeAttr(c, "aria-label") != "" {
			continue
		}
		if c.Data == "button" {
			if strings.TrimSpace(text(c)) == "" {
				tb.Errorf("button without text or aria-label: %s", render(c))
			}
			continue
		}
		if id := nodeAttr(c, "id"); id == "" || !labelled[id] {
			tb.Errorf("form control without a label: %s", render(c))
		}
	}
}

func nodeAttr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(text(c))
	}
	return b.String()
}

func render(n *html.Node) string {
	var b strings.Builder
	_ = html.Render(&b, n)
	return b.String()
}

// TestPages renders every page over a real index whose documents carry
// hostile markup, and checks status, content, escaping and labels.
func TestPages(t *testing.T) {
	f := newFixture(t)
	srv := f.server(t)
	c := client(t)
	hostile := index.DocID(hostileURL)
	if _, err := f.subs.CreateSubscription(t.Context(), api.SubscriptionRequest{Name: `watch <script>alert(10)</script>`, Query: "nokia", WebhookURL: "https://hooks.example/x"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		status     int
		want       []string
	}{
		{"search, everything", "/", 200, []string{`href="/help/search"`, "1–20 of 31 stories (31 documents)", "Nokia &lt;script&gt;alert(1)&lt;/script&gt; ships &#34;&gt;&lt;img src=x onerror=alert(2)&gt; radios", `href="/?offset=20"`}},
		{"search, snippet marks", "/?q=script", 200, []string{"&lt;<mark>script</mark>&gt;alert(3)", "1–1 of 1 story (1 document)"}},
		{"search, chips and counts", "/?q=vodafone&component=alliances", 200, []string{
			`<bdi>Alliances</bdi> <span class="count">30</span><span class="visually-hidden"> (selected`,
			`href="/?q=vodafone"`, // the active chip removes itself
			`href="/?component=alliances&amp;entity=Vodafone&amp;q=vodafone"`, // an entity chip adds itself
			`<bdi>Vodafone</bdi> <span class="count">30</span>`,
			`href="/api/v1/search?component=alliances&amp;q=vodafone"`,
			`href="/alerts/new?component=alliances&amp;q=vodafone"`}},
		{"search, second page", "/?q=vodafone&limit=10&offset=10", 200, []string{"11–20 of 30", `href="/?limit=10&amp;q=vodafone"`, `href="/?limit=10&amp;offset=20&amp;q=vodafone"`}},
		{"search, date range and sort", "/?since=2026-11-10&until=2026-11-10&sort=date", 200, []string{"1–3 of 3 stories (3 documents)", `value="2026-11-10"`, `<option value="date" selected>`}},
		{"search, malformed query", "/?q=%22open+ran", 400, []string{"Cannot search:", `value="&#34;open ran"`}},
		{"search, bad parameter", "/?limit=1000", 400, []string{"limit: must be between 1 and 100"}},
		{"document", "/documents/" + hostile, 200, []string{
			"<mark>Nokia</mark> &lt;script&gt;alert(8)&lt;/script&gt; ships", "<mark>Ericsson</mark> test", "test <mark>Open RAN</mark>.",
			`<div class="body-text" dir="auto"><mark>Nokia</mark> and <mark>Ericsson</mark> test <mark>Open RAN</mark>. &lt;script&gt;alert(3)&lt;/script&gt;`,
			`href="#ZgotmplZ"`, `href="/api/v1/documents/` + hostile + `"`}},
		{"document, unknown", "/documents/nope", 404, []string{"no document with id nope"}},
		{"entities and matrix", "/entities", 200, []string{`href="/entities/Vodafone"`, `class="heat-5"`, `aria-label="30 documents mention Vodafone and Network slicing"`}},
		{"entity", "/entities/Nokia", 200, []string{"Role: <strong><bdi>own</bdi></strong>", "<svg", "Stories about <bdi>Nokia</bdi> per week", `<rect class="spark-old"`, "2026-W46: 1", "<bdi>Open RAN</bdi> <span class=\"count\">1</span>", "ships &#34;&gt;&lt;img"}},
		{"entity, unknown", "/entities/Nobody", 404, []string{"&#34;Nobody&#34; is not on the watch list"}},
		{"alerts", "/alerts", 200, []string{"watch &lt;script&gt;alert(10)&lt;/script&gt;", `value="` + srv.URL + `/api/v1/subscriptions/s1/feed.atom"`, `action="/alerts/s1/delete"`}},
		{"subscription", "/alerts/s1", 200, []string{"Nokia &lt;script&gt;alert(1)", "Alert raised"}},
		{"subscription, unknown", "/alerts/s99", 404, nil},
		{"new alert from a search", "/alerts/new?q=vodafone&component=alliances&technology=Network+slicing", 200, []string{
			`id="query" name="query" type="text" value="vodafone"`, `value="alliances" checked`, `name="technologies" type="text" value="Network slicing"`, "What it would have matched",
			`formaction="/alerts/new" formmethod="get"`}},
		{"alert preview re-run from the form", "/alerts/new?name=v&query=vodafone&technologies=Network+slicing%2C+5G&since=2026-11-01&webhook_url=", 200, []string{
			`name="name" type="text" value="v"`, `value="Network slicing, 5G"`, `name="since" type="date" value="2026-11-01"`, "What it would have matched"}},
		{"search help", "/help/search", 200, []string{"Search help", `href="/?q=`, `open ran&#34; -huawei</code>`, "NEAR/5", "entity:"}},
		{"digest", "/digest?week=2026-W46", 200, []string{"Weekly digest, 2026-W46", `href="/digest?week=2026-W45"`, `href="/digest?week=2026-W47"`, "What others are doing", "Nokia &lt;script&gt;alert(1)"}},
		{"digest, default week", "/digest", 200, []string{"Weekly digest, 2026-W45"}},
		{"digest, bad week", "/digest?week=2026-W99", 400, []string{"digest: week must look like 2026-W47", `value="2026-W99"`}},
		{"sources", "/sources", 200, []string{"news&#34;&gt;&lt;script&gt;alert(6)", "&lt;script&gt;alert(9)", "failing (2×)", `action="/sources/news%22%3E%3Cscript%3Ealert%286%29%3C%2Fscript%3E/run"`}},
		{"unknown page", "/nope", 404, []string{"There is no page at /nope."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body, resp := fetch(t, c, "GET", srv.URL+tc.path, nil)
			if status != tc.status {
				t.Fatalf("status %d, want %d\n%s", status, tc.status, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
				t.Errorf("CSP %q", csp)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			checkSafe(t, body)
			checkLabels(t, body)
		})
	}
}

// TestMount checks that the pages sit beside the JSON API without
// changing it: /api/ keeps JSON errors, /healthz stays JSON.
func TestMount(t *testing.T) {
	f := newFixture(t)
	srv := f.server(t)
	for _, tc := range []struct{ path, ctype string }{
		{"/api/v1/nope", "application/json; charset=utf-8"},
		{"/healthz", "application/json; charset=utf-8"},
		{"/static/style.css", "text/css; charset=utf-8"},
		{"/static/copy.js", "text/javascript; charset=utf-8"},
	} {
		_, _, resp := fetch(t, client(t), "GET", srv.URL+tc.path, nil)
		if got := resp.Header.Get("Content-Type"); got != tc.ctype {
			t.Errorf("%s: Content-Type %q, want %q", tc.path, got, tc.ctype)
		}
	}
	status, body, resp := fetch(t, client(t), "DELETE", srv.URL+"/sources", nil)
	if status != http.StatusMethodNotAllowed || !strings.Contains(body, "DELETE is not allowed here") || resp.Header.Get("Allow") == "" {
		t.Errorf("DELETE /sources: %d %q, Allow %q", status, body, resp.Header.Get("Allow"))
	}
}

// TestRunSourceAndSubscriptionForms posts the forms of an open (no
// tokens) installation the way a browser does: with the session cookie
// and the CSRF token of the page.
func TestForms(t *testing.T) {
	f := newFixture(t)
	srv := f.server(t)
	c := client(t)
	csrf := csrfOf(t, c, srv.URL+"/sources")

	status, body, _ := fetch(t, c, "POST", srv.URL+"/sources/wire/run", url.Values{"csrf": {csrf}})
	if status != 200 || !strings.Contains(body, "Ran <strong>wire</strong>: 4 fetched, 3 new, 1 updated, 1 errors") || !strings.Contains(body, "fetch &lt;b&gt;bad&lt;/b&gt;") {
		t.Errorf("run: %d\n%s", status, body)
	}
	f.sources.busy = "wire"
	if status, body, _ := fetch(t, c, "POST", srv.URL+"/sources/wire/run", url.Values{"csrf": {csrf}}); status != http.StatusConflict || !strings.Contains(body, "already running") {
		t.Errorf("busy run: %d", status)
	}
	if status, _, _ := fetch(t, c, "POST", srv.URL+"/sources/nope/run", url.Values{"csrf": {csrf}}); status != http.StatusNotFound {
		t.Errorf("unknown source: %d", status)
	}

	// A rejected subscription keeps what was typed.
	form := url.Values{"csrf": {csrf}, "name": {""}, "query": {"nokia <b>"}, "component": {"own"}, "webhook_url": {"https://hooks.example/y"}}
	status, body, _ = fetch(t, c, "POST", srv.URL+"/alerts", form)
	if status != http.StatusBadRequest || !strings.Contains(body, "name: must not be empty") ||
		!strings.Contains(body, `value="nokia &lt;b&gt;"`) || !strings.Contains(body, `value="own" checked`) || !strings.Contains(body, `value="https://hooks.example/y"`) {
		t.Errorf("invalid subscription: %d\n%s", status, body)
	}
	checkLabels(t, body)
	form.Set("name", "Nokia watch")
	form.Set("query", "nokia")
	status, _, resp := fetch(t, c, "POST", srv.URL+"/alerts", form)
	if status != http.StatusSeeOther || resp.Header.Get("Location") != "/alerts/s1" {
		t.Fatalf("create: %d, Location %q", status, resp.Header.Get("Location"))
	}
	if s, err := f.subs.GetSubscription(t.Context(), "s1"); err != nil || s.Name != "Nokia watch" || s.Query != "nokia" || len(s.Components) != 1 {
		t.Errorf("stored %+v, %v", s, err)
	}
	// Delete asks first: the button's post shows what goes, and
	// deletes nothing.
	status, body, _ = fetch(t, c, "POST", srv.URL+"/alerts/s1/delete", url.Values{"csrf": {csrf}})
	if status != http.StatusOK || !strings.Contains(body, "Delete “Nokia watch”?") || !strings.Contains(body, `name="confirm" value="yes"`) {
		t.Errorf("delete without confirmation: %d\n%s", status, body)
	}
	if _, err := f.subs.GetSubscription(t.Context(), "s1"); err != nil {
		t.Errorf("deleted before confirmation: %v", err)
	}
	status, _, resp = fetch(t, c, "POST", srv.URL+"/alerts/s1/delete", url.Values{"csrf": {csrf}, "confirm": {"yes"}})
	if status != http.StatusSeeOther || resp.Header.Get("Location") != "/alerts" {
		t.Errorf("delete: %d", status)
	}
	if _, err := f.subs.GetSubscription(t.Context(), "s1"); err == nil {
		t.Error("subscription still there after delete")
	}
	if status, _, _ := fetch(t, c, "POST", srv.URL+"/alerts/s1/delete", url.Values{"csrf": {csrf}, "confirm": {"yes"}}); status != http.StatusNotFound {
		t.Errorf("second delete: %d", status)
	}
}

// csrfOf loads a page with the client and returns the CSRF token of its
// first form.
func csrfOf(tb testing.TB, c *http.Client, u string) string {
	tb.Helper()
	status, body, _ := fetch(tb, c, "GET", u, nil)
	if status != 200 {
		tb.Fatalf("GET %s: %d", u, status)
	}
	_, rest, ok := strings.Cut(body, `name="csrf" value="`)
	tok, _, ok2 := strings.Cut(rest, `"`)
	if !ok || !ok2 || tok == "" {
		tb.Fatalf("no CSRF token in %s", u)
	}
	return tok
}
