package service

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters (OWASP's second recommended set: 19 MiB, t=2).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
	// MinPassword is the shortest password accepted.
	MinPassword = 12
)

// argonSlots bounds the argon2id computations running at once to the
// processors: each holds its memory parameter (19 MiB) while it runs,
// and more at once than there are processors finish no sooner. Eight
// writers signing off at once held 152 MiB of it, which stayed resident
// long after (make bench's RSS peak); a burst of sign-ins could not ask
// for unbounded memory either.
var argonSlots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))

// argonBusy and argonPeak count the computations running and the most
// seen at once (tests).
var argonBusy, argonPeak atomic.Int64

func idKey(pw, salt []byte, t, m uint32, p uint8, n uint32) []byte {
	argonSlots <- struct{}{}
	defer func() { <-argonSlots }()
	for busy, peak := argonBusy.Add(1), argonPeak.Load(); busy > peak && !argonPeak.CompareAndSwap(peak, busy); peak = argonPeak.Load() {
	}
	defer argonBusy.Add(-1)
	return argon2.IDKey(pw, salt, t, m, p, n)
}

// HashPassword returns an encoded argon2id hash with a random salt.
func HashPassword(pw string) string {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		panic(err)
	}
	return encodeHash(salt, idKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen))
}

// encodeHash writes salt and key in the PHC form with this package's
// argon2id parameters.
func encodeHash(salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// CheckPassword reports whether pw matches the encoded hash, in constant time.
func CheckPassword(encoded, pw string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := idKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when the account does not exist, so that an
// unknown email costs the same time as a wrong password.
// Only its parameters matter (CheckPassword runs argon2id with the
// hash's own): it is written out rather than computed, which took 95 ms
// of every start (the package's init) for a key no password is checked
// to match.
var dummyHash = encodeHash([]byte("vetted-no-user-s"), make([]byte, argonKeyLen))
