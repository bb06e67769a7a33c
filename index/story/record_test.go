package story

import (
	"bytes"
	"errors"
	"testing"
)

func TestSignatureBinaryRoundTrip(t *testing.T) {
	for _, sig := range []Signature{
		Fingerprint(releaseTitle, release),
		Fingerprint("", firstSentences(release, 1)),
		Fingerprint("Telefónica", ""),
		{},
	} {
		b, err := sig.AppendBinary([]byte("prefix"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("prefix")) || len(b)-len("prefix") > SignatureSize {
			t.Fatalf("AppendBinary wrote %d bytes after the prefix", len(b)-len("prefix"))
		}
		var got Signature
		if err := got.UnmarshalBinary(b[len("prefix"):]); err != nil {
			t.Fatal(err)
		}
		if got != sig {
			t.Errorf("round trip of a %d-shingle signature changed it", sig.Shingles)
		}
	}
	if _, err := (&Signature{Shingles: -1}).AppendBinary(nil); err == nil {
		t.Error("a negative shingle count was encoded")
	}
}

func TestSignatureUnmarshalRejects(t *testing.T) {
	sig := Fingerprint(releaseTitle, release)
	good, _ := sig.AppendBinary(nil)
	for name, b := range map[string][]byte{
		"empty":          nil,
		"cut short":      good[:len(good)-1],
		"trailing bytes": append(append([]byte{}, good...), 0),
		"zero with mins": append([]byte{0}, good[len(good)-4*NumHashes:]...),
		"bad varint":     {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		"huge count":     {0xff, 0xff, 0xff, 0xff, 0x7f},
	} {
		var s Signature
		if err := s.UnmarshalBinary(b); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: err = %v, want ErrBadSignature", name, err)
		}
	}
}
