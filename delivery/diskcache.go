package delivery

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"time"

	gojson "github.com/goccy/go-json"

	"github.com/vetted-cms/vetted/internal/mmap"
	"github.com/vetted-cms/vetted/models"
)

// The start-up cache is a local file (Options.CacheDir) holding what
// Load reads from the `published` projection, plus each live document's
// plain JSON: a restart reads one file instead of decoding every
// projection document through the database and uncompressing every
// document. It is only a cache: the article heads (the log) decide what
// is live, and a cached document is served only when its live key
// equals its head's (Load's reuse check, the same as for the
// projection's documents); a missing, corrupt, truncated or foreign file
// is ignored and the projection read as before. Several processes may
// share a data directory: each writes a file of its own and renames it
// into place, so a reader sees one whole file or the previous one.
const cacheFile = "delivery-cache.bin"

var cacheMagic = []byte("VETTED-DELIVERY-CACHE-1\n")

// cacheRecord is one slug's projection document with, for a live one,
// its plain JSON.
type cacheRecord struct {
	models.PublishedDoc
	JSON []byte
	// meta is Meta's bytes in the file as read (decodeCache leaves
	// PublishedDoc.Meta empty: the preload decodes these in place, and
	// copying every article's metadata into a string, then into bytes
	// again for the decoder, was a tenth of a start at 10,000).
	meta []byte
}

// encodeCache writes the records: magic, then per record its fields as
// length-prefixed strings, then a CRC-32C of everything before it.
func encodeCache(recs []cacheRecord) []byte {
	size := len(cacheMagic) + 16
	for i := range recs {
		r := &recs[i]
		size += 80 + len(r.Slug) + len(r.ArticleID) + len(r.State) + len(r.LiveKey) + len(r.Meta) + len(r.Gzip) + len(r.Sig) + len(r.Doc) + len(r.ETag) + len(r.JSON)
	}
	b := make([]byte, 0, size)
	b = append(b, cacheMagic...)
	b = binary.AppendUvarint(b, uint64(len(recs)))
	str := func(s []byte) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	for i := range recs {
		r := &recs[i]
		for _, s := range []string{r.Slug, r.ArticleID, r.State, r.LiveKey, r.Meta, r.Sig, r.Doc, r.ETag} {
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		}
		str(r.Gzip)
		str(r.JSON)
		b = binary.AppendVarint(b, r.FirstPublishedAt.UnixNano())
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, crcTable))
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

var errCache = errors.New("delivery cache: not a whole cache file")

// decodeCache reads a file encodeCache wrote; the records' byte fields
// share the file's buffer.
func decodeCache(b []byte) ([]cacheRecord, error) {
	if len(b) < len(cacheMagic)+4 || !bytes.HasPrefix(b, cacheMagic) {
		return nil, errCache
	}
	body := b[:len(b)-4]
	if crc32.Checksum(body, crcTable) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return nil, errCache
	}
	p := body[len(cacheMagic):]
	bad := false
	uv := func() uint64 {
		v, n := binary.Uvarint(p)
		if n <= 0 {
			bad = true
			return 0
		}
		p = p[n:]
		return v
	}
	field := func() []byte {
		n := uv()
		if bad || n > uint64(len(p)) {
			bad = true
			return nil
		}
		f := p[:n:n]
		p = p[n:]
		return f
	}
	n := uv()
	if bad || n > uint64(len(p)) {
		return nil, errCache
	}
	recs := make([]cacheRecord, n)
	for i := range recs {
		r := &recs[i]
		for _, s := range []*string{&r.Slug, &r.ArticleID, &r.State, &r.LiveKey, nil, &r.Sig, &r.Doc, &r.ETag} {
			if s == nil {
				r.meta = field()
				continue
			}
			*s = string(field())
		}
		r.Gzip, r.JSON = field(), field()
		if len(r.JSON) == 0 {
			r.JSON = nil
		}
		t, k := binary.Varint(p)
		if k <= 0 || bad {
			return nil, errCache
		}
		p = p[k:]
		if t != 0 {
			r.FirstPublishedAt = time.Unix(0, t).UTC()
		}
	}
	if len(p) != 0 {
		return nil, errCache
	}
	return recs, nil
}

// Preloaded is the start-up cache read ahead of Load (PreloadCache).
type Preloaded struct {
	dir   string
	done  chan struct{}
	recs  []cacheRecord
	metas []*Snapshot // per record: its Meta decoded (nil: none, or not decodable)
	mem   []byte      // the mapped file
	// why and err: why there are no records (none: no file).
	why string
	err error
}

// PreloadCache starts reading the start-up cache in dir (a data
// directory) in the background: the file's checksum, its records and
// every record's snapshot metadata, which Load would otherwise decode
// after the catalog is loaded. cmd/vetted starts it before opening the
// database, so both run at once. What it reads is still only a cache:
// Load serves a record only when its head's live key and content hash
// say it is current.
func PreloadCache(dir string) *Preloaded {
	p := &Preloaded{dir: dir, done: make(chan struct{})}
	if dir == "" {
		close(p.done)
		return p
	}
	// Opened now, read in the background: the file as it is at this
	// call, whatever replaces it meanwhile.
	f, err := os.Open(filepath.Join(dir, cacheFile))
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			p.why, p.err = "not read", err
		}
		close(p.done)
		return p
	}
	go func() {
		defer close(p.done)
		b, err := mmap.File(f)
		if err != nil {
			p.why, p.err = "not read", err
			return
		}
		recs, err := decodeCache(b)
		if err != nil {
			p.why, p.err = "ignored", err
			return
		}
		mmap.Drop(b) // read once by the checksum
		metas := make([]*Snapshot, len(recs))
		eachParallel(len(recs), func(i int) {
			if r := &recs[i]; len(r.meta) > 0 && len(r.Gzip) > 0 {
				var s Snapshot
				if decodeMeta(r.meta, &s) == nil {
					metas[i] = &s
				}
			}
			recs[i].meta = nil
		})
		p.recs, p.metas, p.mem = recs, metas, b
	}()
	return p
}

// decodeMeta decodes a cached record's metadata with go-json, which
// decoded the 9,979 records of a start at 10,000 published in 192-196 ms
// against encoding/json's 307-310 ms (one core), to equal values
// (TestDecodeMetaIsEncodingJSON).
func decodeMeta(b []byte, s *Snapshot) error { return gojson.Unmarshal(b, s) }

// wait returns what PreloadCache read.
func (p *Preloaded) wait() ([]cacheRecord, []*Snapshot, []byte) {
	<-p.done
	return p.recs, p.metas, p.mem
}

// readCache returns the cached records and their decoded metadata, or
// nil (no cache, or not usable): preloaded when Options.Preloaded was
// given, else read now.
func (m *ReadModel) readCache() ([]cacheRecord, []*Snapshot) {
	p := m.preloaded
	if p == nil || p.dir != m.cacheDir {
		p = PreloadCache(m.cacheDir)
	}
	m.preloaded = nil // read once
	recs, metas, mem := p.wait()
	p.recs, p.metas = nil, nil // Load's from now on: not kept by whoever holds p
	if p.err != nil {
		m.log.Warn("delivery: start-up cache "+p.why+"; reading the projection", "err", p.err.Error())
		return nil, nil
	}
	m.cacheMap = mem
	return recs, metas
}

// SaveCache writes the start-up cache from what this instance serves
// now (a no-op without Options.CacheDir). cmd/vetted calls it after a
// start that could not use the cache, and at shutdown. It writes nothing
// when the file already holds what is served (read at Load or written
// since, and nothing changed): every shutdown rewrote 373 MB at 10,000
// published, and the next start mapped the file while the kernel was
// still writing it out.
func (m *ReadModel) SaveCache() error {
	if m.cacheDir == "" {
		return nil
	}
	m.mu.Lock()
	if m.cacheHolds && m.savedGen == m.gen {
		m.mu.Unlock()
		m.log.Info("delivery: start-up cache unchanged; not written")
		return nil
	}
	gen := m.gen
	recs := make([]cacheRecord, 0, len(m.history))
	metas := map[int]Snapshot{} // record → its snapshot (a copy), encoded outside the lock
	for slug, id := range m.history {
		d, e := m.slugStateLocked(slug, id)
		r := cacheRecord{PublishedDoc: d}
		if d.State == models.SlugLive {
			r.Gzip, r.JSON = e.Gzip, e.JSON
			metas[len(recs)] = *e.base.snap
		}
		recs = append(recs, r)
	}
	m.mu.Unlock()
	for i, s := range metas {
		s.Sections = nil
		j, _ := json.Marshal(&s)
		recs[i].Meta = string(j)
	}
	b := encodeCache(recs)
	// Files a process stopped while writing (not one being written now).
	if old, _ := filepath.Glob(filepath.Join(m.cacheDir, cacheFile+".*.tmp")); len(old) > 0 {
		for _, f := range old {
			if st, err := os.Stat(f); err == nil && time.Since(st.ModTime()) > time.Hour {
				_ = os.Remove(f)
			}
		}
	}
	tmp, err := os.CreateTemp(m.cacheDir, cacheFile+".*.tmp")
	if err != nil {
		return fmt.Errorf("delivery cache: %w", err)
	}
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(m.cacheDir, cacheFile))
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("delivery cache: %w", err)
	}
	m.mu.Lock()
	m.savedGen, m.cacheHolds, m.cacheStale = gen, true, false
	m.mu.Unlock()
	m.log.Info("delivery: start-up cache written", "slugs", len(recs), "bytes", len(b))
	return nil
}
