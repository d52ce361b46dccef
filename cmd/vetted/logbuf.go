package main

import (
	"io"
	"sync"
	"time"
)

// lineBuffer collects whole log lines and writes them out in batches:
// every interval, when the next line would not fit, and on Close. The
// access log writes one line per request; one write(2) per request would
// cost the delivery path more than answering it. A crash loses at most
// one interval of lines.
type lineBuffer struct {
	mu   sync.Mutex
	w    io.Writer
	buf  []byte
	stop chan struct{}
	done chan struct{}
}

func newLineBuffer(w io.Writer, size int, every time.Duration) *lineBuffer {
	b := &lineBuffer{w: w, buf: make([]byte, 0, size), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(b.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-b.stop:
				return
			case <-t.C:
				b.Flush()
			}
		}
	}()
	return b
}

// Write keeps p (one record from a slog handler) whole: it never splits a
// line across two writes.
func (b *lineBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.buf)+len(p) > cap(b.buf) {
		if err := b.flushLocked(); err != nil {
			return 0, err
		}
		if len(p) > cap(b.buf) {
			return b.w.Write(p)
		}
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// Flush writes what is buffered.
func (b *lineBuffer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.flushLocked()
}

func (b *lineBuffer) flushLocked() error {
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.w.Write(b.buf)
	b.buf = b.buf[:0]
	return err
}

// Close stops the timer and flushes.
func (b *lineBuffer) Close() error {
	close(b.stop)
	<-b.done
	return b.Flush()
}
