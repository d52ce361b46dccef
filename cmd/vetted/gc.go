package main

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// startGCPercent is the collector's target from the process start until
// it listens (Go's default is 100). A start decodes the catalog and the
// cached documents' metadata into a heap that grows from nothing, and at
// the default the collector ran about once per doubling, marking all of
// it each time. At 9,979 published articles, four restarts each way,
// taking turns: ready in 1.48-1.67 s with 400 against 1.89-2.13 s at 100,
// 2.05-2.26 s of CPU against 2.40-2.49. The garbage is handed back once
// listening (debug.FreeOSMemory in serve). GOGC, when set, wins.
const startGCPercent = 400

// startupGCPercent is the collector's target while the start-up search
// indexing runs. Indexing 9,979 published articles makes garbage for the
// first seconds after ready, and at Go's default the heap grew to twice
// what was live: 943 MiB anonymous at its peak, done 15 s after ready,
// ~250 MiB after; with 25 the peak was 524 MiB, done 24 s after ready.
const startupGCPercent = 25

// startupGC moves the collector's target through the start: loosened
// while loading, tightened while the search indexing runs, steady after.
// Each step is skipped when the operator set GOGC.
type startupGC struct {
	mu        sync.Mutex
	set, done bool
	tuning    bool // restore's: the target follows the live heap
	percent   int  // the target tuning set last
}

// loosen sets startGCPercent (the start, until listening).
func (g *startupGC) loosen(getenv func(string) string) { g.to(startGCPercent, getenv) }

// tighten sets startupGCPercent (the search indexing).
func (g *startupGC) tighten(getenv func(string) string) { g.to(startupGCPercent, getenv) }

func (g *startupGC) to(percent int, getenv func(string) string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.done || getenv("GOGC") != "" {
		return
	}
	debug.SetGCPercent(percent)
	g.set = true
}

// steadyGCPercent is the least target once the indexing ends. What
// stays live is mostly documents (noscan bytes the collector marks
// without reading), so a collection is cheap, while the default's
// headroom (as much again as is live) was most of the RSS under load:
// 1,000 articles published through the API (as make bench does), 60 s
// quiet, then by slug, mixed and search: RSS at most 213 and 224 MiB at
// 100, 173 MiB at 50; make bench, two runs in a row: 234 MiB at 100,
// 171 MiB at 50.
const steadyGCPercent = 50

// steadyMinHeadroom is the least the heap may grow between two
// collections once steady (steadyPercent). After a restart the documents
// are served from the mapped start-up cache, outside the heap, and at
// 1,000 published articles about 23 MB stayed live: at 50 the collector
// ran every 12 MB of garbage, 7-8 times a second under load, for 3-4 µs
// of a by-slug request's 55. An instance that published its articles
// itself holds their documents in the heap (61 MB live at 1,000) and is
// not changed by the floor.
const steadyMinHeadroom = 32 << 20

// steadyMaxPercent bounds steadyPercent for a nearly empty heap.
const steadyMaxPercent = 400

// steadyPercent is the collector's target for a live heap of live bytes:
// steadyGCPercent, or more where that leaves less than steadyMinHeadroom
// to grow into.
func steadyPercent(live uint64) int {
	if live == 0 {
		return steadyMaxPercent
	}
	return min(max(steadyGCPercent, int(steadyMinHeadroom*100/live)), steadyMaxPercent)
}

// restore ends the start's targets once the indexing is done (unless the
// operator chose GOGC): from then on the target is steadyPercent of the
// live heap, set again after each collection (a finalizer runs once per
// cycle). loosen and tighten do nothing after it.
func (g *startupGC) restore() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.done = true
	if g.set {
		g.set = false
		g.tuning = true
		g.retuneLocked()
		g.armTuner()
	}
}

// stopTuning ends restore's tuning (tests).
func (g *startupGC) stopTuning() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.tuning = false
}

// gcSentinel is garbage from the moment it is made; its finalizer runs
// after the next collection and makes the next one.
type gcSentinel struct{ g *startupGC }

func (g *startupGC) armTuner() {
	runtime.SetFinalizer(&gcSentinel{g}, func(s *gcSentinel) {
		s.g.mu.Lock()
		defer s.g.mu.Unlock()
		if s.g.tuning {
			s.g.retuneLocked()
			s.g.armTuner()
		}
	})
}

// retuneLocked sets steadyPercent of the live heap the last collection
// found, when it differs from the target by a tenth or more (the live
// heap moves a little every cycle) or is one of the bounds.
func (g *startupGC) retuneLocked() {
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(live)
	if live[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	want := steadyPercent(live[0].Value.Uint64())
	bound := want == steadyGCPercent || want == steadyMaxPercent
	if want != g.percent && (bound || abs(want-g.percent)*10 >= g.percent) {
		debug.SetGCPercent(want)
		g.percent = want
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
