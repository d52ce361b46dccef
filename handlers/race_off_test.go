//go:build !race

package handlers

// raceEnabled: the race detector adds allocations of its own.
const raceEnabled = false
