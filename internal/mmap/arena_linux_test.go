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

// TestArenaRelease: reading the arena's copies maps their pages into the
// resident set; Release takes them out again, and the copies still read
// back whole (from the page cache).
func TestArenaRelease(t *testing.T) {
	a, err := NewArena(t.TempDir(), 64<<20)
	if err != nil {
		t.Fatal(err)
	}
	var copies, want [][]byte
	for i := range 64 { // not page-sized: a read-back maps the earlier copies' pages in its 64 KiB
		b := bytes.Repeat([]byte{byte(i)}, 64_000+i)
		copies, want = append(copies, a.Copy(b)), append(want, b)
	}
	r, err := a.Resident()
	if err != nil {
		t.Fatal(err)
	}
	if r > 0 {
		t.Errorf("%d bytes resident right after 4 MB of copies: Copy should leave them out", r)
	}
	sum := 0
	for _, c := range copies {
		for _, x := range c {
			sum += int(x)
		}
	}
	if r, _ = a.Resident(); r < 4_000_000 {
		t.Fatalf("%d bytes resident after reading 4 MB of copies (sum %d): Resident does not see the mapping", r, sum)
	}
	a.Release()
	if r, _ = a.Resident(); r > 64<<10 {
		t.Errorf("%d bytes resident after Release", r)
	}
	for i, c := range copies {
		if !bytes.Equal(c, want[i]) {
			t.Fatalf("copy %d differs after Release", i)
		}
	}
	var none *Arena
	none.Release()
	if n, err := none.Resident(); n != 0 || err != nil {
		t.Errorf("a nil arena: %d, %v", n, err)
	}
}

// BenchmarkArenaRelease: Release over a 256 MiB arena after a read of
// one byte in every 64 KiB of it (all of it resident, as after serving
// every document): what each projection write adds to a publish.
func BenchmarkArenaRelease(b *testing.B) {
	a, err := NewArena(b.TempDir(), 256<<20)
	if err != nil {
		b.Fatal(err)
	}
	chunk := bytes.Repeat([]byte{1}, 1<<20)
	for range 256 {
		if a.Copy(chunk) == nil {
			b.Fatal("copy refused")
		}
	}
	sum := 0
	for range b.N {
		b.StopTimer()
		for i := 0; i < a.Size(); i += 64 << 10 {
			sum += int(a.mem[i])
		}
		b.StartTimer()
		a.Release()
	}
	if sum == 0 {
		b.Fatal("nothing read")
	}
}
