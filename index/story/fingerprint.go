package story

import (
	"math"
	"math/bits"
	"slices"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Signature and similarity parameters; the package comment explains them.
const (
	ShingleSize = 2   // words per shingle
	NumHashes   = 128 // MinHash values per signature
	Bands       = 40  // LSH bands of Rows values each, over the first Bands*Rows values
	Rows        = 2
	// MinShingles is the body size, in shingles, below which the title is
	// added to a signature, and below which a document has to be a
	// near-copy as a whole (Jaccard at least MinShortJaccard) to be
	// similar: a containment estimate of a few shingles means little.
	MinShingles = 16
	// MinContainment is the least estimated share of the smaller
	// document's shingles that the larger one must have: a trimmed copy
	// contains most of itself in the full release.
	MinContainment = 0.6
	// MinJaccard is the least estimated Jaccard similarity: below it the
	// containment estimate is too noisy, and LSH rarely finds the pair.
	MinJaccard = 0.2
	// MinShortJaccard is the least estimated Jaccard similarity of two
	// documents one of which has fewer than MinShingles shingles.
	MinShortJaccard = 0.8
)

// Signature is the MinHash sketch of a document's word shingles. The zero
// Signature is that of a document without words; it is similar to nothing.
type Signature struct {
	Mins     [NumHashes]uint32 // per hash function, the least value over the shingles
	Shingles int               // distinct shingles, 0 for a document without words
}

// Fingerprint returns the signature of a document: the MinHash of the set of
// ShingleSize-word shingles of its body, after folding case and accents
// ("Telefónica" and "TELEFONICA" are one word), dropping punctuation and
// cutting off press-release boilerplate (see cutTrailer). Shingles of stop
// words only ("of the") are left out.
// The title counts only for a body of fewer than MinShingles shingles:
// syndicators rewrite titles more than anything else, but a document that
// is little more than a title has nothing else to compare.
func Fingerprint(title, body string) Signature {
	body = cutTrailer(body)
	// Sized for most texts (words average more than five bytes with
	// their separator) instead of grown by doubling from nothing.
	sh := appendShingles(make([]uint64, 0, len(body)/5+MinShingles), body)
	if len(sh) < MinShingles {
		sh = appendShingles(sh, title)
	}
	slices.Sort(sh)
	sh = slices.Compact(sh)
	var sig Signature
	if len(sh) == 0 {
		return sig
	}
	sig.Shingles = len(sh)
	minHash(&sig.Mins, sh)
	return sig
}

// hashParams are the NumHashes multiply-shift hash functions: odd
// multipliers a and offsets b drawn from a fixed seed, so that every
// signature ever stored was made with the same functions.
func hashParams() (a, b [NumHashes]uint64) {
	seed := uint64(0x5eed_5707_1e5)
	for i := range NumHashes {
		a[i] = splitmix(&seed) | 1
		b[i] = splitmix(&seed)
	}
	return a, b
}

// minHash sets mins[i] to the least value of hash function i over the
// shingle hashes sh (distinct, not empty). Four functions at a time walk
// the shingles, so that four independent chains of multiply and min
// (branch-free) keep the CPU busy and each shingle is loaded once per
// four functions instead of once per function; the values are those of
// the plain loop over shingles then functions (NumHashes is a multiple
// of four).
func minHash(mins *[NumHashes]uint32, sh []uint64) {
	a, b := hashParams()
	for i := 0; i < NumHashes; i += 4 {
		a0, a1, a2, a3 := a[i], a[i+1], a[i+2], a[i+3]
		b0, b1, b2, b3 := b[i], b[i+1], b[i+2], b[i+3]
		m0, m1, m2, m3 := uint32(math.MaxUint32), uint32(math.MaxUint32), uint32(math.MaxUint32), uint32(math.MaxUint32)
		for _, x := range sh {
			// Multiply-shift: the high bits of a*x+b for a random odd
			// a are a fresh hash of x per function.
			m0 = min(m0, uint32((a0*x+b0)>>32))
			m1 = min(m1, uint32((a1*x+b1)>>32))
			m2 = min(m2, uint32((a2*x+b2)>>32))
			m3 = min(m3, uint32((a3*x+b3)>>32))
		}
		mins[i], mins[i+1], mins[i+2], mins[i+3] = m0, m1, m2, m3
	}
}

// Jaccard estimates the Jaccard similarity of the shingle sets of a and b:
// the fraction of hash functions on which their minima agree. It is 0 if
// either has no shingles.
func Jaccard(a, b Signature) float64 {
	return jaccard(&a, &b)
}

func jaccard(a, b *Signature) float64 {
	if a.Shingles == 0 || b.Shingles == 0 {
		return 0
	}
	same := 0
	for i := range NumHashes {
		if a.Mins[i] == b.Mins[i] {
			same++
		}
	}
	return float64(same) / NumHashes
}

// Containment estimates the share of the smaller document's shingles that
// the larger one has, from their Jaccard estimate and sizes; at most 1.
func Containment(a, b Signature) float64 {
	return containment(jaccard(&a, &b), &a, &b)
}

func containment(j float64, a, b *Signature) float64 {
	if j == 0 {
		return 0
	}
	inter := j * float64(a.Shingles+b.Shingles) / (1 + j)
	return min(inter/float64(min(a.Shingles, b.Shingles)), 1)
}

// Similar reports whether a and b are copies of one story: their estimated
// Jaccard similarity is at least MinJaccard and the smaller is at least
// MinContainment contained in the larger; a document of fewer than
// MinShingles shingles has to match as a whole (Jaccard at least
// MinShortJaccard).
func Similar(a, b Signature) bool {
	return similar(jaccard(&a, &b), &a, &b)
}

// similar is Similar given the Jaccard estimate j of a and b.
func similar(j float64, a, b *Signature) bool {
	if j < MinJaccard {
		return false
	}
	if min(a.Shingles, b.Shingles) < MinShingles {
		return j >= MinShortJaccard
	}
	return containment(j, a, b) >= MinContainment
}

// appendShingles appends the hashes of the shingles of the words of s
// (runs of letters and digits, folded to lower case without accents):
// every two consecutive words (ShingleSize), or the word alone in a text
// of one, leaving out those of stop words only. It hashes each word as
// it folds it and each shingle as the word ends, without a slice of
// the words or a copy of each word: Fingerprint's allocations were
// mostly those.
func appendShingles(dst []uint64, s string) []uint64 {
	const seed = uint64(0x9e3779b97f4a7c15)
	var (
		h      = fnvOffset // FNV-1a of the current word's folded bytes
		n      = 0         // its length
		short  [maxStopWord]byte
		prev   word
		words  = 0
		folded []byte // scratch for a non-ASCII rune's folding
	)
	add := func(c byte) {
		if n < len(short) {
			short[n] = c
		}
		n++
		h = (h ^ uint64(c)) * fnvPrime
	}
	flush := func() {
		if n == 0 {
			return
		}
		w := word{mix(h), n <= len(short) && isStopWord(short[:n])}
		if words > 0 && !(prev.stop && w.stop) {
			dst = append(dst, mix(bits.RotateLeft64(mix(bits.RotateLeft64(seed, 23)^prev.hash), 23)^w.hash))
		}
		prev = w
		words++
		h, n = fnvOffset, 0
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
				add(c)
			case 'A' <= c && c <= 'Z':
				add(c + 'a' - 'A')
			default:
				flush()
			}
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			folded = appendFolded(folded[:0], s[i:i+w])
			for _, c := range folded {
				add(c)
			}
		case unicode.IsMark(r) || r == '\u00ad' || r == '\u200c' || r == '\u200d' || r == '\u2060':
			// combining accents and invisible joiners stay inside the word
		default:
			flush()
		}
		i += w
	}
	flush()
	if words == 1 && !prev.stop {
		dst = append(dst, mix(bits.RotateLeft64(seed, 23)^prev.hash))
	}
	return dst
}

// word is a word's hash, and whether it is a stop word.
type word struct {
	hash uint64
	stop bool
}

// appendFolded appends the lower-case letters of the one-rune string r
// without accents: NFKD, then nonspacing marks dropped.
func appendFolded(dst []byte, r string) []byte {
	for _, c := range norm.NFKD.String(r) {
		if unicode.Is(unicode.Mn, c) {
			continue
		}
		dst = utf8.AppendRune(dst, unicode.ToLower(c))
	}
	return dst
}

// FNV-1a's parameters: a word's hash is mix of the FNV-1a of its folded
// bytes.
const (
	fnvOffset = uint64(14695981039346656037)
	fnvPrime  = uint64(1099511628211)
)

// maxStopWord is the length of the longest stop word (isStopWord).
const maxStopWord = 7

// mix is the SplitMix64 finaliser: it spreads every input bit over the
// output so that the multiply-shift hashes of Fingerprint behave.
func mix(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

func splitmix(state *uint64) uint64 {
	*state += 0x9e3779b97f4a7c15
	return mix(*state)
}

// isStopWord reports whether w is one of the English function words that
// wire editors add and drop freely ("said on Monday it had" → "said Monday
// it has") and that every news text shares; shingles skip them.
func isStopWord(w []byte) bool {
	switch string(w) {
	case "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "by", "for", "from", "with", "as",
		"into", "over", "than", "that", "this", "these", "those", "it", "its", "is", "are", "was", "were", "be",
		"been", "has", "have", "had", "will", "would", "can", "could", "said", "says", "say", "s", "which", "who",
		"whose", "their", "they", "them", "he", "she", "his", "her", "we", "our", "also", "more", "most", "up",
		"out", "about", "after", "before", "per", "cent", "percent", "not", "no", "all", "new":
		return true
	}
	return false
}
