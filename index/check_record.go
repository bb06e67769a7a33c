package index

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The start-up check streams every segment file to compare its CRC-32
// with its footer's: about 10 s a million documents, read at every start.
// A zap segment is never written again once it is complete (a batch or a
// merge writes a new file under a new name), so a partition keeps, in
// verifiedFile beside its store/ (which is scorch's own), the segments it
// has verified with what the file system said of each then: size,
// modification time, and on Linux the inode and its change time. A
// segment the file system still describes the same way, whose footer
// still holds the recorded CRC, is not read again. Any write through the
// file system, a truncation or a copy over the file changes its times
// (ctime cannot be set back by a program), so those are still found; only
// corruption the file system does not see (the medium's) is not, which
// `serve -full-check` reads everything to find. Elasticsearch does no
// checksum at start by default (index.shard.check_on_startup is false),
// and Lucene verifies checksums when it merges.

const (
	// verifiedFile is the record of a partition's verified segments, in
	// the partition's directory.
	verifiedFile = "techintel-verified.json"
	// verifiedVersion names the record's format; a record of another
	// version is not trusted.
	verifiedVersion = 1
	// racyMargin: a segment modified less than this before its check
	// began is verified but not recorded. A file system stamps times
	// from a clock that ticks coarsely (milliseconds on Linux, seconds on
	// some), so a write in the same tick as the one that finished the
	// segment could leave its times unchanged; one that began a margin
	// after the last write cannot (the same rule as git's racily clean
	// index entries).
	racyMargin = time.Second
)

// stamp is what the file system says of a segment file.
type stamp struct {
	Size    int64  `json:"size"`
	MtimeNS int64  `json:"mtime_ns"`
	CtimeNS int64  `json:"ctime_ns,omitempty"` // Linux only
	Inode   uint64 `json:"inode,omitempty"`    // Linux only
}

// verifiedSegment is a segment file whose CRC matched, as it was then.
type verifiedSegment struct {
	stamp
	CRC uint32 `json:"crc"`
}

// verifiedRecord is a partition's verifiedFile.
type verifiedRecord struct {
	Version  int                        `json:"version"`
	Segments map[string]verifiedSegment `json:"segments"` // by file name in store/
}

// parseVerified reads a record; any record that is not exactly one this
// release writes is an error (and not trusted).
func parseVerified(b []byte) (verifiedRecord, error) {
	var r verifiedRecord
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return verifiedRecord{}, fmt.Errorf("not a record of verified segments: %w", err)
	}
	if dec.More() {
		return verifiedRecord{}, errors.New("not a record of verified segments: more after the record")
	}
	if r.Version != verifiedVersion {
		return verifiedRecord{}, fmt.Errorf("version %d, want %d", r.Version, verifiedVersion)
	}
	for name, s := range r.Segments {
		if name != filepath.Base(name) || !strings.HasSuffix(name, ".zap") {
			return verifiedRecord{}, fmt.Errorf("segment %q: not a segment file name", name)
		}
		if s.Size < 4 {
			return verifiedRecord{}, fmt.Errorf("segment %q: size %d is too small for a segment", name, s.Size)
		}
	}
	return r, nil
}

// loadVerified reads the record of the partition at dir. A missing,
// unreadable or malformed one is an empty record: every segment is
// streamed again, and the record rewritten.
func loadVerified(dir string) verifiedRecord {
	b, err := os.ReadFile(filepath.Join(dir, verifiedFile))
	if err != nil {
		return verifiedRecord{}
	}
	r, err := parseVerified(b)
	if err != nil {
		return verifiedRecord{}
	}
	return r
}

// writeVerified replaces the record of the partition at dir atomically:
// a temporary file, synced, renamed over the record, and the directory
// synced. A crash leaves the old record or the new one, never a part.
// The temporary name is fixed: the check holds the index's lock.
func writeVerified(dir string, segs map[string]verifiedSegment) error {
	b, err := json.Marshal(verifiedRecord{Version: verifiedVersion, Segments: segs})
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, verifiedFile+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if serr := f.Sync(); err == nil {
		err = serr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, verifiedFile))
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// segmentFooter stats a segment file and reads the CRC in its last four
// bytes, without reading the rest.
func segmentFooter(path string) (stamp, uint32, error) {
	f, err := os.Open(path)
	if err != nil {
		return stamp{}, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return stamp{}, 0, err
	}
	st := statStamp(fi)
	if st.Size < 4 {
		return st, 0, fmt.Errorf("%d bytes is too short for a segment", st.Size)
	}
	var foot [4]byte
	if _, err := f.ReadAt(foot[:], st.Size-4); err != nil {
		return st, 0, err
	}
	return st, uint32(foot[0])<<24 | uint32(foot[1])<<16 | uint32(foot[2])<<8 | uint32(foot[3]), nil
}

// verifier checks the segments of one partition against its record.
type verifier struct {
	dir   string
	full  bool // stream every segment, whatever the record says
	old   verifiedRecord
	now   map[string]verifiedSegment // the record to write: the live segments
	start time.Time                  // when the check began
	// What was done, for the report.
	streamed      int
	streamedBytes int64
	trusted       int
}

func newVerifier(dir string, full bool) *verifier {
	v := &verifier{dir: dir, full: full, now: map[string]verifiedSegment{}, start: time.Now()}
	if !full {
		v.old = loadVerified(dir)
	}
	return v
}

// check verifies the segment file at path: it trusts it when the record
// describes it as it is now, and streams it otherwise.
func (v *verifier) check(path string) error {
	name := filepath.Base(path)
	st, crc, err := segmentFooter(path)
	if err != nil {
		return err
	}
	if rec, ok := v.old.Segments[name]; ok && !v.full && rec.stamp == st && rec.CRC == crc {
		v.now[name] = rec
		v.trusted++
		return nil
	}
	if err := checkSegmentCRC(path); err != nil {
		return err
	}
	v.streamed++
	v.streamedBytes += st.Size
	// The file as it was before it was read: if it changed meanwhile,
	// the next check sees other times and reads it again.
	if time.Unix(0, st.MtimeNS).Before(v.start.Add(-racyMargin)) {
		v.now[name] = verifiedSegment{stamp: st, CRC: crc}
	}
	return nil
}

// save writes the record of the live segments when it differs from the
// one read (segments no longer live are dropped from it). A record that
// cannot be written is not an error of the check: the next one reads
// those segments again.
func (v *verifier) save() error {
	if !v.full && v.old.Version == verifiedVersion && maps.Equal(v.old.Segments, v.now) {
		return nil
	}
	if err := writeVerified(v.dir, v.now); err != nil {
		return fmt.Errorf("index: record the verified segments of %s: %w", v.dir, err)
	}
	return nil
}
