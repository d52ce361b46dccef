//go:build pprofdebug

package main

import (
	"log/slog"
	"os"
	"runtime/pprof"
)

// In the profiling build (pprof_debug.go) VETTED_START_CPUPROFILE names a
// file for a CPU profile of the start-up, until the server listens
// (bench/scale.sh writes one with SCALE_PROFILE=1).
func init() {
	path := os.Getenv("VETTED_START_CPUPROFILE")
	if path == "" {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		slog.Warn("start-up CPU profile", "err", err.Error())
		return
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		slog.Warn("start-up CPU profile", "err", err.Error())
		return
	}
	startupProfiled = func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}
}
