package mongostore

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/vetted-cms/vetted/models"
)

// MediaStore keeps media metadata, one document per image, read by _id;
// lists come from the media library's in-memory index.
type MediaStore struct{ db *DB }

var _ models.MediaStore = (*MediaStore)(nil)

// NewMediaStore returns a MediaStore on db.
func NewMediaStore(db *DB) *MediaStore { return &MediaStore{db: db} }

// CreateMedia inserts a record; ErrConflict when the id is taken.
func (s *MediaStore) CreateMedia(ctx context.Context, m *models.Media) error {
	return s.db.insert(ctx, CollMedia, m)
}

// Media loads one record; ErrNotFound.
func (s *MediaStore) Media(ctx context.Context, id string) (*models.Media, error) {
	var m models.Media
	if err := s.db.get(ctx, CollMedia, id, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// PutMedia replaces a record.
func (s *MediaStore) PutMedia(ctx context.Context, m *models.Media) error {
	return s.db.put(ctx, CollMedia, m.ID, m)
}

// DeleteMedia removes a record by _id.
func (s *MediaStore) DeleteMedia(ctx context.Context, id string) error {
	_, err := s.db.DB.Collection(CollMedia).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	return mapErr(err)
}

// AllMedia reads every record (start-up only).
func (s *MediaStore) AllMedia(ctx context.Context) ([]models.Media, error) {
	return all[models.Media](ctx, s.db, CollMedia, nil)
}
