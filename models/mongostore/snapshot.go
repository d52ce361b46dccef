package mongostore

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"

	"go.mongodb.org/mongo-driver/v2/bson"

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
// the cursor saved.
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
	return cursor, s.db.put(ctx, CollMeta, catalogID, catalogDoc{ID: catalogID, Cursor: cursor, Data: buf.Bytes()})
}

// loadSnapshot reads the saved catalog; ErrNotFound when there is none.
func (s *ArticleStore) loadSnapshot(ctx context.Context) (map[string]*models.Article, int64, error) {
	var doc catalogDoc
	if err := s.db.get(ctx, CollMeta, catalogID, &doc); err != nil {
		return nil, 0, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(doc.Data))
	if err != nil {
		return nil, 0, fmt.Errorf("catalog snapshot: %w", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, 0, fmt.Errorf("catalog snapshot: %w", err)
	}
	var body snapshotBody
	if err := bson.Unmarshal(raw, &body); err != nil {
		return nil, 0, fmt.Errorf("catalog snapshot: %w", err)
	}
	out := make(map[string]*models.Article, len(body.Articles))
	for _, a := range body.Articles {
		out[a.ID] = a
	}
	return out, doc.Cursor, nil
}

// loadFromSnapshot is Load's fast path: the snapshot, then every event
// after its cursor. It reports false when there is no usable snapshot.
func (s *ArticleStore) loadFromSnapshot(ctx context.Context, tail int64) (bool, error) {
	cat, cursor, err := s.loadSnapshot(ctx)
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
	return true, s.Log.StartAt(ctx, tail)
}
