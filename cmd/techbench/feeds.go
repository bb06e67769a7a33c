package main

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// feedHandler serves the corpus as RSS 2.0 feeds on loopback, perFeed
// items each: /feed/K.xml holds documents K*perFeed onwards. Feeds are
// written on each request from the document function.
func feedHandler(c *corpus, perFeed int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, "/feed/")
		num, ok2 := strings.CutSuffix(name, ".xml")
		k, err := strconv.Atoi(num)
		if !ok || !ok2 || err != nil || k < 0 || k*perFeed >= c.size {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		var b strings.Builder
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Debian packages %d</title><link>http://bench.example/</link><description>generated from Debian package descriptions</description>`, k)
		for i := k * perFeed; i < min((k+1)*perFeed, c.size); i++ {
			d := c.doc(i)
			b.WriteString("<item><title>")
			xml.EscapeText(&b, []byte(d.title))
			fmt.Fprintf(&b, "</title><link>%s</link><guid>%s</guid><pubDate>%s</pubDate><description>", d.url, d.url, d.published.Format(time.RFC1123Z))
			xml.EscapeText(&b, []byte(d.body))
			b.WriteString("</description></item>")
		}
		b.WriteString("</channel></rss>")
		w.Write([]byte(b.String()))
	})
}

// feedCount is how many feeds hold size documents.
func feedCount(size, perFeed int) int { return (size + perFeed - 1) / perFeed }
