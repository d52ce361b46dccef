package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

type writes struct {
	mu sync.Mutex
	w  [][]byte
}

func (w *writes) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.w = append(w.w, bytes.Clone(p))
	return len(p), nil
}

// TestLineBufferKeepsLinesWhole: lines are batched, never split across
// writes, flushed by the timer and on Close.
func TestLineBufferKeepsLinesWhole(t *testing.T) {
	var out writes
	b := newLineBuffer(&out, 100, time.Hour)
	line := strings.Repeat("x", 29) + "\n" // 30 bytes: three fit, the fourth flushes
	for range 10 {
		_, _ = b.Write([]byte(line))
	}
	_ = b.Close()
	total := 0
	for _, w := range out.w {
		if len(w)%30 != 0 || len(w) > 100 {
			t.Errorf("a write of %d bytes: a line was split or the buffer overran", len(w))
		}
		total += len(w)
	}
	if total != 300 || len(out.w) != 4 {
		t.Errorf("%d bytes in %d writes, want 300 in 4", total, len(out.w))
	}
	timed := newLineBuffer(&out, 100, 10*time.Millisecond)
	defer timed.Close()
	_, _ = timed.Write([]byte(line))
	deadline := time.Now().Add(2 * time.Second)
	for {
		out.mu.Lock()
		n := len(out.w)
		out.mu.Unlock()
		if n == 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the timer did not flush")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
