package audit

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"time"
)

// Checkpoint vouches for the event log up to Seq: the event with that
// sequence number had Hash, and since every hash covers the one before,
// that fixes every event up to it. It is signed with a key the database
// never holds, so whoever controls the database cannot forge one, and it
// is kept outside the database (the anchor file, webhooks), so they cannot
// remove it either.
type Checkpoint struct {
	Seq  int64     `json:"seq"`
	Hash string    `json:"hash"`
	At   time.Time `json:"at"`
	// Key names the public key that signed it (PublicKeyString).
	Key string `json:"key"`
	// Signature is base64 Ed25519 over message().
	Signature string `json:"signature"`
}

// message is the signed text. It names its purpose so that a signature
// can never be taken for anything else made with the same key.
func (c Checkpoint) message() []byte {
	return fmt.Appendf(nil, "vetted audit checkpoint v1\nseq=%d\nhash=%s\nat=%s\n", c.Seq, c.Hash, c.At.UTC().Format(time.RFC3339Nano))
}

// SignCheckpoint returns the signed checkpoint of the event seq with hash.
func SignCheckpoint(priv ed25519.PrivateKey, seq int64, hash string, at time.Time) Checkpoint {
	c := Checkpoint{Seq: seq, Hash: hash, At: at.UTC().Truncate(time.Millisecond), Key: PublicKeyString(priv.Public().(ed25519.PublicKey))}
	c.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(priv, c.message()))
	return c
}
