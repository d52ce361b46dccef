package mongostore

import (
	"context"
	"errors"
	"sort"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/vetted-cms/vetted/models"
)

// UserStore keeps users, sessions and delivery tokens.
type UserStore struct{ db *DB }

var _ models.UserStore = (*UserStore)(nil)

// NewUserStore returns a UserStore on db.
func NewUserStore(db *DB) *UserStore { return &UserStore{db: db} }

// Create inserts u; a taken email is ErrConflict on the email field.
func (s *UserStore) Create(ctx context.Context, u *models.User) error {
	u.Email = strings.ToLower(u.Email)
	err := s.db.insert(ctx, CollUsers, u)
	if errors.Is(err, models.ErrConflict) {
		return &models.Error{Err: models.ErrConflict, Message: "a user with this email exists", Fields: map[string]string{"email": "already registered"}}
	}
	return err
}

// Get loads a user by id.
func (s *UserStore) Get(ctx context.Context, id string) (*models.User, error) {
	var u models.User
	if err := s.db.get(ctx, CollUsers, id, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// ByEmail loads a user by email (a scan of the small users collection).
func (s *UserStore) ByEmail(ctx context.Context, email string) (*models.User, error) {
	var u models.User
	err := s.db.DB.Collection(CollUsers).FindOne(ctx, bson.D{{Key: "email", Value: strings.ToLower(email)}}).Decode(&u)
	if err != nil {
		return nil, mapErr(err)
	}
	return &u, nil
}

// List returns every user by name.
func (s *UserStore) List(ctx context.Context) ([]models.User, error) {
	us, err := all[models.User](ctx, s.db, CollUsers, nil)
	if err != nil {
		return nil, err
	}
	sort.Slice(us, func(i, j int) bool { return strings.ToLower(us[i].Name) < strings.ToLower(us[j].Name) })
	return us, nil
}

// Count returns how many users exist.
func (s *UserStore) Count(ctx context.Context) (int64, error) {
	n, err := s.db.DB.Collection(CollUsers).CountDocuments(ctx, bson.D{})
	return n, mapErr(err)
}

// Put replaces a user.
func (s *UserStore) Put(ctx context.Context, u *models.User) error {
	return s.db.put(ctx, CollUsers, u.ID, u)
}

// CreateSession stores a session (its ID is the token's hash).
func (s *UserStore) CreateSession(ctx context.Context, se *models.Session) error {
	return s.db.insert(ctx, CollSessions, se)
}

// Session loads a session by token hash.
func (s *UserStore) Session(ctx context.Context, id string) (*models.Session, error) {
	var se models.Session
	if err := s.db.get(ctx, CollSessions, id, &se); err != nil {
		return nil, err
	}
	return &se, nil
}

// PutSession replaces a session (last-seen time, revocation).
func (s *UserStore) PutSession(ctx context.Context, se *models.Session) error {
	return s.db.put(ctx, CollSessions, se.ID, se)
}

// CreateToken stores a delivery token.
func (s *UserStore) CreateToken(ctx context.Context, t *models.Token) error {
	return s.db.insert(ctx, CollTokens, t)
}

// Token loads a delivery token by id.
func (s *UserStore) Token(ctx context.Context, id string) (*models.Token, error) {
	var t models.Token
	if err := s.db.get(ctx, CollTokens, id, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// PutToken replaces a token (last use, revocation).
func (s *UserStore) PutToken(ctx context.Context, t *models.Token) error {
	return s.db.put(ctx, CollTokens, t.ID, t)
}

// Tokens lists every token, newest first.
func (s *UserStore) Tokens(ctx context.Context) ([]models.Token, error) {
	ts, err := all[models.Token](ctx, s.db, CollTokens, nil)
	if err != nil {
		return nil, err
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].CreatedAt.After(ts[j].CreatedAt) })
	return ts, nil
}
