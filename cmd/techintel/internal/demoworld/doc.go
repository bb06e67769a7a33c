// Package demoworld is the bundled sample world behind `techintel demo`: a
// small, fictional telecom-industry news landscape that a newcomer can gather,
// tag, index and search offline within seconds.
//
// [Handler] serves it over HTTP: five feeds in different formats (RSS 2.0,
// Atom 1.0 with xml:base and relative links, RSS 1.0/RDF, JSON Feed 1.1 and an
// RSS feed encoded in windows-1252), a page for every feed story under /news/,
// and a small crawlable site under /site/ with a robots.txt that keeps
// crawlers out of /site/private/. Feeds answer conditional GETs (ETag and
// Last-Modified), so a second gather shows the 304 path.
//
// The stories live in world/stories as plain-text templates with a day offset
// ("days_ago: 3") and a time of day; they are dated relative to the moment
// given to [Handler], so the last three ISO weeks before it always have
// content and the weekly digest of the last complete ISO week is never empty.
// Links are absolute and built from the request's Host header.
//
// [ConfigTOML] writes a complete techintel configuration for the world: the
// watch list of a fictional telecom vendor's market-intelligence team,
// technology topics, one source per feed plus the crawled site, and the
// digest schedule. [Examples] lists searches that show off what the tagger
// should (and should not) find, including the traps planted in the stories.
//
// All stories are invented sample data; the companies named in them are real,
// but the events are not.
package demoworld
