package mongostore

import (
	"context"

	"github.com/vetted-cms/vetted/models"
)

// CommentStore keeps comment entries: immutable documents read by _id
// ("<articleId>#<n>"), never updated (models.CommentEntry).
type CommentStore struct{ db *DB }

var _ models.CommentStore = (*CommentStore)(nil)

// NewCommentStore returns a CommentStore on db.
func NewCommentStore(db *DB) *CommentStore { return &CommentStore{db: db} }

// CommentEntry loads entry n of an article's comments; ErrNotFound.
func (s *CommentStore) CommentEntry(ctx context.Context, articleID string, n int) (*models.CommentEntry, error) {
	var e models.CommentEntry
	if err := s.db.get(ctx, CollComments, models.CommentEntryID(articleID, n), &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// InsertCommentEntry stores e under its _id; ErrConflict when taken.
func (s *CommentStore) InsertCommentEntry(ctx context.Context, e *models.CommentEntry) error {
	e.ID = models.CommentEntryID(e.ArticleID, e.N)
	return s.db.insert(ctx, CollComments, e)
}
