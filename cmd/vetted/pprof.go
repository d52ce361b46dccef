//go:build pprof

package main

import (
	"log/slog"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof on http.DefaultServeMux
	"os"
	"runtime/pprof"
)

// Profiling for benchmarks only: a binary built with `-tags pprof` (never
// the shipped one) writes a CPU profile of its start-up, until it
// listens, to VETTED_START_CPUPROFILE, and serves net/http/pprof on
// VETTED_PPROF_ADDR (a loopback address of its own, not the main
// listener). bench/scale.sh builds it this way when SCALE_PROFILE is set.
func init() {
	if addr := os.Getenv("VETTED_PPROF_ADDR"); addr != "" {
		go func() {
			if err := http.ListenAndServe(addr, nil); err != nil {
				slog.Warn("pprof listener", "err", err.Error())
			}
		}()
	}
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
