//go:build !linux

package mmap

import "errors"

// Arena is not available on this system: documents stay on the heap.
type Arena struct{}

// NewArena fails here.
func NewArena(string, int) (*Arena, error) { return nil, errors.New("mmap: no arena on this system") }

// Copy returns nil: the caller keeps its bytes.
func (a *Arena) Copy([]byte) []byte { return nil }

// Size is 0.
func (a *Arena) Size() int { return 0 }

// Release does nothing.
func (a *Arena) Release() {}

// Resident is 0.
func (a *Arena) Resident() (int, error) { return 0, nil }
