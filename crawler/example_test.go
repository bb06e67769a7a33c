package crawler_test

import (
	"fmt"
	"net/url"

	"github.com/techintel/techintel/crawler"
)

func ExampleExtract() {
	page := []byte(`<html><head><title>Open RAN news</title>
<meta property="article:published_time" content="2024-05-01T09:00:00+02:00"></head>
<body><nav><a href="/">Home</a></nav>
<main><p>Operators trial <b>Open RAN</b>.</p><a href="/more?utm_source=x#top">More</a></main>
<footer>© Example</footer></body></html>`)
	u, _ := url.Parse("https://example.com/news/1")
	p := crawler.Extract(page, "text/html; charset=utf-8", u)
	fmt.Println(p.Title)
	fmt.Println(p.Published)
	fmt.Printf("%q\n", p.Body)
	fmt.Println(p.Links)
	// Output:
	// Open RAN news
	// 2024-05-01 07:00:00 +0000 UTC
	// "Operators trial Open RAN.\nMore"
	// [https://example.com/ https://example.com/more]
}
