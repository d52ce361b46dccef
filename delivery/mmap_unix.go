//go:build unix

package delivery

import (
	"os"
	"syscall"
)

// mapFile maps a start-up cache file read-only and closes it: the documents served
// from it are file pages the kernel can drop and read again, not heap
// (the plain JSON of every article was most of the RSS at rest). The
// file is never written in place (SaveCache renames a new one over it),
// so the mapping stays valid while it is in use.
func mapFile(f *os.File) ([]byte, error) {
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() == 0 || st.Size() != int64(int(st.Size())) {
		return nil, errCache
	}
	return syscall.Mmap(int(f.Fd()), 0, int(st.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
}

// dropPages tells the kernel the mapped pages are not needed now (after
// the start-up's checksum and indexing read them all): they leave the
// process's resident set and come back, from the page cache, when a
// request reads them.
func dropPages(b []byte) {
	if len(b) > 0 {
		_ = syscall.Madvise(b, syscall.MADV_DONTNEED)
	}
}
