package audit

import (
	"crypto/ed25519"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestKeyFileAndAnchorFile: a generated key is private to its owner and
// loads back; its public key round-trips through the printed form; an
// anchor keeps every appended checkpoint, reports a line that is not one,
// and treats a last line cut short as torn rather than bad.
func TestKeyFileAndAnchorFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "audit.key")
	k1, created, err := LoadOrCreateKey(path)
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", st.Mode(), err)
	}
	k2, created, err := LoadOrCreateKey(path)
	if err != nil || created || !k1.Equal(k2) {
		t.Fatalf("reload: created=%v err=%v equal=%v", created, err, k1.Equal(k2))
	}
	pub := k1.Public().(ed25519.PublicKey)
	if back, err := ParsePublicKey(PublicKeyString(pub)); err != nil || !back.Equal(pub) {
		t.Fatalf("public key round trip: %v", err)
	}
	for _, bad := range []string{"", "ed25519:", "ed25519:AAAA", "rsa:" + PublicKeyString(pub)[8:]} {
		if _, err := ParsePublicKey(bad); err == nil {
			t.Errorf("ParsePublicKey(%q) accepted", bad)
		}
	}

	a := &Anchor{Path: filepath.Join(dir, "anchor.jsonl")}
	at := time.Date(2030, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	want := []Checkpoint{SignCheckpoint(k1, 1, "h1", at), SignCheckpoint(k1, 2, "h2", at.Add(time.Second))}
	for _, c := range want {
		if err := a.Append(c); err != nil {
			t.Fatal(err)
		}
		if ok, why := (Keyring{pub}).check(c); !ok {
			t.Fatalf("fresh checkpoint does not verify: %s", why)
		}
	}
	f, _ := os.OpenFile(a.Path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("garbage\n{\"seq\":3,\"hash\":\"h3\",\"at\":") // a bad line, then a torn one
	f.Close()
	got, err := ReadAnchor(a.Path)
	if err != nil || len(got.Checkpoints) != 2 || got.Checkpoints[1] != want[1] || len(got.Bad) != 1 || !got.Torn {
		t.Fatalf("ReadAnchor: %+v %v", got, err)
	}
	if n, err := NewestInAnchor(a.Path); err != nil || n == nil || *n != want[1] {
		t.Fatalf("NewestInAnchor: %+v %v", n, err)
	}
	tampered := want[1]
	tampered.At = tampered.At.Add(time.Millisecond)
	if ok, _ := (Keyring{pub}).check(tampered); ok {
		t.Fatal("a checkpoint with a changed time still verifies")
	}
}
