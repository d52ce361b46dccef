package mmap

import (
	"bytes"
	"fmt"
	"os"
	"sync"
	"testing"
)

// TestArenaCopies: a copy is the bytes given, lives in the mapping, has
// no room to append into it, and the file is gone from the directory.
func TestArenaCopies(t *testing.T) {
	dir := t.TempDir()
	a, err := NewArena(dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("the arena's file is still in the directory: %v", left)
	}
	off := 0
	for i, b := range [][]byte{[]byte(`{"a":1}`), bytes.Repeat([]byte("x"), 10000), []byte("z")} {
		c := a.Copy(b)
		if !bytes.Equal(c, b) {
			t.Fatalf("copy %d differs", i)
		}
		if cap(c) != len(c) {
			t.Errorf("copy %d: capacity %d for length %d: an append would write into the mapping", i, cap(c), len(c))
		}
		if &c[0] != &a.mem[off] {
			t.Errorf("copy %d is not in the mapping at %d", i, off)
		}
		off += len(b)
		if a.Size() != off {
			t.Errorf("size %d, want %d", a.Size(), off)
		}
	}
	if a.Copy(nil) != nil {
		t.Error("an empty copy")
	}
}

// TestArenaFull: a copy past the limit is refused and leaves the arena
// as it was; smaller ones still fit.
func TestArenaFull(t *testing.T) {
	a, err := NewArena(t.TempDir(), 4096)
	if err != nil {
		t.Fatal(err)
	}
	if a.Copy(make([]byte, 4000)) == nil {
		t.Fatal("4,000 bytes refused by a 4,096-byte arena")
	}
	if a.Copy(make([]byte, 100)) != nil || a.Size() != 4000 {
		t.Fatalf("a copy past the limit: size %d", a.Size())
	}
	if c := a.Copy(bytes.Repeat([]byte{7}, 96)); len(c) != 96 || c[95] != 7 {
		t.Fatal("the last 96 bytes refused")
	}
}

// TestArenaConcurrentCopies: copies from several goroutines each come
// back whole (-race).
func TestArenaConcurrentCopies(t *testing.T) {
	a, err := NewArena(t.TempDir(), 8<<20)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				b := bytes.Repeat([]byte(fmt.Sprintf("%d-%d;", g, i)), 50+i)
				if c := a.Copy(b); !bytes.Equal(c, b) {
					t.Errorf("goroutine %d copy %d differs", g, i)
					return
				}
			}
		})
	}
	wg.Wait()
}
