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
// A technical word is a run of text without white space (brackets, quotes
// and sentence punctuation around it trimmed) that has one of these
// shapes:
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
//     digits: a package name ("xf86-video-intel").
func skipTechnical(text string, toks []token, ids []int32) {
	j := 0 // first token not yet behind the current run
	for i := 0; i < len(text) && j < len(toks); {
		if r, w := decode(text, i); isSeparator(r) {
			i += w
			continue
		}
		end := i
		for end < len(text) {
			r, w := decode(text, end)
			if isSeparator(r) {
				break
			}
			end += w
		}
		for j < len(toks) && toks[j].start < i {
			j++
		}
		if strings.ContainsAny(text[i:end], ":@_/.-") && technical(trimWord(text[i:end])) {
			for ; j < len(toks) && toks[j].start < end; j++ {
				ids[j] = -1
			}
		}
		i = end
	}
}

// isSeparator reports the white space that ends a technical word.
func isSeparator(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v'
	}
	return unicode.IsSpace(r)
}

// trimWord drops the brackets, quotes and sentence punctuation around a
// run of text.
func trimWord(w string) string {
	return strings.TrimRight(strings.TrimLeft(w, "\"'‘“«([{<"), "\"'’”»)]}>.,;:!?")
}

// technical reports whether the word w is a URL, an e-mail address, a
// path, a domain or a code identifier (see skipTechnical).
func technical(w string) bool {
	if len(w) < 4 || !strings.ContainsAny(w, ":@_/.-") {
		return false
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
	if dot := strings.LastIndexByte(w, '.'); dot > 0 && isTopLevelDomain(w[dot+1:]) && isLabels(w[:dot], '.') {
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
