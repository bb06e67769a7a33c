package main

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

var (
	worldOrgs   = []string{"Nokia", "Ericsson", "Vodafone", "Qualcomm", "Samsung", "3GPP", "Intel", "Deutsche Telekom"}
	worldTopics = []string{"Open RAN", "massive MIMO", "network slicing", "private 5G", "6G research", "spectrum auction", "edge computing", "fibre backhaul"}
	worldVerbs  = []string{"announces", "trials", "ships", "expands", "wins a contract for", "opens a lab for", "partners on", "reports on"}
)

// worldText is deterministic article text for page n.
func worldText(n int) (title, body string) {
	org, topic := worldOrgs[n%len(worldOrgs)], worldTopics[(n/3)%len(worldTopics)]
	other := worldOrgs[(n/7+1)%len(worldOrgs)]
	title = fmt.Sprintf("%s %s %s (%d)", org, worldVerbs[(n/5)%len(worldVerbs)], topic, n)
	var b strings.Builder
	for p := range 6 {
		fmt.Fprintf(&b, "<p>%s said on day %d that its %s work with %s now reaches operators in %d markets; paragraph %d covers spectrum, radios and the software that runs them.</p>\n",
			org, n%365, topic, other, 3+n%40, p)
	}
	return title, b.String()
}

// newWorld serves a site of pages linked in a tree (/site/, /site/p/N)
// and feeds that grow over time (/feed/F.xml: the newest 100 items, one
// new every 1.2 s per feed), all deterministic but for the clock.
func newWorld(pages, feeds int, start time.Time) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /robots.txt", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "User-agent: *\nAllow: /\n")
	})
	page := func(w http.ResponseWriter, n int) {
		title, body := worldText(n)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!DOCTYPE html><html><head><title>%s | Load world</title></head><body><nav><a href=\"/site/\">Home</a></nav><main><article><h1>%s</h1>\n%s</article><ul>", title, title, body)
		for _, c := range []int{2*n + 1, 2*n + 2} {
			if c < pages {
				fmt.Fprintf(w, "<li><a href=\"/site/p/%d\">page %d</a></li>", c, c)
			}
		}
		fmt.Fprint(w, "</ul></main></body></html>")
	}
	mux.HandleFunc("GET /site/{$}", func(w http.ResponseWriter, r *http.Request) { page(w, 0) })
	mux.HandleFunc("GET /site/p/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.PathValue("n"))
		if err != nil || n < 0 || n >= pages {
			http.NotFound(w, r)
			return
		}
		page(w, n)
	})
	mux.HandleFunc("GET /feed/{f}", func(w http.ResponseWriter, r *http.Request) {
		f, err := strconv.Atoi(strings.TrimSuffix(r.PathValue("f"), ".xml"))
		if err != nil || f < 0 || f >= feeds {
			http.NotFound(w, r)
			return
		}
		newest := int(time.Since(start)/(1200*time.Millisecond)) + 100
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Load feed %d</title>`, f)
		for k := newest; k > newest-100; k-- {
			title, body := worldText(k*feeds + f)
			fmt.Fprintf(w, "<item><title>%s</title><link>http://%s/news/%d/%d</link><guid>f%d-%d</guid><pubDate>%s</pubDate><description><![CDATA[%s]]></description></item>",
				title, r.Host, f, k, f, k, start.Add(time.Duration(k)*time.Minute).UTC().Format(time.RFC1123Z), body)
		}
		fmt.Fprint(w, "</channel></rss>")
	})
	return mux
}
