//go:build !linux

package index

import "os"

// statStamp is what the file system says of a file: size and
// modification time (the inode and change time are read on Linux only).
func statStamp(fi os.FileInfo) stamp {
	return stamp{Size: fi.Size(), MtimeNS: fi.ModTime().UnixNano()}
}
