//go:build linux

package mmap

import (
	"bytes"
	"os"
	"sync"
	"syscall"
)

// Arena holds bytes written once and read for as long as the process
// runs — the documents an instance encodes when articles are published —
// in a file mapped read-only instead of on the heap. After a restart
// those documents are read from the start-up cache's mapped file; before
// this, every one published since the start stayed on the heap, where
// the collector's headroom counted it again (about 34 MB of 55 MB live
// just after publishing 1,000 articles, none of it after a restart).
//
// The file is removed as soon as it is made: its blocks are freed when
// the process ends. It is written with pwrite and read through a
// MAP_SHARED mapping, which see the same page cache; Copy reads every
// copy back before handing it out. The mapping is never unmapped:
// documents may be written to a connection at any time.
type Arena struct {
	mu    sync.Mutex
	f     *os.File
	mem   []byte
	size  int
	limit int
}

// faultAround is the window a fault maps the cached pages of (Linux's
// fault_around_bytes, 64 KiB unless changed in debugfs), aligned to it.
const faultAround = 64 << 10

// NewArena makes an arena of at most limit bytes in dir.
func NewArena(dir string, limit int) (*Arena, error) {
	f, err := os.CreateTemp(dir, ".vetted-arena-*")
	if err != nil {
		return nil, err
	}
	_ = os.Remove(f.Name())
	mem, err := syscall.Mmap(int(f.Fd()), 0, limit, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &Arena{f: f, mem: mem, limit: limit}, nil
}

// Copy appends b to the arena and returns the mapped copy (its capacity
// is its length: an append never writes into the mapping), or nil when
// the arena is full or the write failed; the caller then keeps b.
func (a *Arena) Copy(b []byte) []byte {
	if a == nil || len(b) == 0 {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	end := a.size + len(b)
	if end > a.limit {
		return nil
	}
	if n, err := a.f.WriteAt(b, int64(a.size)); err != nil || n != len(b) {
		return nil
	}
	c := a.mem[a.size:end:end]
	if !bytes.Equal(c, b) {
		return nil
	}
	// Reading it back mapped its pages, and the kernel's fault-around
	// mapped the earlier ones in the same 64 KiB (about half of the arena
	// stayed resident): out of the resident set again until served (the
	// page cache keeps them).
	Drop(a.mem[a.size/faultAround*faultAround : a.pageEnd(end)])
	a.size = end
	return c
}

// Release takes every page of the arena out of the process's resident
// set; the page cache keeps them and a read maps them again (with the
// pages around it: faultAround).
func (a *Arena) Release() {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	Drop(a.mem[:a.pageEnd(a.size)])
}

// pageEnd is n rounded up to a page, within the mapping.
func (a *Arena) pageEnd(n int) int {
	page := os.Getpagesize()
	return min((n+page-1)/page*page, a.limit)
}

// Resident is how many bytes of the arena's mapping are in the
// process's resident set.
func (a *Arena) Resident() (int, error) {
	if a == nil {
		return 0, nil
	}
	return Resident(a.mem)
}

// Size is the bytes written.
func (a *Arena) Size() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.size
}
