package mongostore

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"fmt"
	"runtime"

	"go.mongodb.org/mongo-driver/v2/bson"
	"golang.org/x/sync/errgroup"

	"github.com/vetted-cms/vetted/models"
)

// catalogDoc is a snapshot of the in-memory catalog as of one point of the
// log (Cursor). Start-up loads it and replays only the events after it,
// instead of decoding every article head (16 s at 10,000 articles of
// 10 KB on the embedded database). Any instance may write it: every
// snapshot is the catalog of a prefix of the same log.
type catalogDoc struct {
	ID     string `bson:"_id"`
	Cursor int64  `bson:"cursor"`
	Data   []byte `bson:"data"` // gzip of the BSON of the trimmed heads
}

const catalogID = "catalog"

type snapshotBody struct {
	Articles []*models.Article `bson:"articles"`
}

// SaveSnapshot writes the catalog with the cursor it reflects. It returns
// the cursor saved (also with an error of the local copy alone).
func (s *ArticleStore) SaveSnapshot(ctx context.Context) (int64, error) {
	var raw []byte
	var cursor int64
	var err error
	s.Log.holdCursor(func(c int64) { // only the encoding holds back the log
		s.mu.RLock()
		arts := make([]*models.Article, 0, len(s.catalog))
		for _, a := range s.catalog {
			arts = append(arts, a)
		}
		// BSON, not JSON: the article's content and indexes have no JSON
		// names (the API shows them differently).
		raw, err = bson.Marshal(snapshotBody{Articles: arts})
		s.mu.RUnlock()
		cursor = c
	})
	if err != nil {
		return 0, err
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err = zw.Write(raw); err == nil {
		err = zw.Close()
	}
	if err != nil {
		return 0, err
	}
	if err := s.db.put(ctx, CollMeta, catalogID, catalogDoc{ID: catalogID, Cursor: cursor, Data: buf.Bytes()}); err != nil {
		return 0, err
	}
	// The database holds the snapshot now; the local copy only saves a
	// start that time, so its failure is reported with the cursor saved.
	return cursor, s.saveLocalSnapshot(ctx, cursor, raw)
}

// loadSnapshot reads the saved catalog, from the local copy when it is
// this log's and recent (snapshotfile.go), else from the database;
// ErrNotFound when there is none.
func (s *ArticleStore) loadSnapshot(ctx context.Context, tail int64, local *localCopy) (map[string]*models.Article, int64, error) {
	if local != nil && recentEnough(local.cursor, tail) {
		if cat, err := decodeCatalog(local.data); err == nil {
			s.loadedLocal = true
			return cat, local.cursor, nil
		}
	}
	var doc catalogDoc
	if err := s.db.get(ctx, CollMeta, catalogID, &doc); err != nil {
		return nil, 0, err
	}
	cat, err := decodeSnapshot(doc.Data)
	return cat, doc.Cursor, err
}

// decodeSnapshot uncompresses and decodes a snapshot's data.
func decodeSnapshot(data []byte) (map[string]*models.Article, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("catalog snapshot: %w", err)
	}
	// Sized once from gzip's trailer (the uncompressed size, mod 2³²):
	// growing the buffer step by step took a tenth of a start at 10,000
	// articles.
	var buf bytes.Buffer
	if n := len(data); n >= 4 {
		if size := binary.LittleEndian.Uint32(data[n-4:]); size <= 1<<30 {
			buf.Grow(int(size) + bytes.MinRead)
		}
	}
	if _, err := buf.ReadFrom(zr); err != nil {
		return nil, fmt.Errorf("catalog snapshot: %w", err)
	}
	return decodeCatalog(buf.Bytes())
}

// decodeCatalog decodes a snapshot's BSON into the catalog.
func decodeCatalog(raw []byte) (map[string]*models.Article, error) {
	arts, err := decodeHeads(raw)
	if err != nil {
		return nil, fmt.Errorf("catalog snapshot: %w", err)
	}
	out := make(map[string]*models.Article, len(arts))
	for _, a := range arts {
		out[a.ID] = a
	}
	return out, nil
}

// decodeHeads decodes a snapshotBody's articles, on every core: the
// driver's decoding of 10,000 heads was most of loading the catalog.
func decodeHeads(raw []byte) ([]*models.Article, error) {
	if err := bson.Raw(raw).Validate(); err != nil {
		return nil, err
	}
	v, err := bson.Raw(raw).LookupErr("articles")
	if err != nil {
		return nil, err
	}
	arr, ok := v.ArrayOK()
	if !ok {
		return nil, fmt.Errorf("articles is a %s, not an array", v.Type)
	}
	vals, err := arr.Values()
	if err != nil {
		return nil, err
	}
	arts := make([]*models.Article, len(vals))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	const chunk = 64
	for from := 0; from < len(vals); from += chunk {
		g.Go(func() error {
			for i := from; i < min(from+chunk, len(vals)); i++ {
				a := new(models.Article)
				if err := vals[i].Unmarshal(a); err != nil {
					return err
				}
				arts[i] = a
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return arts, nil
}

// loadFromSnapshot is Load's fast path: the snapshot, then every event
// after its cursor. It reports false when there is no usable snapshot.
func (s *ArticleStore) loadFromSnapshot(ctx context.Context, tail int64, local *localCopy) (bool, error) {
	s.loadedLocal = false
	cat, cursor, err := s.loadSnapshot(ctx, tail, local)
	if err != nil || cursor > tail { // none, unreadable or ahead: use the heads
		return false, nil
	}
	s.mu.Lock()
	s.catalog = cat
	s.mu.Unlock()
	if err := s.replay(ctx, cursor+1, tail); err != nil {
		return false, err
	}
	s.LoadedFrom = fmt.Sprintf("snapshot at event %d + %d events", cursor, tail-cursor)
	if s.loadedLocal {
		s.LoadedFrom = "local " + s.LoadedFrom
	}
	return true, s.Log.StartAt(ctx, tail)
}
