// Package service is Vetted's application layer: each method is one use
// case (save a draft, sign off, publish…) that loads state, authorizes,
// asks workflow/ for the decision, claims the change by unique insert and
// records it. It speaks only to interfaces; HTTP lives in handlers/.
package service

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/vetted-cms/vetted/audit"
	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/models/mongostore"
	"github.com/vetted-cms/vetted/policies"
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

// Authorizer answers role → permission questions: the casbin policy, the
// one authority on what a role may do (objects and actions: policies/).
type Authorizer interface {
	AllowAny(roles []string, obj, act string) bool
	// HasRole reports whether the policy names role: the roles a user may hold.
	HasRole(role string) bool
}

// may reports whether the policy lets actor manage obj (policies.ObjUsers…).
func (s *Service) may(actor *models.User, obj string) bool {
	return actor != nil && s.Policy.AllowAny(actor.Roles, obj, policies.ActManage)
}

// rights asks the policy which article actions u's roles allow.
func (s *Service) rights(u *models.User) workflow.Rights {
	var r workflow.Rights
	for _, name := range policies.ArticleActions() {
		act := workflow.Action(name)
		if s.Policy.AllowAny(u.Roles, policies.ObjOwnArticle, name) {
			r.Own = append(r.Own, act)
		}
		if s.Policy.AllowAny(u.Roles, policies.ObjOtherArticle, name) {
			r.Others = append(r.Others, act)
		}
	}
	return r
}

// Publisher is told after a change to what is live (publish, unpublish,
// recertify) has been committed; delivery projections hang off it.
type Publisher interface {
	Published(ctx context.Context, a *models.Article) error
}

// MediaResolver fills an article's library images (heroImage.mediaId)
// and reports references to images the library does not hold.
type MediaResolver interface {
	Resolve(c *models.Content) map[string]string
}

// Service holds the use cases.
type Service struct {
	Articles ArticleStore
	Users    models.UserStore
	Log      EventLog
	Policy   Authorizer
	Publish  Publisher
	// Observe hears sign-ins, lockouts and transitions (metrics); nil: nobody.
	Observe Observer
	// AuditVerifier checks the log against the anchors and projections
	// (nil: the chain alone).
	AuditVerifier *audit.Verifier
	// Settings keeps the site settings (nil: the settings routes answer 500).
	Settings SettingsStore
	// Media, when set, resolves library images on every save.
	Media MediaResolver
	// Comments keeps comments anchored to passages (nil: the comment
	// routes answer 503).
	Comments models.CommentStore

	Now            func() time.Time
	ReviewInterval time.Duration
	Safety         workflow.SafetyRule
	SessionIdle    time.Duration
	SessionMax     time.Duration
	Lockout        LockoutPolicy

	heldSchedules sync.Map // schedules logged as held, "<id>@<time>"
	comments      commentThreads
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

// auditEvent builds the audit event of a user, license or token change.
// Its key is unique, so appending it twice is harmless.
func (s *Service) auditEvent(actor *models.User, action, subject string, changes map[string]string) *models.Event {
	ev := &models.Event{Key: "x:" + NewID("e"), At: s.now(), Action: action, Subject: subject, Data: models.EventData{Changes: changes}}
	if actor != nil {
		ev.Actor, ev.ActorName = actor.ID, actor.Name
	} else {
		ev.Actor, ev.ActorName = "system", "Vetted"
	}
	return ev
}

// appendPending appends an outboxed event; an event already appended
// (its key taken) counts as done.
func (s *Service) appendPending(ctx context.Context, ev *models.Event) error {
	cp := *ev
	err := s.Log.Append(ctx, &cp)
	if errors.Is(err, models.ErrConflict) {
		return nil
	}
	return err
}

// saveUser writes u with its audit event in the same document (create
// when isNew), then appends the event and clears the outbox.
func (s *Service) saveUser(ctx context.Context, u *models.User, ev *models.Event, isNew bool) error {
	u.PendingAudit, u.AuditKey = ev, ev.Key
	var err error
	if isNew {
		err = s.Users.Create(ctx, u)
	} else {
		err = s.Users.Put(ctx, u)
	}
	if err != nil {
		return err
	}
	if err := s.appendPending(ctx, ev); err != nil {
		return err // start-up (RecoverOutbox) appends it
	}
	u.PendingAudit = nil
	return s.Users.Put(ctx, u)
}

// saveToken is saveUser for delivery tokens.
func (s *Service) saveToken(ctx context.Context, t *models.Token, ev *models.Event, isNew bool) error {
	t.PendingAudit, t.AuditKey = ev, ev.Key
	var err error
	if isNew {
		err = s.Users.CreateToken(ctx, t)
	} else {
		err = s.Users.PutToken(ctx, t)
	}
	if err != nil {
		return err
	}
	if err := s.appendPending(ctx, ev); err != nil {
		return err
	}
	t.PendingAudit = nil
	return s.Users.PutToken(ctx, t)
}

// RecoverOutbox appends the audit events that a crash left in user and
// token documents. Called at start.
func (s *Service) RecoverOutbox(ctx context.Context) (int, error) {
	n := 0
	users, err := s.Users.List(ctx)
	if err != nil {
		return 0, err
	}
	for i := range users {
		u := &users[i]
		if u.PendingAudit == nil {
			continue
		}
		if err := s.appendPending(ctx, u.PendingAudit); err != nil {
			return n, err
		}
		u.PendingAudit = nil
		if err := s.Users.Put(ctx, u); err != nil {
			return n, err
		}
		n++
	}
	if s.Settings != nil {
		d, err := s.Settings.Doc(ctx)
		if err != nil {
			return n, err
		}
		if d.PendingAudit != nil {
			if err := s.appendPending(ctx, d.PendingAudit); err != nil {
				return n, err
			}
			d.PendingAudit = nil
			if err := s.Settings.Put(ctx, d); err != nil {
				return n, err
			}
			n++
		}
	}
	tokens, err := s.Users.Tokens(ctx)
	if err != nil {
		return n, err
	}
	for i := range tokens {
		t := &tokens[i]
		if t.PendingAudit == nil {
			continue
		}
		if err := s.appendPending(ctx, t.PendingAudit); err != nil {
			return n, err
		}
		t.PendingAudit = nil
		if err := s.Users.PutToken(ctx, t); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// validateContent is Validate after the media library has filled the
// images the content names (so the alt text hashed and signed is the
// one delivered).
func (s *Service) validateContent(c *models.Content) map[string]string {
	var mf map[string]string
	if s.Media != nil {
		mf = s.Media.Resolve(c)
	}
	f := c.Validate()
	for k, v := range mf {
		f[k] = v
	}
	return f
}
