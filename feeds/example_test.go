package feeds_test

import (
	"fmt"
	"os"
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

func ExampleDiscover() {
	page := []byte(`<!DOCTYPE html><html><head><title>Example News</title>
<link rel="alternate" type="application/json" href="/wp-json/wp/v2/pages/2">
<link rel="alternate" type="application/rss+xml" title="Example News &raquo; Feed" href="/feed/">
<link rel="alternate" type="application/atom+xml" href="https://news.example.com/feed/atom/?utm_source=site">
</head><body>…</body></html>`)
	links, err := feeds.Discover(page, "https://news.example.com/about/", "text/html; charset=utf-8")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range links {
		fmt.Printf("%s %q %s\n", l.URL, l.Title, l.Type)
	}
	// Output:
	// https://news.example.com/feed/ "Example News » Feed" application/rss+xml
	// https://news.example.com/feed/atom/ "" application/atom+xml
	// https://news.example.com/wp-json/wp/v2/pages/2 "" application/json
}

func ExampleWriteOPML() {
	err := feeds.WriteOPML(os.Stdout, "techintel sources", []feeds.Outline{
		{Title: "IETF Blog", XMLURL: "https://www.ietf.org/blog/feed/", Category: "standards"},
		{Title: "Light Reading", XMLURL: "https://www.lightreading.com/rss.xml", HTMLURL: "https://www.lightreading.com/"},
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?>
	// <opml version="2.0">
	//   <head>
	//     <title>techintel sources</title>
	//   </head>
	//   <body>
	//     <outline text="standards" title="standards">
	//       <outline type="rss" text="IETF Blog" title="IETF Blog" xmlUrl="https://www.ietf.org/blog/feed/"/>
	//     </outline>
	//     <outline type="rss" text="Light Reading" title="Light Reading" xmlUrl="https://www.lightreading.com/rss.xml" htmlUrl="https://www.lightreading.com/"/>
	//   </body>
	// </opml>
}
