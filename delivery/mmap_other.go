//go:build !unix

package delivery

import (
	"io"
	"os"
)

// mapFile reads the start-up cache file and closes it (no mapping on
// this system).
func mapFile(f *os.File) ([]byte, error) {
	defer f.Close()
	return io.ReadAll(f)
}

func dropPages([]byte) {}
