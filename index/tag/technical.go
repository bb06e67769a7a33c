package tag

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// skipTechnical sets ids[i] to -1 for the tokens inside URLs, e-mail
// addresses, file paths, domain names and code identifiers, so that no
// name matches there: "www.ietf.org" is not the IETF speaking,
// "Net::Amazon::S3" is not Amazon and "xf86-video-intel" is not Intel.
// A technical word is a run of text without white space, brackets, quotes,
// commas, semicolons or '=' (sentence punctuation around it trimmed) that
// has one of these shapes:
//
//   - a scheme ("://") or a "www." prefix: a URL;
//   - an '@' with a '.' after it: an e-mail address ("@handle" alone is
//     not one, nor "AT&T@home");
//   - "::", "->" or '_' anywhere: code ("Net::Amazon::S3", "intel_pstate");
//   - a leading '/', "./" or "~/", or two or more '/': a path ("TCP/IP" and
//     "Nintendo/Apple" are words);
//   - lower-case labels joined by dots ending in a common top-level domain
//     ("amazon.com", "ietf.org"; "Amazon.com" in capitals is the firm,
//     and "node.js" is no domain);
//   - lower-case words joined by hyphens, one of them mixing letters and
//     digits: a package name ("xf86-video-intel");
//   - a '|' between letters: a pattern ("(google|yahoo)");
//   - a leading '.' before a lower-case letter: a CSS class or a file
//     extension (".twitter");
//   - a lower-case domain followed by a path ("pic.twitter.com/E507ua");
//   - a lower-case file name with a common extension ("index.html") or a
//     media type ("text/html").
//
// Markup quoted in the text ("<!DOCTYPE html>", "<meta charset=...>") is
// skipped whole: a tag names no firm.
func skipTechnical(text string, toks []token, ids []int32) {
	skipMarkup(text, toks, ids)
	j := 0 // first token not yet behind the current run
	for i := 0; i < len(text) && j < len(toks); {
		if r, w := decode(text, i); isSeparator(r) || isRunBreak(r) {
			i += w
			continue
		}
		end := i
		for end < len(text) {
			r, w := decode(text, end)
			if isSeparator(r) || isRunBreak(r) {
				break
			}
			end += w
		}
		for j < len(toks) && toks[j].start < i {
			j++
		}
		if hasTechByte(text[i:end]) && technical(trimWord(text[i:end])) {
			for ; j < len(toks) && toks[j].start < end; j++ {
				ids[j] = -1
			}
		}
		i = end
	}
}

// hasTechByte reports whether s holds one of ":@_/.-|", the characters
// every technical shape has: strings.ContainsAny(s, ":@_/.-|") without
// building its byte set at every call, which was most of skipTechnical's
// time (it asks for every word of every document).
func hasTechByte(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ':', '@', '_', '/', '.', '-', '|':
			return true
		}
	}
	return false
}

// isSeparator reports the white space that ends a technical word.
func isSeparator(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v'
	}
	return unicode.IsSpace(r)
}

// isRunBreak reports the punctuation that ends a technical word inside a
// longer run: code puts a URL or a file name between brackets, quotes,
// commas or after '=' ("Request(\"/index.html\");").
func isRunBreak(r rune) bool {
	switch r {
	case '(', ')', '[', ']', '{', '}', '"', ',', ';', '=', '<', '>':
		return true
	}
	return false
}

// skipMarkup sets ids to -1 for the tokens inside markup tags quoted in
// the text: a '<' followed by a letter, '!', '/' or '?', up to the next
// '>' on the same line, within maxTag bytes.
func skipMarkup(text string, toks []token, ids []int32) {
	const maxTag = 200
	j := 0
	for i := strings.IndexByte(text, '<'); i >= 0 && j < len(toks); {
		end := -1
		if i+1 < len(text) && isTagStart(text[i+1]) {
			for k := i + 1; k < len(text) && k < i+maxTag; k++ {
				if c := text[k]; c == '>' {
					end = k
					break
				} else if c == '<' || c == '\n' {
					break
				}
			}
		}
		if end > 0 {
			for j < len(toks) && toks[j].start < i {
				j++
			}
			for ; j < len(toks) && toks[j].start < end; j++ {
				ids[j] = -1
			}
			i = end
		}
		next := strings.IndexByte(text[i+1:], '<')
		if next < 0 {
			break
		}
		i += 1 + next
	}
}

func isTagStart(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '!' || c == '/' || c == '?'
}

// trimWord drops the brackets, quotes and sentence punctuation around a
// run of text.
func trimWord(w string) string {
	return strings.TrimRight(strings.TrimLeft(w, "\"'‘“«([{<"), "\"'’”»)]}>.,;:!?")
}

// technical reports whether the word w is a URL, an e-mail address, a
// path, a domain or a code identifier (see skipTechnical).
func technical(w string) bool {
	if len(w) < 4 || !hasTechByte(w) {
		return false
	}
	if bar := strings.IndexByte(w, '|'); bar > 0 && bar < len(w)-1 && isLetterByte(w[bar-1]) && isLetterByte(w[bar+1]) {
		return true
	}
	if w[0] == '.' && 'a' <= w[1] && w[1] <= 'z' {
		return true
	}
	if slash := strings.IndexByte(w, '/'); slash > 0 {
		host, rest := w[:slash], w[slash+1:]
		if dot := strings.LastIndexByte(host, '.'); dot > 0 && isTopLevelDomain(host[dot+1:]) && isLabels(host[:dot], '.') {
			return true
		}
		if isMediaType(host) && rest != "" && isLabels(strings.Trim(rest, "+."), '.') {
			return true
		}
	}
	switch {
	case strings.Contains(w, "://"), len(w) > 4 && strings.EqualFold(w[:4], "www."):
		return true
	case strings.Contains(w, "::"), strings.Contains(w, "->"), strings.Contains(w, "_"):
		return true
	case strings.HasPrefix(w, "/"), strings.HasPrefix(w, "./"), strings.HasPrefix(w, "~/"), strings.Count(w, "/") >= 2:
		return true
	}
	if at := strings.IndexByte(w, '@'); at > 0 && strings.Contains(w[at+1:], ".") {
		return true
	}
	for i := 0; i < len(w); i++ {
		if c := w[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return false // domains and package names here are lower-case ASCII
		}
	}
	if dot := strings.LastIndexByte(w, '.'); dot > 0 && (isTopLevelDomain(w[dot+1:]) || isFileExtension(w[dot+1:])) && isLabels(w[:dot], '.') {
		return true
	}
	if strings.Contains(w, "-") && isLabels(w, '-') {
		for part := range strings.SplitSeq(w, "-") {
			if strings.ContainsAny(part, "0123456789") && strings.ContainsAny(part, "abcdefghijklmnopqrstuvwxyz") {
				return true
			}
		}
	}
	return false
}

// isLabels reports whether s is non-empty lower-case ASCII letters, digits
// and hyphens in labels separated by sep, none of them empty.
func isLabels(s string, sep byte) bool {
	if s == "" || s[0] == sep || s[len(s)-1] == sep {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == sep:
			if s[i-1] == sep {
				return false
			}
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-':
		default:
			return false
		}
	}
	return true
}

// isTopLevelDomain reports the endings that make a dotted lower-case word
// a domain name; a short list on purpose, since "node.js" and "index.html"
// are not domains.
func isTopLevelDomain(s string) bool {
	switch s {
	case "com", "org", "net", "io", "dev", "gov", "edu", "co", "uk", "de", "fr", "eu", "fi", "se",
		"info", "biz", "app", "ai", "us", "int":
		return true
	}
	return false
}

// isFileExtension reports the endings that make a dotted lower-case word a
// file name ("index.html"); not "js", since "node.js" is a name.
func isFileExtension(s string) bool {
	switch s {
	case "html", "htm", "php", "css", "json", "xml", "txt", "pdf", "png", "jpg", "jpeg", "gif", "svg",
		"exe", "zip", "md", "yaml", "yml", "toml", "csv":
		return true
	}
	return false
}

// isMediaType reports the top-level media types ("text" in "text/html").
func isMediaType(s string) bool {
	switch s {
	case "application", "audio", "font", "image", "message", "model", "multipart", "text", "video":
		return true
	}
	return false
}

func isLetterByte(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
