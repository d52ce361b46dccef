//go:build !unix

package delivery

import "os"

// mapFile reads the start-up cache file (no mapping on this system).
func mapFile(path string) ([]byte, error) { return os.ReadFile(path) }

func dropPages([]byte) {}
