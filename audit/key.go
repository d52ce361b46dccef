// Package audit keeps the audit trail honest against whoever controls the
// database: it signs checkpoints of the event log's head with a key that
// never enters the database, appends them to an anchor kept elsewhere, and
// verifies the log against every checkpoint it can read (docs/audit.md).
package audit

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// keyPrefix names the algorithm in a printed public key.
const keyPrefix = "ed25519:"

// PublicKeyString formats a public key as Vetted prints it and as
// checkpoints name their signer: "ed25519:<base64 of the 32 bytes>".
func PublicKeyString(pub ed25519.PublicKey) string {
	return keyPrefix + base64.StdEncoding.EncodeToString(pub)
}

// ParsePublicKey reads a key printed by PublicKeyString (`vetted audit key`).
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	b64, ok := strings.CutPrefix(strings.TrimSpace(s), keyPrefix)
	if !ok {
		return nil, fmt.Errorf("%q is not an audit public key (ed25519:<base64>)", s)
	}
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%q is not an audit public key (ed25519:<base64 of 32 bytes>)", s)
	}
	return ed25519.PublicKey(b), nil
}

// LoadKey reads an Ed25519 private key from a PEM file (PKCS #8, as
// written by LoadOrCreateKey or `openssl genpkey -algorithm ed25519`).
func LoadKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s: not a PEM private key", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an Ed25519 key", path)
	}
	return priv, nil
}

// LoadOrCreateKey reads the key at path, or generates one there (mode
// 0600, created exclusively, so two instances starting at once end up
// with the same key) and reports that it did.
func LoadOrCreateKey(path string) (priv ed25519.PrivateKey, created bool, err error) {
	priv, err = LoadKey(path)
	if !errors.Is(err, os.ErrNotExist) {
		return priv, false, err
	}
	_, priv, err = ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, false, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) { // another process won the race
		priv, err = LoadKey(path)
		return priv, false, err
	}
	if err != nil {
		return nil, false, err
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		return nil, false, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, false, err
	}
	if err := f.Close(); err != nil {
		return nil, false, err
	}
	syncDir(filepath.Dir(path))
	return priv, true, nil
}

// syncDir makes a file's creation durable (best effort: not every
// platform can fsync a directory).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// Keyring is the set of public keys whose checkpoints a verify trusts:
// the configured key and any listed in VETTED_AUDIT_TRUSTED_KEYS (other
// instances' keys, retired keys).
type Keyring []ed25519.PublicKey

// check reports whether a key of the ring signed c, and why not.
func (r Keyring) check(c Checkpoint) (bool, string) {
	msg := c.message()
	sig, err := base64.StdEncoding.DecodeString(c.Signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return false, "the signature is not a base64 Ed25519 signature"
	}
	known := false
	for _, pub := range r {
		if PublicKeyString(pub) == c.Key {
			known = true
		}
		if ed25519.Verify(pub, msg, sig) {
			return true, ""
		}
	}
	switch {
	case len(r) == 0:
		return false, "no public key is configured to check it (VETTED_AUDIT_KEY, VETTED_AUDIT_TRUSTED_KEYS or --public-key)"
	case !known:
		return false, fmt.Sprintf("signed by %s, a key this verify does not trust (add it to VETTED_AUDIT_TRUSTED_KEYS if it is yours)", c.Key)
	}
	return false, "the signature does not verify: the checkpoint was altered or forged"
}
