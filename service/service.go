// Package service is Vetted's application layer: each method is one use
// case (save a draft, sign off, publish…) that loads state, authorizes,
// asks workflow/ for the decision, claims the change by unique insert and
// records it. It speaks only to interfaces; HTTP lives in handlers/.
package service

import (
	"context"
	"time"

	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/models/mongostore"
	"github.com/vetted-cms/vetted/workflow"
)

// ArticleStore is what the service needs of article storage.
type ArticleStore interface {
	models.ArticleStore
	Known(id string) (*models.Article, bool)
	All() []*models.Article
}

// EventLog is the audit trail.
type EventLog interface {
	Append(ctx context.Context, ev *models.Event) error
	Get(ctx context.Context, seq int64) (*models.Event, error)
	Scan(ctx context.Context) ([]models.Event, error)
	Verify(ctx context.Context) (mongostore.VerifyResult, error)
}

// Authorizer answers role → permission questions (casbin).
type Authorizer interface {
	AllowAny(roles []string, obj, act string) bool
}

// Publisher is told after a change to what is live (publish, unpublish,
// recertify) has been committed; delivery projections hang off it.
type Publisher interface {
	Published(ctx context.Context, a *models.Article) error
}

// Service holds the use cases.
type Service struct {
	Articles ArticleStore
	Users    models.UserStore
	Log      EventLog
	Policy   Authorizer
	Publish  Publisher

	Now            func() time.Time
	ReviewInterval time.Duration
	Safety         workflow.SafetyRule
	SessionIdle    time.Duration
	SessionMax     time.Duration
	Lockout        LockoutPolicy
}

// LockoutPolicy: after Threshold failures an account is locked for
// Base·2^(failures-Threshold), at most Max.
type LockoutPolicy struct {
	Threshold int
	Base, Max time.Duration
}

// New returns a service with Vetted's defaults.
func New(articles ArticleStore, users models.UserStore, log EventLog, policy Authorizer) *Service {
	return &Service{
		Articles: articles, Users: users, Log: log, Policy: policy,
		Now:            models.Now,
		ReviewInterval: 8760 * time.Hour,
		Safety:         workflow.DefaultSafetyRule,
		SessionIdle:    2 * time.Hour,
		SessionMax:     24 * time.Hour,
		Lockout:        LockoutPolicy{Threshold: 5, Base: time.Minute, Max: time.Hour},
	}
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Millisecond) }

// audit appends a non-article event (user, license, token changes).
func (s *Service) audit(ctx context.Context, actor *models.User, action, subject string, changes map[string]string) error {
	ev := &models.Event{Key: "x:" + NewID("e"), At: s.now(), Action: action, Subject: subject, Data: models.EventData{Changes: changes}}
	if actor != nil {
		ev.Actor, ev.ActorName = actor.ID, actor.Name
	} else {
		ev.Actor, ev.ActorName = "system", "Vetted"
	}
	return s.Log.Append(ctx, ev)
}
