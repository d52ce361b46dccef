package mongostore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/vetted-cms/vetted/internal/mmap"
)

// The catalog snapshot is also kept as a local file (ArticleStore.LocalDir,
// cmd/vetted: VETTED_DATA_DIR): the BSON of the same heads, not
// compressed, mapped rather than read. Reading it skips the database's
// copy: on the embedded database, handing over that one document of a
// few MB (stored as JSON, the bytes in base64) was a third of loading
// the catalog at 10,000 articles, and uncompressing it into fresh memory
// (27 MB of BSON at 10,000) was another tenth of a start. It is only a
// cache: it names the event it reflects by sequence and hash, and is
// used only when this database's log has that very event there — the
// hash chains every event before it, so the file is a snapshot of a
// prefix of this log and of no other — and when few events follow it;
// otherwise the database's snapshot is read as before. Its cursor is
// also where the search for the log's tail starts (a probe or two, not
// the ~30 a search from the first event takes). Processes sharing a data
// directory each write a file of their own and rename it into place.
const catalogFile = "catalog-cache.bin"

var catalogMagic = []byte("VETTED-CATALOG-CACHE-2\n")

// localReplayMax is how many events after the file's a start replays
// rather than reading the database's (newer) snapshot.
const localReplayMax = 2000

var catalogCRC = crc32.MakeTable(crc32.Castagnoli)

// catalogHeader: magic, cursor, the event's hash, the data's length. The
// data and a CRC-32C of everything before it follow.
func catalogHeader(cursor int64, hash string, size int) []byte {
	b := make([]byte, 0, len(catalogMagic)+len(hash)+32)
	b = append(b, catalogMagic...)
	b = binary.AppendVarint(b, cursor)
	b = binary.AppendUvarint(b, uint64(len(hash)))
	b = append(b, hash...)
	return binary.AppendUvarint(b, uint64(size))
}

// writeCatalogFile writes the file for data (a snapshotBody's BSON).
func writeCatalogFile(w io.Writer, cursor int64, hash string, data []byte) error {
	h := catalogHeader(cursor, hash, len(data))
	sum := crc32.Update(crc32.Checksum(h, catalogCRC), catalogCRC, data)
	for _, p := range [][]byte{h, data, binary.LittleEndian.AppendUint32(nil, sum)} {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return nil
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

// saveLocalSnapshot writes the local copy of a snapshot (raw: its BSON)
// saved at cursor.
func (s *ArticleStore) saveLocalSnapshot(ctx context.Context, cursor int64, raw []byte) error {
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
	err = writeCatalogFile(tmp, cursor, ev.Hash, raw)
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

// localCopy is the local file when it is a snapshot of this log.
type localCopy struct {
	cursor int64
	data   []byte // the heads' BSON, in the mapping
	mapped []byte
}

// readLocalSnapshot maps the local copy and returns it when it is a
// snapshot of this log (its event is there with its hash); nil otherwise
// (no file, damaged, another log). The caller unmaps it (release).
func (s *ArticleStore) readLocalSnapshot(ctx context.Context) *localCopy {
	if s.LocalDir == "" {
		return nil
	}
	f, err := os.Open(filepath.Join(s.LocalDir, catalogFile))
	if err != nil {
		return nil
	}
	b, err := mmap.File(f)
	if err != nil {
		return nil
	}
	cursor, hash, data, err := decodeCatalogFile(b)
	if err == nil && cursor >= 1 {
		if ev, err := s.Log.Get(ctx, cursor); err == nil && ev.Hash != "" && ev.Hash == hash {
			return &localCopy{cursor: cursor, data: data, mapped: b}
		}
	}
	mmap.Unmap(b)
	return nil
}

// release unmaps the file: nothing decoded from it refers to its bytes
// (the driver copies every string it decodes).
func (l *localCopy) release() {
	if l != nil {
		mmap.Unmap(l.mapped)
		l.data, l.mapped = nil, nil
	}
}

// recentEnough reports whether a local copy at cursor is close enough
// to the log's tail to replay the events after it.
func recentEnough(cursor, tail int64) bool {
	return cursor <= tail && tail-cursor <= localReplayMax
}
