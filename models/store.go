package models

import "context"

// ListQuery filters and pages a list of articles. Page starts at 1.
type ListQuery struct {
	Status, Topic, Q, AuthorID string
	Page, Limit                int
	// Sort is "" (newest change first) or "waiting" (oldest submission
	// first: the review queue).
	Sort string
	// Match, when set, is an extra in-memory predicate.
	Match func(*Article) bool
}

// SortWaiting orders a list by submission, oldest first.
const SortWaiting = "waiting"

// ArticleStore holds article heads and their event log.
type ArticleStore interface {
	// Get returns the head rolled forward to the newest known event;
	// ErrNotFound when there is no such article.
	Get(ctx context.Context, id string) (*Article, error)
	// Commit claims ev ("<id>:<version>") and writes the new head;
	// ErrConflict when another change claimed that version first,
	// ErrUnavailable when the database does not answer.
	Commit(ctx context.Context, prev *Article, ev *Event) (*Article, error)
	// ClaimSlug reserves a slug for an article; ErrConflict (with the
	// field) when another article holds it.
	ClaimSlug(ctx context.Context, slug, id string) error
	// List pages the in-memory catalog; never touches the database.
	List(q ListQuery) ([]Summary, int)
	// Event loads one event by sequence number; ErrNotFound.
	Event(ctx context.Context, seq int64) (*Event, error)
}

// UserStore holds users, sessions and delivery tokens.
type UserStore interface {
	// Create inserts a user; ErrConflict (field email) when taken.
	Create(ctx context.Context, u *User) error
	// Get and ByEmail return ErrNotFound for unknown users.
	Get(ctx context.Context, id string) (*User, error)
	ByEmail(ctx context.Context, email string) (*User, error)
	List(ctx context.Context) ([]User, error)
	Count(ctx context.Context) (int64, error)
	Put(ctx context.Context, u *User) error
	CreateSession(ctx context.Context, s *Session) error
	// Session returns ErrNotFound for unknown token hashes.
	Session(ctx context.Context, id string) (*Session, error)
	PutSession(ctx context.Context, s *Session) error
	CreateToken(ctx context.Context, t *Token) error
	Token(ctx context.Context, id string) (*Token, error)
	PutToken(ctx context.Context, t *Token) error
	Tokens(ctx context.Context) ([]Token, error)
}
