package feeds_test

import (
	"fmt"
	"time"

	"github.com/techintel/techintel/feeds"
)

func ExampleParse() {
	body := []byte(`<?xml version="1.0" encoding="windows-1252"?>
<rss version="2.0"><channel>
  <title>Example News</title><link>https://news.example.com/</link>
  <item>
    <title>Caf` + "\xe9" + ` opens &lt;b&gt;today&lt;/b&gt;</title>
    <link>/2024/03/cafe?utm_source=rss</link>
    <description>&lt;p&gt;Hello&lt;/p&gt;&lt;script&gt;track()&lt;/script&gt;</description>
    <pubDate>Tue, 05 Mar 2024 09:30:00 +0100</pubDate>
  </item>
</channel></rss>`)
	feed, err := feeds.Parse(body, "https://news.example.com/feed.xml", "application/rss+xml")
	if err != nil {
		fmt.Println(err)
		return
	}
	docs, skipped := feed.Documents("example-news", time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC))
	fmt.Println(feed.Title, skipped)
	for _, d := range docs {
		fmt.Println(d.URL)
		fmt.Println(d.Title, "|", d.Body, "|", d.Published)
	}
	// Output:
	// Example News 0
	// https://news.example.com/2024/03/cafe
	// Café opens today | Hello | 2024-03-05 08:30:00 +0000 UTC
}
