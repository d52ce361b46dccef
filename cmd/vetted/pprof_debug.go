//go:build pprofdebug

// Profiling build: `go build -tags pprofdebug ./cmd/vetted` serves
// net/http/pprof on 127.0.0.1:6061 (VETTED_PPROF_ADDR overrides). Never part
// of the shipped binary: the tag keeps it out of `make build`.
package main

import (
	"log"
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	addr := os.Getenv("VETTED_PPROF_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6061"
	}
	go func() { log.Println(http.ListenAndServe(addr, nil)) }()
}
