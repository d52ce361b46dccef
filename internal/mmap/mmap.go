// Package mmap maps local cache files read-only. The bytes served or
// decoded from such a file are file pages the kernel can drop and read
// again, not heap: the start-up caches (the delivery documents, the
// catalog's heads) are read once at start, and reading them into fresh
// heap memory cost more than decoding them (every fresh page is a fault,
// and faults were about a third of a start at 10,000 published articles).
package mmap

import "errors"

// ErrEmpty: a file of no bytes (or too large to map) is not mapped.
var ErrEmpty = errors.New("mmap: empty or too large file")
