package service

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
)

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// NewID returns a prefixed random id ("a_3f9c…").
func NewID(prefix string) string { return prefix + "_" + randomHex(8) }

// sha256hex hashes a secret for storage.
func sha256hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
