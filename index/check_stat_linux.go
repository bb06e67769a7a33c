package index

import (
	"os"
	"syscall"
)

// statStamp is what the file system says of a file: on Linux with the
// inode (a file replaced by another is a new inode) and its change time,
// which every write, truncation, rename and chmod sets and no program can
// set back.
func statStamp(fi os.FileInfo) stamp {
	st := stamp{Size: fi.Size(), MtimeNS: fi.ModTime().UnixNano()}
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.CtimeNS = sys.Ctim.Nano()
		st.Inode = sys.Ino
	}
	return st
}
