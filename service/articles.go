package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/policies"
	"github.com/vetted-cms/vetted/workflow"
)

// ArticleView is an article as the management API shows it.
type ArticleView struct {
	*models.Article
	models.Content
	AuthorName     string                  `json:"authorName"`
	AllowedActions []workflow.Availability `json:"allowedActions"`
	// OpenComments counts the unresolved comments on the article.
	OpenComments int `json:"openComments"`
}

// TransitionRequest is the body of POST …/transitions.
type TransitionRequest struct {
	Action      string     `json:"action" validate:"required,action"`
	Comment     string     `json:"comment" validate:"max=5000"`
	Password    string     `json:"password" validate:"maxbytes=256"`
	ContentHash string     `json:"contentHash" validate:"omitempty,max=128"`
	PublishAt   *time.Time `json:"publishAt"`
}

func (s *Service) wfActor(u *models.User, passwordOK bool) workflow.Actor {
	a := workflow.Actor{ID: u.ID, Rights: s.rights(u), PasswordOK: passwordOK}
	if u.License != nil {
		a.License = &workflow.License{Type: u.License.Type, Number: u.License.Number, Jurisdiction: u.License.Jurisdiction,
			ExpiresOn: u.License.ExpiresOn, Verified: u.License.VerifiedAt != nil}
	}
	return a
}

func (s *Service) wfArticle(a *models.Article) workflow.Article {
	w := workflow.Article{
		Status: workflow.State(a.Status), AuthorID: a.AuthorID, EditorsSinceSignoff: a.EditorsSinceSignoff,
		ContentHash: a.ContentHash, HasLive: a.Live != nil,
		Sensitive:       s.Safety.Applies(a.Content.Topics),
		ReadinessErrors: a.Content.Readiness(),
	}
	if a.Status == string(workflow.StateDraft) {
		w.ReadinessErrors = s.readiness(context.Background(), a)
	}
	w.HasCrisisResources = s.Safety.Satisfied(a.Content.Texts()...)
	if a.Approval != nil {
		w.ApprovalHash = a.Approval.ContentHash
		w.SignoffCurrentUntil = a.Approval.At.Add(s.ReviewInterval)
	}
	w.Scheduled = a.ScheduledAt != nil
	if a.Live != nil {
		w.LiveHash = a.Live.ContentHash
	}
	if t := a.Content.ClinicianTake; t.Given() {
		w.TakeClinician = t.Clinician
		w.TakeSigned = a.TakeSignature(&a.Content) != nil
	}
	return w
}

// readiness is the content's publish-readiness plus what needs the user
// store: a Clinician's take must name an active clinical reviewer who is
// not the article's author (an author can never sign their own article,
// so the take could never be theirs to sign).
func (s *Service) readiness(ctx context.Context, a *models.Article) map[string]string {
	f := a.Content.Readiness()
	t := a.Content.ClinicianTake
	if !t.Given() || t.Clinician == "" || f["clinicianTake.clinician"] != "" {
		return f
	}
	switch u, err := s.Users.Get(ctx, t.Clinician); {
	case err != nil:
		f["clinicianTake.clinician"] = "no such user"
	case !slices.Contains(s.rights(u).Others, workflow.ActionApprove) || !u.Active:
		f["clinicianTake.clinician"] = "must be an active clinical reviewer"
	case u.ID == a.AuthorID:
		f["clinicianTake.clinician"] = "the article's author cannot sign it; credit the clinician whose words these are"
	}
	return f
}

// View decorates an article for the caller.
func (s *Service) View(ctx context.Context, caller *models.User, a *models.Article) *ArticleView {
	v := &ArticleView{Article: a, Content: a.Content}
	v.Content.Normalize()
	if u, err := s.Users.Get(ctx, a.AuthorID); err == nil {
		v.AuthorName = u.Name
	}
	if caller != nil {
		v.AllowedActions = workflow.Available(s.now(), s.wfArticle(a), s.wfActor(caller, true))
	}
	v.OpenComments = s.OpenComments(ctx, a.ID)
	return v
}

// GetArticle loads one article.
func (s *Service) GetArticle(ctx context.Context, id string) (*models.Article, error) {
	return s.Articles.Get(ctx, id)
}

// CreateArticle starts a draft authored by the caller.
func (s *Service) CreateArticle(ctx context.Context, actor *models.User, c models.Content) (*models.Article, error) {
	return s.createArticle(ctx, actor, c, nil, "")
}

// createArticle starts a draft; firstPublished is an import's original
// publication date (nil otherwise), recorded on the create event.
func (s *Service) createArticle(ctx context.Context, actor *models.User, c models.Content, firstPublished *time.Time, comment string) (*models.Article, error) {
	if !s.Policy.AllowAny(actor.Roles, policies.ObjOwnArticle, string(workflow.ActionCreate)) {
		return nil, models.Errorf(models.ErrForbidden, "your role may not create articles")
	}
	c.Normalize()
	if c.Slug == "" {
		c.Slug = models.Slugify(c.Title)
	}
	f := s.validateContent(&c)
	if c.Title == "" {
		f["title"] = "required"
	}
	if c.Slug == "" && f["slug"] == "" {
		f["slug"] = "required (or a title to make it from)"
	}
	if len(f) > 0 {
		return nil, models.Invalid("the article is not valid", f)
	}
	id := NewID("a")
	if err := s.Articles.ClaimSlug(ctx, c.Slug, id); err != nil {
		return nil, err
	}
	ev := &models.Event{At: s.now(), Actor: actor.ID, ActorName: actor.Name, Action: models.ActionCreate, ArticleID: id, Comment: comment,
		Version: 1, Rev: 1, To: string(workflow.StateDraft), Data: models.EventData{Content: &c, ContentHash: c.Hash(), FirstPublishedAt: firstPublished}}
	return s.Articles.Commit(ctx, nil, ev)
}

// UpdateArticle saves new content over version base. A stale base is a
// 409 with the current article; content in review is frozen; an approved
// article goes back to draft (its approval voided, on the record); a
// published one gets a working draft while the live version stays.
func (s *Service) UpdateArticle(ctx context.Context, actor *models.User, id string, base int64, c models.Content) (*models.Article, error) {
	a, err := s.Articles.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if base == 0 {
		return nil, models.Errorf(models.ErrPrecondition, `send the version you edited as If-Match: "<version>"`)
	}
	if base != a.Version {
		return nil, s.conflict(ctx, actor, a, fmt.Sprintf("the article changed since version %d; it is at version %d", base, a.Version))
	}
	out, err := workflow.CanEdit(s.wfArticle(a), s.wfActor(actor, false))
	if err != nil {
		return nil, err
	}
	c.Normalize()
	if f := s.validateContent(&c); len(f) > 0 {
		return nil, models.Invalid("the article is not valid", f)
	}
	if c.Slug == "" {
		return nil, models.Invalid("the article is not valid", map[string]string{"slug": "required"})
	}
	hash := c.Hash()
	if hash == a.ContentHash {
		return a, nil // nothing changed: no new revision
	}
	if c.Slug != a.Content.Slug {
		if err := s.Articles.ClaimSlug(ctx, c.Slug, id); err != nil {
			return nil, err
		}
	}
	ev := &models.Event{At: s.now(), Actor: actor.ID, ActorName: actor.Name, Action: models.ActionEdit, ArticleID: id,
		Version: a.Version + 1, Rev: a.Rev + 1, From: a.Status, To: string(out.To), Data: models.EventData{Content: &c, ContentHash: hash}}
	if out.VoidsApproval && a.Approval != nil {
		ev.Data.VoidedApproval = a.Approval
		ev.Comment = "approval voided: the content changed after sign-off"
	}
	next, err := s.Articles.Commit(ctx, a, ev)
	if errors.Is(err, models.ErrConflict) {
		return nil, s.conflictAfterRace(ctx, actor, id)
	}
	return next, err
}

func (s *Service) conflict(ctx context.Context, actor *models.User, a *models.Article, msg string) error {
	return &models.Error{Err: models.ErrConflict, Message: msg, Current: s.View(ctx, actor, a)}
}

func (s *Service) conflictAfterRace(ctx context.Context, actor *models.User, id string) error {
	cur, err := s.Articles.Get(ctx, id)
	if err != nil {
		return models.Errorf(models.ErrConflict, "another change won; reload the article")
	}
	return s.conflict(ctx, actor, cur, fmt.Sprintf("another change won; the article is at version %d", cur.Version))
}

// Transition performs a workflow action. The actor's rights come from the
// policy, every per-article guard from workflow.Decide, for every caller
// alike: there is no override. The change is one claim of the article's
// next version, so two racing transitions (or a transition and an edit)
// can never both win.
func (s *Service) Transition(ctx context.Context, actor *models.User, id string, r TransitionRequest) (*models.Article, error) {
	a, err := s.transition(ctx, actor, id, r)
	s.observeTransition(r.Action, err)
	return a, err
}

func (s *Service) transition(ctx context.Context, actor *models.User, id string, r TransitionRequest) (*models.Article, error) {
	if rights := s.rights(actor); !slices.Contains(rights.Own, workflow.Action(r.Action)) && !slices.Contains(rights.Others, workflow.Action(r.Action)) {
		// Before the password check: a caller without the right must not
		// spend lockout attempts.
		return nil, models.Errorf(models.ErrForbidden, "your role may not %s articles", r.Action)
	}
	a, err := s.Articles.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	pwOK := false
	action := workflow.Action(r.Action)
	if action == workflow.ActionApprove || action == workflow.ActionRecertify {
		// Re-authenticate the signer (§11.200): the password counts toward
		// the account's lockout like a sign-in.
		fresh, err := s.Users.Get(ctx, actor.ID)
		if err != nil {
			return nil, err
		}
		actor = fresh
		if err := s.checkPassword(ctx, actor, r.Password); err != nil {
			if errors.Is(err, models.ErrLocked) {
				return nil, err
			}
			return nil, &workflow.Error{Err: workflow.ErrBadPassword, Reason: "the password is wrong; the signature was not applied"}
		}
		pwOK = true
		// Decide on the signer as they are now: the password check took
		// tens of milliseconds, long enough for a license to be revoked.
		if actor, err = s.Users.Get(ctx, actor.ID); err != nil {
			return nil, err
		}
	}
	now := s.now()
	var publishAt *time.Time
	if r.PublishAt != nil {
		t := r.PublishAt.UTC().Truncate(time.Millisecond)
		publishAt = &t
	}
	d, err := workflow.Decide(now, s.wfArticle(a), workflow.Request{Action: action, Actor: s.wfActor(actor, pwOK), Comment: r.Comment, ContentHash: r.ContentHash, PublishAt: publishAt})
	if err != nil {
		if errors.Is(err, workflow.ErrStaleContent) || errors.Is(err, workflow.ErrInvalidState) || errors.Is(err, workflow.ErrFrozen) || errors.Is(err, workflow.ErrNoLive) ||
			errors.Is(err, workflow.ErrSignoffNeeded) || errors.Is(err, workflow.ErrNotScheduled) {
			return nil, &models.Error{Err: err, Message: err.Error(), Current: s.View(ctx, actor, a)}
		}
		if errors.Is(err, workflow.ErrNotReady) {
			return nil, &models.Error{Err: err, Message: err.Error(), Fields: s.readiness(ctx, a)}
		}
		if errors.Is(err, workflow.ErrTakeUnsigned) {
			return nil, &models.Error{Err: err, Message: err.Error(), Current: s.View(ctx, actor, a)}
		}
		return nil, err
	}
	ev := &models.Event{At: now, Actor: actor.ID, ActorName: actor.Name, Action: r.Action, ArticleID: id,
		Version: a.Version + 1, Rev: a.Rev, From: a.Status, To: string(d.To), Comment: r.Comment}
	if d.Signs {
		ev.Data.Signature = s.signature(actor, r.Action, a, now)
		ev.Data.ContentHash = a.ContentHash
	}
	switch {
	case action == workflow.ActionPublish && d.Scheduled:
		ev.Data.PublishAt = publishAt
	case action == workflow.ActionPublish:
		signedAt := now
		if a.Approval != nil {
			signedAt = a.Approval.At
		}
		due := signedAt.Add(s.ReviewInterval)
		ev.Data.NextReviewDue, ev.Data.ContentHash = &due, a.ContentHash
	case action == workflow.ActionRecertify:
		due := now.Add(s.ReviewInterval)
		ev.Data.NextReviewDue = &due
	}
	next, err := s.Articles.Commit(ctx, a, ev)
	if errors.Is(err, models.ErrConflict) {
		return nil, s.conflictAfterRace(ctx, actor, id)
	}
	if err != nil {
		return nil, err
	}
	if s.Publish != nil && (d.SetsLive && !d.Scheduled || d.ClearsLive || action == workflow.ActionRecertify) {
		if err := s.Publish.Published(ctx, next); err != nil {
			return next, nil // the event stands; projections catch up from the log
		}
	}
	return next, nil
}

func (s *Service) signature(u *models.User, action string, a *models.Article, now time.Time) *models.Signature {
	sig := &models.Signature{ID: NewID("sig"), Action: action, SignerID: u.ID, SignerName: u.Name, Credentials: u.Credentials,
		Meaning: workflow.SignatureMeaning, At: now, Rev: a.Rev, ContentHash: a.ContentHash}
	if t := a.Content.ClinicianTake; t.Given() && t.Clinician == u.ID {
		sig.TakeHash = t.Hash() // the take's own clinician signs their words
	}
	if u.License != nil {
		sig.License = models.LicenseSnapshot{Type: u.License.Type, Number: u.License.Number, Jurisdiction: u.License.Jurisdiction,
			ExpiresOn: u.License.ExpiresOn, VerifiedAt: u.License.VerifiedAt}
	}
	return sig
}

// Events returns an article's events in order.
func (s *Service) Events(ctx context.Context, a *models.Article) ([]models.Event, error) {
	out := make([]models.Event, 0, len(a.Seqs))
	for _, seq := range a.Seqs {
		ev, err := s.Log.Get(ctx, seq)
		if err != nil {
			return nil, err
		}
		ev.Data.Content = nil // revisions have their own endpoint
		out = append(out, *ev)
	}
	return out, nil
}

// Signatures returns every signature ever applied to the article.
func (s *Service) Signatures(ctx context.Context, a *models.Article) ([]models.Signature, error) {
	evs, err := s.Events(ctx, a)
	if err != nil {
		return nil, err
	}
	out := []models.Signature{}
	for _, ev := range evs {
		if ev.Data.Signature != nil {
			out = append(out, *ev.Data.Signature)
		}
	}
	return out, nil
}

// Revision loads one revision's content.
func (s *Service) Revision(ctx context.Context, a *models.Article, rev int64) (*models.Revision, error) {
	for _, r := range a.Revs {
		if r.Rev == rev {
			ev, err := s.Log.Get(ctx, r.Seq)
			if err != nil {
				return nil, err
			}
			c := *ev.Data.Content
			c.Normalize()
			return &models.Revision{RevisionRef: r, Content: c}, nil
		}
	}
	return nil, models.Errorf(models.ErrNotFound, "revision %d of %s not found", rev, a.ID)
}

// ResolveRev reads a revision reference: a number, "current", "live" or
// "signed" (the newest signed revision).
func (s *Service) ResolveRev(ctx context.Context, a *models.Article, ref string) (int64, error) {
	switch ref {
	case "", "current":
		return a.Rev, nil
	case "live":
		if a.Live == nil {
			return 0, models.Errorf(models.ErrNotFound, "the article has no live version")
		}
		return a.Live.Rev, nil
	case "signed":
		sigs, err := s.Signatures(ctx, a)
		if err != nil {
			return 0, err
		}
		if len(sigs) == 0 {
			return 0, models.Errorf(models.ErrNotFound, "the article was never signed")
		}
		return sigs[len(sigs)-1].Rev, nil
	}
	n, err := strconv.ParseInt(ref, 10, 64)
	if err != nil || n < 1 {
		return 0, models.Invalid("a revision is a number, current, live or signed", map[string]string{"rev": "not a revision"})
	}
	return n, nil
}

// Scheduled performs due scheduled publishes (called every second by each
// instance; the claim by insert makes a double publish impossible). The
// editor who scheduled a publish is re-checked when it falls due: a
// schedule made by someone since deactivated or no longer allowed to
// publish is held (and logged once) until an editor acts on the article.
func (s *Service) Scheduled(ctx context.Context) {
	now := s.now()
	for _, a := range s.Articles.All() {
		if a.ScheduledAt == nil || a.ScheduledAt.After(now) || (a.Status != string(workflow.StateApproved) && a.Status != string(workflow.StateUnpublished)) {
			continue
		}
		held, by, err := s.scheduleHeld(ctx, a)
		if err != nil {
			continue // the database did not answer: try again next time
		}
		if held != "" {
			key := a.ID + "@" + a.ScheduledAt.Format(time.RFC3339Nano)
			if _, seen := s.heldSchedules.LoadOrStore(key, true); !seen {
				slog.Warn("scheduled publish held", "article", a.ID, "scheduledAt", a.ScheduledAt, "reason", held)
			}
			continue
		}
		// The scheduler acts with the rights of the editor who scheduled
		// it, as of now.
		system := &models.User{ID: "system:scheduler", Name: "Scheduled publish", Roles: by.Roles}
		_, _ = s.Transition(ctx, system, a.ID, TransitionRequest{Action: string(workflow.ActionPublish), Comment: "scheduled publish"})
	}
}

// scheduleHeld tells why a due schedule must not run ("" when it may),
// and who scheduled it.
func (s *Service) scheduleHeld(ctx context.Context, a *models.Article) (string, *models.User, error) {
	by := a.ScheduledBy
	if by == "" {
		return "nobody is recorded as having scheduled it; an editor can schedule it again", nil, nil
	}
	u, err := s.Users.Get(ctx, by)
	switch {
	case errors.Is(err, models.ErrNotFound):
		return "the editor who scheduled it no longer exists", nil, nil
	case err != nil:
		return "", nil, err
	case !u.Active:
		return "the editor who scheduled it (" + u.Email + ") is deactivated", u, nil
	case !slices.Contains(s.rights(u).Others, workflow.ActionPublish):
		return "the editor who scheduled it (" + u.Email + ") may no longer publish", u, nil
	}
	return "", u, nil
}

// ReviewsDue lists live articles whose re-review is due by the time given.
func (s *Service) ReviewsDue(by time.Time) []models.Summary {
	out := []models.Summary{}
	for _, a := range s.Articles.All() {
		if a.Live != nil && a.NextReviewDue != nil && !a.NextReviewDue.After(by) {
			out = append(out, a.Summarize())
		}
	}
	return out
}
