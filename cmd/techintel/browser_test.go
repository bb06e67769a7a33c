package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/techintel/techintel/index/digest"
)

// The web pages end to end, in headless Chromium driven with chromedp, on
// the demo world: search, filter with a component chip, open a document,
// create a subscription from a search and read the digest, at a phone's
// and a laptop's width. Screenshots go to $TECHINTEL_ARTIFACTS when set.
// It is a long test (TECHINTEL_LONG_TESTS=1, make test-long). Without a
// Chromium it skips, unless TECHINTEL_BROWSER_TESTS=1 (CI), where it
// fails.

// chromiumPath finds a Chromium or Chrome binary.
func chromiumPath() string {
	for _, p := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	return ""
}

func TestBrowser(t *testing.T) {
	requireLong(t, "drives a browser")
	bin := chromiumPath()
	if bin == "" {
		if os.Getenv("TECHINTEL_BROWSER_TESTS") == "1" {
			t.Fatal("TECHINTEL_BROWSER_TESTS=1 but no chromium found (apt-get install chromium)")
		}
		t.Skip("no chromium found; set TECHINTEL_BROWSER_TESTS=1 to make this a failure")
	}
	artifacts := os.Getenv("TECHINTEL_ARTIFACTS")
	if artifacts != "" {
		if err := os.MkdirAll(artifacts, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	configPath, _ := demoWorld(t, "127.0.0.1:0")
	g, srv, _ := gathered(t, configPath)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.NoSandbox, // root in CI containers
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.DisableGPU,
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()

	for _, width := range []int64{375, 1280} {
		t.Run(fmt.Sprintf("%dpx", width), func(t *testing.T) {
			ctx, cancel := chromedp.NewContext(allocCtx)
			defer cancel()
			ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
			defer cancelT()
			b := &browser{t: t, ctx: ctx, width: width, artifacts: artifacts}
			b.run(chromedp.EmulateViewport(width, 900))

			// Search with the keyboard: the skip link comes first, the
			// query box takes the query, Enter submits.
			b.run(chromedp.Navigate(srv.URL + "/"))
			b.run(chromedp.KeyEvent("\t"))
			if got := b.text("document.activeElement.textContent"); got != "Skip to content" {
				t.Errorf("first Tab focuses %q, want the skip link", got)
			}
			b.run(chromedp.SendKeys(chromedp.ID("q"), "open ran\r"))
			// On a phone the facets start folded behind "Filters", so the
			// results come first; the button opens them.
			b.run(chromedp.WaitVisible(chromedp.ID("results-heading")))
			if width < 860 {
				if open := b.text(`String(document.querySelector("details.filters").open)`); open != "false" {
					t.Errorf("at %d px the filters are open before the results", width)
				}
				b.shot("search-folded")
				b.run(chromedp.Click(chromedp.CSS("details.filters > summary")))
			}
			// The chips of the new page carry the query.
			b.run(chromedp.WaitVisible(chromedp.CSS(`a.chip[href*="q=open+ran"]`)))
			if u := b.text("location.search"); !strings.Contains(u, "q=open+ran") {
				t.Errorf("search URL %q does not hold the query", u)
			}
			total := b.text(`document.querySelector("#results-heading").textContent`)
			if !strings.Contains(total, " of ") {
				t.Fatalf("results heading %q", total)
			}
			b.noHorizontalScroll("search")
			// Every link of the main menu is on the screen: at 375 px the
			// menu used to scroll sideways with Digest and Sources off it.
			if off := b.text(`Array.from(document.querySelectorAll('nav[aria-label="Main"] a')).filter(a => { const r = a.getBoundingClientRect(); return r.width === 0 || r.left < 0 || r.right > window.innerWidth; }).map(a => a.textContent).join(", ")`); off != "" {
				t.Errorf("at %d px the menu links %s are off the screen", width, off)
			}
			b.shot("search")

			// Filter by a component chip: the result count becomes the
			// chip's count and every hit carries the component.
			chipCount := b.text(`document.querySelector('a.chip[href*="component=alliances"] .count').textContent`)
			b.run(chromedp.Click(chromedp.CSS(`a.chip[href*="component=alliances"]`)))
			b.run(chromedp.WaitVisible(chromedp.CSS(".active-filters")))
			heading := b.text(`document.querySelector("#results-heading").textContent`)
			// One result per story: the heading counts stories, then documents.
			if !strings.HasSuffix(heading, " of "+chipCount+" documents") && !strings.HasSuffix(heading, "("+chipCount+" documents)") {
				t.Errorf("after the Alliances chip (%s): %q", chipCount, heading)
			}
			if n := b.text(`String(document.querySelectorAll(".hit").length - document.querySelectorAll(".hit .tag.c-alliances").length)`); n != "0" {
				t.Errorf("%s hits lack the alliances tag", n)
			}
			b.shot("search-filtered")
			searchURL := b.text("location.href")

			// Open a document from the hits.
			title := b.text(`document.querySelector(".hit h3 a").textContent`)
			b.run(chromedp.Click(chromedp.CSS(".hit h3 a")))
			b.run(chromedp.WaitVisible(chromedp.ID("evidence-heading")))
			if h1 := b.text(`document.querySelector("h1").textContent`); h1 != title {
				t.Errorf("document page h1 %q, want %q", h1, title)
			}
			if n := b.text(`String(document.querySelectorAll(".body-text mark").length)`); n == "0" {
				t.Error("no evidence highlighted in the document text")
			}
			b.noHorizontalScroll("document")
			b.shot("document")

			// Create a subscription from the filtered search.
			b.run(chromedp.Navigate(searchURL))
			b.run(chromedp.Click(chromedp.Search(`//a[text()="Alert me on this search"]`)))
			b.run(chromedp.WaitVisible(chromedp.ID("name")))
			if checked := b.text(`String(document.querySelector("#comp-alliances").checked)`); checked != "true" {
				t.Error("the alert form did not keep the component filter")
			}
			name := fmt.Sprintf("Open RAN alliances %dpx", width)
			eval[string](b, `document.querySelector("#name").value = ""`)
			b.run(chromedp.SendKeys(chromedp.ID("name"), name))
			b.shot("alert-form")
			b.run(chromedp.Click(chromedp.Search(`//button[text()="Create alert"]`)))
			b.run(chromedp.WaitVisible(chromedp.ID("alerts-heading")))
			if h1 := b.text(`document.querySelector("h1").textContent`); h1 != name {
				t.Errorf("after create: h1 %q", h1)
			}
			subs, err := g.Alerter().ListSubscriptions(context.Background())
			found := false
			for _, s := range subs {
				found = found || (s.Name == name && s.Query == "open ran" && len(s.Components) == 1 && s.Components[0] == "alliances")
			}
			if err != nil || !found {
				t.Errorf("subscription %q not stored as searched: %+v %v", name, subs, err)
			}
			if feed := b.text(`document.querySelector(".feed input").value`); !strings.HasPrefix(feed, srv.URL+"/api/v1/subscriptions/") {
				t.Errorf("feed URL %q", feed)
			}
			b.shot("subscription")

			// Read the digest, then the week before.
			b.run(chromedp.Click(chromedp.Search(`//nav[@aria-label="Main"]//a[text()="Digest"]`)))
			b.run(chromedp.WaitVisible(chromedp.ID("sec-entities")))
			week := b.text(`document.querySelector("#week").value`)
			if n := b.text(`String(document.querySelectorAll(".hit").length)`); n == "0" {
				t.Errorf("digest of %s lists no documents", week)
			}
			b.noHorizontalScroll("digest")
			b.shot("digest")
			from, err := digest.ParseWeek(week)
			if err != nil {
				t.Fatalf("digest week %q: %v", week, err)
			}
			prev := digest.WeekOf(from.AddDate(0, 0, -7))
			b.run(chromedp.Click(chromedp.CSS(`a[rel="prev"]`)))
			b.run(chromedp.WaitVisible(chromedp.CSS(`input#week[value="` + prev + `"]`)))

			// The other pages render without horizontal scroll too.
			for _, p := range []string{"/entities", "/entities/Nokia", "/alerts", "/sources", "/alliances", "/alliances/Fujitsu", "/radar"} {
				b.run(chromedp.Navigate(srv.URL + p))
				b.run(chromedp.WaitVisible(chromedp.CSS("main h1")))
				b.noHorizontalScroll(p)
				b.shot(strings.ReplaceAll(strings.Trim(p, "/"), "/", "-"))
			}
		})
	}
}

// browser wraps a chromedp tab for one test.
type browser struct {
	t         *testing.T
	ctx       context.Context
	width     int64
	artifacts string
}

func (b *browser) run(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// eval evaluates a JavaScript expression.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("browser: %s: %v", expr, err)
	}
	return v
}

// text evaluates a JavaScript expression that gives a string.
func (b *browser) text(expr string) string {
	b.t.Helper()
	return strings.TrimSpace(eval[string](b, expr))
}

func (b *browser) noHorizontalScroll(page string) {
	b.t.Helper()
	if eval[bool](b, `document.documentElement.scrollWidth > window.innerWidth`) {
		b.t.Errorf("%s scrolls horizontally at %d px", page, b.width)
	}
}

// shot saves a full-page PNG screenshot into the artifacts directory.
func (b *browser) shot(name string) {
	b.t.Helper()
	if b.artifacts == "" {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100)) // quality 100 means PNG
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(b.artifacts, fmt.Sprintf("%s-%dpx.png", name, b.width))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Errorf("screenshot: %v", err)
	}
}
