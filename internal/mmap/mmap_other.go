//go:build !linux

package mmap

import (
	"errors"
	"io"
	"os"
)

// ErrEmpty: a file of no bytes is not read.
var ErrEmpty = errors.New("mmap: empty file")

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
