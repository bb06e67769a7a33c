package story

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// minHashRef is the plain loop minHash replaced (each shingle, then each
// function, with a branch per value): the signatures stored before the
// change were made by it, so minHash must give exactly its values.
func minHashRef(mins *[NumHashes]uint32, sh []uint64) {
	a, b := hashParams()
	for i := range mins {
		mins[i] = math.MaxUint32
	}
	for _, x := range sh {
		for i := range NumHashes {
			if v := uint32((a[i]*x + b[i]) >> 32); v < mins[i] {
				mins[i] = v
			}
		}
	}
}

// appendShinglesRef and wordsRef are how shingles were made before
// appendShingles folded, hashed and paired the words in one pass: a
// slice of the words' hashes, then their pairs.
func appendShinglesRef(dst []uint64, ws []word) []uint64 {
	if len(ws) == 0 {
		return dst
	}
	n := max(len(ws)-ShingleSize+1, 1)
	for i := range n {
		h := uint64(0x9e3779b97f4a7c15)
		stop := true
		for _, w := range ws[i:min(i+ShingleSize, len(ws))] {
			h = mix(bits.RotateLeft64(h, 23) ^ w.hash)
			stop = stop && w.stop
		}
		if !stop {
			dst = append(dst, h)
		}
	}
	return dst
}

func wordsRef(dst []word, s string) []word {
	var buf []byte
	flush := func() {
		if len(buf) > 0 {
			h := fnvOffset
			for _, c := range buf {
				h = (h ^ uint64(c)) * fnvPrime
			}
			dst = append(dst, word{mix(h), isStopWord(buf)})
		}
		buf = buf[:0]
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
				buf = append(buf, c)
			case 'A' <= c && c <= 'Z':
				buf = append(buf, c+'a'-'A')
			default:
				flush()
			}
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			buf = appendFolded(buf, s[i:i+w])
		case unicode.IsMark(r) || r == '\u00ad' || r == '\u200c' || r == '\u200d' || r == '\u2060':
		default:
			flush()
		}
		i += w
	}
	flush()
	return dst
}

func TestShinglesMatchReference(t *testing.T) {
	texts := []string{"", "a", "the", "word", "the word", "of the", "Telefo\u0301nica TELEFÓNICA", "Ｉｎｔｅｌ ﬁnance",
		"x\u00ady\u200dz", "PERCENT percentage perce", "a b c d e f", release, aboutEricsson, "日本語のテキスト と 東京",
		strings.Repeat("ǅ", 20) + " İstanbul ß ﬀ", "\xff\xfe Nokia's", "per cent\tpercent"}
	texts = append(texts, shingleTexts(300)...)
	for _, s := range texts {
		if got, want := appendShingles(nil, s), appendShinglesRef(nil, wordsRef(nil, s)); !slices.Equal(got, want) {
			t.Fatalf("shingles of %.40q: %d, the reference %d (or different values)", s, len(got), len(want))
		}
	}
}

func TestStopWordsFitMaxStopWord(t *testing.T) {
	for _, w := range strings.Fields("a an the and or but of to in on at by for from with as into over than that this " +
		"these those it its is are was were be been has have had will would can could said says say s which who whose " +
		"their they them he she his her we our also more most up out about after before per cent percent not no all new") {
		if !isStopWord([]byte(w)) {
			t.Fatalf("%q: not a stop word: this list is out of date", w)
		}
		if len(w) > maxStopWord {
			t.Errorf("stop word %q is longer than maxStopWord (%d)", w, maxStopWord)
		}
	}
}

// fingerprintRef is Fingerprint as it was before its speed-ups (the
// reference cutTrailer and minHash, slices grown by doubling).
func fingerprintRef(title, body string) Signature {
	sh := appendShinglesRef(nil, wordsRef(nil, cutTrailerRef(body)))
	if len(sh) < MinShingles {
		sh = appendShinglesRef(sh, wordsRef(nil, title))
	}
	slices.Sort(sh)
	sh = slices.Compact(sh)
	var sig Signature
	if len(sh) == 0 {
		return sig
	}
	sig.Shingles = len(sh)
	minHashRef(&sig.Mins, sh)
	return sig
}

// shingleTexts are n generated texts of 1 to 400 words.
func shingleTexts(n int) []string {
	rng := rand.New(rand.NewPCG(3, 4))
	zipf := rand.NewZipf(rng, 1.1, 2, 50_000)
	out := make([]string, n)
	for i := range out {
		out[i] = benchText(rng, zipf, 1+rng.IntN(400))
	}
	return out
}

// shingleSets are the distinct shingle hashes of generated texts of 1 to
// 400 words, as Fingerprint hands them to minHash.
func shingleSets(n int) [][]uint64 {
	out := make([][]uint64, n)
	for i, text := range shingleTexts(n) {
		sh := appendShingles(nil, text)
		slices.Sort(sh)
		out[i] = slices.Compact(sh)
	}
	return out
}

func TestMinHashMatchesReference(t *testing.T) {
	sets := shingleSets(500)
	sets = append(sets, []uint64{0}, []uint64{math.MaxUint64}, []uint64{1, 2, 3})
	for i, sh := range sets {
		var got, want [NumHashes]uint32
		minHash(&got, sh)
		minHashRef(&want, sh)
		if got != want {
			t.Fatalf("set %d (%d shingles): minHash differs from the reference loop", i, len(sh))
		}
	}
	// And through Fingerprint, on the story tests' texts and generated ones.
	texts := []string{"", release, release + aboutEricsson, firstSentences(release, 1), releaseTitle}
	for _, sh := range shingleTexts(300) {
		texts = append(texts, sh)
	}
	for _, text := range texts {
		if got, want := Fingerprint(releaseTitle, text), fingerprintRef(releaseTitle, text); got != want {
			t.Fatalf("Fingerprint of %.30q differs from the reference", text)
		}
	}
}

// BenchmarkMinHash hashes the same shingle sets (generated texts of 1 to
// 400 words, about 200 on average) with minHash and with the plain loop
// it replaced, alternating which goes first; it reports each side's
// microseconds per document and their ratio.
func BenchmarkMinHash(b *testing.B) {
	sets := shingleSets(200)
	var took [2]time.Duration
	docs, round := 0, 0
	var mins [NumHashes]uint32
	for b.Loop() {
		round++
		for k := range 2 {
			side := (k + round) % 2
			start := time.Now()
			for _, sh := range sets {
				if side == 0 {
					minHash(&mins, sh)
				} else {
					minHashRef(&mins, sh)
				}
			}
			took[side] += time.Since(start)
		}
		docs += len(sets)
	}
	b.ReportMetric(float64(took[0].Microseconds())/float64(docs), "new-µs/doc")
	b.ReportMetric(float64(took[1].Microseconds())/float64(docs), "old-µs/doc")
	b.ReportMetric(took[0].Seconds()/took[1].Seconds(), "new/old")
}

// cutTrailerRef is the loop cutTrailer replaced (strings.IndexAny for the
// candidates), kept to check and measure the new one against.
func cutTrailerRef(body string) string {
	for i := 0; i < len(body); {
		k := strings.IndexAny(body[i:], "AaFfMmPp#")
		if k < 0 {
			break
		}
		at := i + k
		if at > 0 && startsSentence(body, at) && isTrailer(body[at:]) && strings.TrimSpace(body[:at]) != "" {
			return body[:at]
		}
		i = at + 1
	}
	return body
}

func TestCutTrailerMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	zipf := rand.NewZipf(rng, 1.1, 2, 50_000)
	texts := []string{"", "#", "a", "About X:", "x. About Nokia: y", "x\n### end", release + aboutEricsson,
		"Deal. Media contact: x", "Deal.\nForward-looking statements", "About Nokia: only the trailer"}
	for range 200 {
		texts = append(texts, benchText(rng, zipf, rng.IntN(200))+aboutEricsson[:rng.IntN(len(aboutEricsson))])
	}
	for _, s := range texts {
		if got, want := cutTrailer(s), cutTrailerRef(s); got != want {
			t.Fatalf("cutTrailer(%.40q) = %d bytes, the reference %d", s, len(got), len(want))
		}
	}
}

// BenchmarkCutTrailer runs cutTrailer and the loop it replaced on the
// same 2 KB bodies, alternating, and reports their ratio.
func BenchmarkCutTrailer(b *testing.B) {
	body := strings.Repeat(release+" ", 4)[:2048]
	var took [2]time.Duration
	round := 0
	for b.Loop() {
		round++
		for k := range 2 {
			side := (k + round) % 2
			start := time.Now()
			for range 100 {
				if side == 0 {
					cutTrailer(body)
				} else {
					cutTrailerRef(body)
				}
			}
			took[side] += time.Since(start)
		}
	}
	b.ReportMetric(took[0].Seconds()/took[1].Seconds(), "new/old")
}

// BenchmarkFingerprintVsRef runs Fingerprint and the reference (the code
// before its speed-ups) on the same generated texts of 1 to 400 words,
// alternating which goes first, and reports each side's microseconds
// per document and their ratio.
func BenchmarkFingerprintVsRef(b *testing.B) {
	texts := shingleTexts(200)
	var took [2]time.Duration
	docs, round := 0, 0
	b.ReportAllocs()
	for b.Loop() {
		round++
		for k := range 2 {
			side := (k + round) % 2
			start := time.Now()
			for _, text := range texts {
				if side == 0 {
					Fingerprint(releaseTitle, text)
				} else {
					fingerprintRef(releaseTitle, text)
				}
			}
			took[side] += time.Since(start)
		}
		docs += len(texts)
	}
	b.ReportMetric(float64(took[0].Microseconds())/float64(docs), "new-µs/doc")
	b.ReportMetric(float64(took[1].Microseconds())/float64(docs), "old-µs/doc")
	b.ReportMetric(took[0].Seconds()/took[1].Seconds(), "new/old")
}
