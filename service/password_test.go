package service

import (
	"strings"
	"sync"
	"testing"
)

// TestDummyHashCostsAsMuchAsAPassword: an unknown email is checked against
// dummyHash so that it takes as long as a wrong password: the dummy must
// name the same argon2id parameters and key length as a real hash (it is
// written out, not computed, to keep 95 ms off every start), and no
// password matches it.
func TestDummyHashCostsAsMuchAsAPassword(t *testing.T) {
	real := HashPassword("a real password for the test")
	params := func(h string) string {
		p := strings.Split(h, "$")
		if len(p) != 6 {
			t.Fatalf("not an encoded hash: %q", h)
		}
		return p[1] + "$" + p[2] + "$" + p[3]
	}
	if params(dummyHash) != params(real) {
		t.Fatalf("dummy %q, real %q: different parameters", params(dummyHash), params(real))
	}
	if k := strings.Split(dummyHash, "$")[5]; len(k) != len(strings.Split(real, "$")[5]) {
		t.Errorf("dummy key of %d characters, real %d", len(k), len(strings.Split(real, "$")[5]))
	}
	for _, pw := range []string{"", "not-a-real-password-for-timing", "a real password for the test"} {
		if CheckPassword(dummyHash, pw) {
			t.Errorf("%q matches the dummy hash", pw)
		}
	}
}

// TestArgonTakesTurns: however many sign-ins and sign-offs arrive at once,
// at most one argon2id computation per processor runs (each holds 19 MiB
// while it runs).
func TestArgonTakesTurns(t *testing.T) {
	h := HashPassword("a password to check at once")
	argonPeak.Store(0)
	var wg sync.WaitGroup
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			CheckPassword(h, "not the password")
		}()
	}
	wg.Wait()
	if p := argonPeak.Load(); p < 1 || p > int64(cap(argonSlots)) {
		t.Errorf("%d argon2id computations ran at once; want 1..%d", p, cap(argonSlots))
	}
}
