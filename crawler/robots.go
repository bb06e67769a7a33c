package crawler

import (
	"bufio"
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
)

// robotsResponse handles the answer to one of colly's robots.txt requests
// (or a hop of its redirects). colly parses the body for the Allow and
// Disallow rules and caches them per host; we read the same body for what
// colly leaves out, and correct two things RFC 9309 asks differently.
func (t *transport) robotsResponse(req *http.Request, resp *http.Response, done func()) (*http.Response, error) {
	switch {
	case resp.StatusCode >= 500:
		resp.Body.Close()
		done()
		t.log.Warn("robots.txt unavailable, disallowing the host (RFC 9309)",
			slog.String("url", req.URL.String()), slog.Int("status", resp.StatusCode))
		return textResponse(req, resp, disallowAll), nil
	case resp.StatusCode < 200 || resp.StatusCode >= 300:
		// A redirect hop (followed by the client) or a 4xx (allow all).
		resp.Body = decodedBody(resp, robotsMaxBytes, true, done)
		resp.Uncompressed = true
		return resp, nil
	}
	// Read here, capped at the 500 KiB RFC 9309 section 2.5 lets a crawler
	// stop at, so that the text can be read for us and repaired for colly.
	b := decodedBody(resp, robotsMaxBytes, true, done)
	body, err := io.ReadAll(b)
	if err != nil {
		b.Close()
		return nil, err
	}
	// Before Close, which starts the host's delay: the Crawl-delay read
	// here already applies to the next request.
	t.readRobots(originHost(req), body)
	b.Close()
	return textResponse(req, resp, string(lenientRobots(body))), nil
}

// textResponse replaces resp with a 200 answer of body.
func textResponse(req *http.Request, resp *http.Response, body string) *http.Response {
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK,
		Proto: resp.Proto, ProtoMajor: resp.ProtoMajor, ProtoMinor: resp.ProtoMinor,
		Header:        http.Header{"Content-Type": {"text/plain"}},
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Uncompressed:  true,
		Request:       req,
	}
}

// originHost is the host a robots.txt request was first made to, before
// any redirect: the one whose rules these are (colly caches them under it).
func originHost(req *http.Request) string {
	for req.Response != nil && req.Response.Request != nil {
		req = req.Response.Request
	}
	return req.URL.Host
}

// lenientRobots drops the lines temoto/robotstxt (colly's parser) rejects
// the whole file for: a rule or Crawl-delay before the first User-agent,
// and a Crawl-delay that is not a non-negative number. colly would fail
// every page of the host on such a file, where RFC 9309 section 2.2 says
// crawlers MUST use the parseable rules.
func lenientRobots(body []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(body))
	agent := false
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 4096), robotsMaxBytes+1)
	for sc.Scan() {
		line := sc.Bytes()
		text, _, _ := strings.Cut(string(line), "#")
		key, value, ok := strings.Cut(text, ":")
		key = strings.ToLower(strings.TrimSpace(key))
		value = strings.TrimSpace(value)
		if ok {
			switch key {
			case "user-agent", "useragent":
				agent = agent || value != ""
			case "allow", "disallow":
				if !agent {
					continue
				}
			case "crawl-delay", "crawldelay":
				f, err := strconv.ParseFloat(value, 64)
				if !agent || err != nil || !(f >= 0 && f <= 1e9) { // NaN too
					continue
				}
			}
		}
		out.Write(line)
		out.WriteByte('\n')
	}
	return out.Bytes()
}
