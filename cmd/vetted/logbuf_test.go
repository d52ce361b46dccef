package main

import (
	"bytes"
	"fmt"
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

// gatedWriter blocks its first write until released.
type gatedWriter struct {
	writes
	entered, release chan struct{}
	once             sync.Once
}

func (g *gatedWriter) Write(p []byte) (int, error) {
	g.once.Do(func() { close(g.entered); <-g.release })
	return g.writes.Write(p)
}

// TestLineBufferWritesOutsideTheLock: while a full batch is being written
// (a slow reader of stderr), lines logged meanwhile go to the second
// buffer without waiting; every line comes out once, in order.
func TestLineBufferWritesOutsideTheLock(t *testing.T) {
	g := &gatedWriter{entered: make(chan struct{}), release: make(chan struct{})}
	b := newLineBuffer(g, 100, time.Hour)
	line := func(i int) []byte { return []byte(fmt.Sprintf("line %02d %s\n", i, strings.Repeat("x", 20))) } // 30 bytes
	for i := range 3 {
		_, _ = b.Write(line(i))
	}
	go func() { _, _ = b.Write(line(3)) }() // the batch of 0-2 goes out and blocks
	<-g.entered
	done := make(chan struct{})
	go func() {
		for i := 4; i < 6; i++ {
			_, _ = b.Write(line(i))
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("logging waited for the batch being written")
	}
	close(g.release)
	_ = b.Close()
	var all []byte
	for _, w := range g.w {
		all = append(all, w...)
	}
	var want []byte
	for i := range 6 {
		want = append(want, line(i)...)
	}
	if string(all) != string(want) {
		t.Errorf("written:\n%s\nwant:\n%s", all, want)
	}
}
