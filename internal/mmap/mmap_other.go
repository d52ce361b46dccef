//go:build !linux

package mmap

import (
	"io"
	"os"
)

// File reads f and closes it (no mapping on this system).
func File(f *os.File) ([]byte, error) {
	defer f.Close()
	b, err := io.ReadAll(f)
	if err == nil && len(b) == 0 {
		return nil, ErrEmpty
	}
	return b, err
}

// Drop does nothing here.
func Drop([]byte) {}

// Unmap does nothing here.
func Unmap([]byte) {}

// Resident is 0 here: nothing is mapped.
func Resident([]byte) (int, error) { return 0, nil }
