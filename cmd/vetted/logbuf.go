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
// one interval of lines. A full batch is handed to the writer and a
// second buffer takes the next lines meanwhile: requests logging do not
// wait for the write(2) (a slow reader of stderr), only for a batch
// before it when both buffers are full.
type lineBuffer struct {
	mu    sync.Mutex // buf
	buf   []byte
	wmu   sync.Mutex // w and spare: one batch written at a time, in order
	w     io.Writer
	spare []byte
	stop  chan struct{}
	done  chan struct{}
}

func newLineBuffer(w io.Writer, size int, every time.Duration) *lineBuffer {
	b := &lineBuffer{w: w, buf: make([]byte, 0, size), spare: make([]byte, 0, size), stop: make(chan struct{}), done: make(chan struct{})}
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
	if len(b.buf)+len(p) > cap(b.buf) {
		// Lines go out in order: the batch is taken while b.mu is held,
		// and written (wmu) before b.mu is let go for a later one.
		b.wmu.Lock()
		full := b.swapLocked()
		if len(p) > cap(b.buf) {
			b.mu.Unlock()
			defer b.wmu.Unlock()
			if err := b.writeLocked(full); err != nil {
				return 0, err
			}
			return b.w.Write(p)
		}
		b.buf = append(b.buf, p...)
		b.mu.Unlock()
		defer b.wmu.Unlock()
		if err := b.writeLocked(full); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	b.buf = append(b.buf, p...)
	b.mu.Unlock()
	return len(p), nil
}

// swapLocked hands out the filled buffer and takes the spare (b.mu and
// b.wmu held).
func (b *lineBuffer) swapLocked() []byte {
	full := b.buf
	b.buf, b.spare = b.spare[:0], nil
	return full
}

// writeLocked writes a batch and keeps its buffer as the spare (b.wmu
// held).
func (b *lineBuffer) writeLocked(full []byte) error {
	var err error
	if len(full) > 0 {
		_, err = b.w.Write(full)
	}
	b.spare = full[:0]
	return err
}

// Flush writes what is buffered.
func (b *lineBuffer) Flush() error {
	b.mu.Lock()
	b.wmu.Lock()
	full := b.swapLocked()
	b.mu.Unlock()
	defer b.wmu.Unlock()
	return b.writeLocked(full)
}

// Close stops the timer and flushes.
func (b *lineBuffer) Close() error {
	close(b.stop)
	<-b.done
	return b.Flush()
}
