package mongostore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"time"
)

// The catalog snapshot is also kept as a local file (ArticleStore.LocalDir,
// cmd/vetted: VETTED_DATA_DIR), the same gzip of the same heads. Reading
// it skips the database's copy: on the embedded database, handing over that
// one document of a few MB (stored as JSON, the bytes in base64) was a
// third of loading the catalog at 10,000 articles. It is only a cache:
// it names the event it reflects by sequence and hash, and is used only
// when this database's log has that very event there — the hash chains
// every event before it, so the file is a snapshot of a prefix of this
// log and of no other — and when few events follow it; otherwise the
// database's snapshot is read as before. Processes sharing a data
// directory each write a file of their own and rename it into place.
const catalogFile = "catalog-cache.bin"

var catalogMagic = []byte("VETTED-CATALOG-CACHE-1\n")

// localReplayMax is how many events after the file's a start replays
// rather than reading the database's (newer) snapshot.
const localReplayMax = 2000

var catalogCRC = crc32.MakeTable(crc32.Castagnoli)

// encodeCatalogFile: magic, cursor, the event's hash, the data, CRC-32C.
func encodeCatalogFile(cursor int64, hash string, data []byte) []byte {
	b := make([]byte, 0, len(catalogMagic)+len(hash)+len(data)+32)
	b = append(b, catalogMagic...)
	b = binary.AppendVarint(b, cursor)
	b = binary.AppendUvarint(b, uint64(len(hash)))
	b = append(b, hash...)
	b = binary.AppendUvarint(b, uint64(len(data)))
	b = append(b, data...)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, catalogCRC))
}

var errCatalogFile = errors.New("catalog cache: not a whole file")

func decodeCatalogFile(b []byte) (cursor int64, hash string, data []byte, err error) {
	if len(b) < len(catalogMagic)+4 || !bytes.HasPrefix(b, catalogMagic) {
		return 0, "", nil, errCatalogFile
	}
	body := b[:len(b)-4]
	if crc32.Checksum(body, catalogCRC) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return 0, "", nil, errCatalogFile
	}
	p := body[len(catalogMagic):]
	cursor, n := binary.Varint(p)
	if n <= 0 {
		return 0, "", nil, errCatalogFile
	}
	p = p[n:]
	field := func() ([]byte, bool) {
		l, n := binary.Uvarint(p)
		if n <= 0 || l > uint64(len(p)-n) {
			return nil, false
		}
		f := p[n : n+int(l)]
		p = p[n+int(l):]
		return f, true
	}
	h, ok1 := field()
	data, ok2 := field()
	if !ok1 || !ok2 || len(p) != 0 {
		return 0, "", nil, errCatalogFile
	}
	return cursor, string(h), data, nil
}

// saveLocalSnapshot writes the local copy of a snapshot saved at cursor.
func (s *ArticleStore) saveLocalSnapshot(ctx context.Context, cursor int64, data []byte) error {
	if s.LocalDir == "" || cursor < 1 {
		return nil
	}
	ev, err := s.Log.Get(ctx, cursor)
	if err != nil {
		return fmt.Errorf("catalog cache: %w", err)
	}
	if old, _ := filepath.Glob(filepath.Join(s.LocalDir, catalogFile+".*.tmp")); len(old) > 0 {
		for _, f := range old { // left by a process stopped while writing
			if st, err := os.Stat(f); err == nil && time.Since(st.ModTime()) > time.Hour {
				_ = os.Remove(f)
			}
		}
	}
	tmp, err := os.CreateTemp(s.LocalDir, catalogFile+".*.tmp")
	if err != nil {
		return fmt.Errorf("catalog cache: %w", err)
	}
	_, err = tmp.Write(encodeCatalogFile(cursor, ev.Hash, data))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(s.LocalDir, catalogFile))
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("catalog cache: %w", err)
	}
	return nil
}

// localSnapshot returns the local copy's cursor and data when it is a
// snapshot of this log at most localReplayMax events behind tail;
// ok false otherwise (no file, damaged, another log, too old).
func (s *ArticleStore) localSnapshot(ctx context.Context, tail int64) (cursor int64, data []byte, ok bool) {
	if s.LocalDir == "" {
		return 0, nil, false
	}
	b, err := os.ReadFile(filepath.Join(s.LocalDir, catalogFile))
	if err != nil {
		return 0, nil, false
	}
	cursor, hash, data, err := decodeCatalogFile(b)
	if err != nil || cursor < 1 || cursor > tail || tail-cursor > localReplayMax {
		return 0, nil, false
	}
	ev, err := s.Log.Get(ctx, cursor)
	if err != nil || ev.Hash == "" || ev.Hash != hash {
		return 0, nil, false
	}
	return cursor, data, true
}
