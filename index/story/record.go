package story

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Record is what a Clusterer holds about one document. Records kept
// between runs let a restart restore the Clusterer in one pass over them,
// without reading the documents back and fingerprinting them again.
type Record struct {
	ID        string
	Story     string // the story assigned to the document
	Published time.Time
	Sig       Signature
}

// SignatureSize is the most bytes AppendBinary adds for a Signature: the
// shingle count as a uvarint and the NumHashes values, 4 bytes each.
const SignatureSize = binary.MaxVarintLen64 + 4*NumHashes

// AppendBinary appends the binary form of s to b: its shingle count as a
// uvarint, then its MinHash values, 4 bytes each, little-endian. The
// values are uniformly random, so nothing shorter would keep them; a
// signature without shingles is the single byte 0.
func (s *Signature) AppendBinary(b []byte) ([]byte, error) {
	if s.Shingles < 0 {
		return b, fmt.Errorf("story: signature with %d shingles", s.Shingles)
	}
	b = binary.AppendUvarint(b, uint64(s.Shingles))
	if s.Shingles == 0 {
		return b, nil
	}
	for _, v := range s.Mins {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return b, nil
}

// ErrBadSignature: bytes that AppendBinary did not write.
var ErrBadSignature = errors.New("story: malformed signature")

// UnmarshalBinary sets s from the bytes AppendBinary wrote; they must be
// all of b.
func (s *Signature) UnmarshalBinary(b []byte) error {
	n, used := binary.Uvarint(b)
	switch {
	case used <= 0 || n > 1<<31:
		return fmt.Errorf("%w: bad shingle count", ErrBadSignature)
	case n == 0 && len(b) == used:
		*s = Signature{}
		return nil
	case n == 0 || len(b)-used != 4*NumHashes:
		return fmt.Errorf("%w: %d bytes for %d shingles", ErrBadSignature, len(b), n)
	}
	s.Shingles = int(n)
	b = b[used:]
	for i := range s.Mins {
		s.Mins[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return nil
}
