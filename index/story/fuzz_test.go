package story

import "testing"

func FuzzFingerprint(f *testing.F) {
	f.Add(releaseTitle, release, "Swiss TV", firstSentences(release, 1))
	f.Add("", "", "!!!", "...")
	f.Add("Telefo\u0301nica", "Tele\u00adfónica ＩＮＴＥＬ \xff\xfe Nokia's", "x", "About Nokia:")
	f.Add("a", "Deal. About Nokia: Nokia is. ### end", "a b", "Deal.\nForward-looking statements")
	f.Fuzz(func(t *testing.T, titleA, bodyA, titleB, bodyB string) {
		a, b := Fingerprint(titleA, bodyA), Fingerprint(titleB, bodyB)
		if again := Fingerprint(titleA, bodyA); again != a {
			t.Fatal("not deterministic")
		}
		if a != fingerprintRef(titleA, bodyA) {
			t.Fatal("differs from the reference (the code before its speed-ups): stored signatures would not match")
		}
		if a.Shingles < 0 || (a.Shingles == 0) != (a == Signature{}) {
			t.Fatalf("%d shingles, zero signature %v", a.Shingles, a == Signature{})
		}
		if Similar(a, a) != (a.Shingles > 0) || a.Shingles > 0 && Jaccard(a, a) != 1 {
			t.Errorf("self-similarity: Similar %v, Jaccard %v, %d shingles", Similar(a, a), Jaccard(a, a), a.Shingles)
		}
		j, c := Jaccard(a, b), Containment(a, b)
		if j < 0 || j > 1 || c < 0 || c > 1 || c < j && j > 0 {
			t.Errorf("Jaccard %v, containment %v", j, c)
		}
		if Jaccard(b, a) != j || Containment(b, a) != c || Similar(b, a) != Similar(a, b) {
			t.Error("not symmetric")
		}
		if Fingerprint(titleA, bodyA+" ... ") != a {
			t.Error("trailing punctuation changed the signature")
		}
	})
}

func FuzzSignatureUnmarshal(f *testing.F) {
	sig := Fingerprint(releaseTitle, release)
	good, _ := sig.AppendBinary(nil)
	f.Add(good)
	f.Add([]byte{0})
	f.Add([]byte{})
	f.Add(good[:len(good)-3])
	f.Fuzz(func(t *testing.T, b []byte) {
		var s Signature
		if err := s.UnmarshalBinary(b); err != nil {
			return
		}
		again, err := s.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		var s2 Signature
		if err := s2.UnmarshalBinary(again); err != nil || s2 != s {
			t.Fatalf("re-encoded signature does not read back: %v", err)
		}
	})
}
