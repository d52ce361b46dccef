package service_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/models/mongostore"
	"github.com/vetted-cms/vetted/policies"
	"github.com/vetted-cms/vetted/service"
	"github.com/vetted-cms/vetted/workflow"
)

const usrPW = "usr-fixture-password"

// usrClock is a settable clock for session and lockout times.
type usrClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *usrClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *usrClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newUsrService(t *testing.T) (*service.Service, *usrClock, *models.User) {
	t.Helper()
	db := mongostore.OpenTest(t)
	arts := mongostore.NewArticleStore(db)
	if err := arts.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	pol, err := policies.Load("")
	if err != nil {
		t.Fatal(err)
	}
	s := service.New(arts, mongostore.NewUserStore(db), arts.Log, pol)
	clock := &usrClock{t: time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)}
	s.Now = clock.Now
	admin := usrCreate(t, s, nil, "admin@usr.test", models.RoleAdmin)
	return s, clock, admin
}

func usrCreate(t *testing.T, s *service.Service, actor *models.User, email, role string) *models.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), actor, service.NewUser{Email: email, Name: email, Password: usrPW, Roles: []string{role}})
	if err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return u
}

// TestRefusedPatchWritesNothing: a self-service patch with a wrong
// current password is refused whole: the failure is counted, but none of
// the patch's other fields is stored.
func TestRefusedPatchWritesNothing(t *testing.T) {
	s, _, admin := newUsrService(t)
	ctx := context.Background()
	w := usrCreate(t, s, admin, "w@usr.test", models.RoleWriter)
	name, bio, pw, wrong := "Changed", "Changed bio", "a-new-long-password", "not-the-password"
	_, err := s.UpdateUser(ctx, w, w.ID, service.UserPatch{Name: &name, Bio: &bio, Password: &pw, CurrentPassword: &wrong})
	if !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("wrong current password: %v", err)
	}
	got, _ := s.Users.Get(ctx, w.ID)
	if got.Name != w.Name || got.Bio != w.Bio || got.PasswordHash != w.PasswordHash {
		t.Fatalf("refused patch stored: name %q bio %q", got.Name, got.Bio)
	}
	if got.FailedLogins != 1 {
		t.Errorf("the wrong password was not counted: %d", got.FailedLogins)
	}
	// The same patch with the right password applies all of it.
	if _, err := s.UpdateUser(ctx, w, w.ID, service.UserPatch{Name: &name, Bio: &bio, Password: &pw, CurrentPassword: ptr(usrPW)}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Users.Get(ctx, w.ID)
	if got.Name != name || got.Bio != bio || !service.CheckPassword(got.PasswordHash, pw) || got.SessionEpoch != w.SessionEpoch+1 {
		t.Fatalf("patch not applied: %+v", got)
	}
}

func ptr[T any](v T) *T { return &v }

// TestLockoutAndSessionTimes with a controlled clock: the lock lasts its
// time, even the right password is refused meanwhile; sessions end when
// idle or too old.
func TestLockoutAndSessionTimes(t *testing.T) {
	s, clock, admin := newUsrService(t)
	ctx := context.Background()
	w := usrCreate(t, s, admin, "lock@usr.test", models.RoleWriter)
	for i := 0; i < s.Lockout.Threshold; i++ {
		if _, _, err := s.Login(ctx, w.Email, "wrong-password!"); !errors.Is(err, models.ErrUnauthenticated) {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	if _, _, err := s.Login(ctx, w.Email, usrPW); !errors.Is(err, models.ErrLocked) {
		t.Fatalf("locked account, right password: %v", err)
	}
	clock.add(s.Lockout.Base + time.Second)
	tok, _, err := s.Login(ctx, w.Email, usrPW)
	if err != nil {
		t.Fatalf("after the lock: %v", err)
	}
	if _, _, err := s.Authenticate(ctx, tok); err != nil {
		t.Fatal(err)
	}
	clock.add(s.SessionIdle + time.Minute)
	if _, _, err := s.Authenticate(ctx, tok); !errors.Is(err, models.ErrUnauthenticated) {
		t.Fatalf("idle session still valid: %v", err)
	}
	tok, _, _ = s.Login(ctx, w.Email, usrPW)
	for elapsed := time.Duration(0); elapsed <= s.SessionMax; elapsed += s.SessionIdle / 2 {
		clock.add(s.SessionIdle / 2)
		_, _, err = s.Authenticate(ctx, tok)
	}
	if !errors.Is(err, models.ErrUnauthenticated) {
		t.Fatalf("session older than SessionMax still valid: %v", err)
	}
	for _, bogus := range []string{"", "vs_", "vs_" + string(make([]byte, 64)), tok + "x", "Bearer " + tok} {
		if _, _, err := s.Authenticate(ctx, bogus); !errors.Is(err, models.ErrUnauthenticated) {
			t.Errorf("token %q: %v", bogus, err)
		}
	}
}

// TestOwnershipInTheService: writers edit and submit only their own
// articles, whatever the HTTP layer lets through; roles without the
// policy's "create" cannot create.
func TestOwnershipInTheService(t *testing.T) {
	s, _, admin := newUsrService(t)
	ctx := context.Background()
	w1 := usrCreate(t, s, admin, "w1@usr.test", models.RoleWriter)
	w2 := usrCreate(t, s, admin, "w2@usr.test", models.RoleWriter)
	ed := usrCreate(t, s, admin, "ed@usr.test", models.RoleEditor)
	cr := usrCreate(t, s, admin, "cr@usr.test", models.RoleClinicalReviewer)
	c := models.Content{Slug: "owned", Title: "Owned", Summary: "S", KeyTakeaways: []string{"k"}, Sections: []models.Section{{Heading: "h", Body: "b"}}}
	a, err := s.CreateArticle(ctx, w1, c)
	if err != nil {
		t.Fatal(err)
	}
	if a.AuthorID != w1.ID || a.Status != string(workflow.StateDraft) || a.Version != 1 || a.ContentHash != c.Hash() {
		t.Fatalf("created %+v", a)
	}
	edit := c
	edit.Title = "Edited"
	if _, err := s.UpdateArticle(ctx, w2, a.ID, 1, edit); !errors.Is(err, workflow.ErrForbidden) {
		t.Errorf("other writer's edit: %v", err)
	}
	if _, err := s.Transition(ctx, w2, a.ID, service.TransitionRequest{Action: "submit"}); !errors.Is(err, workflow.ErrForbidden) {
		t.Errorf("other writer's submit: %v", err)
	}
	for _, u := range []*models.User{cr, admin} {
		if _, err := s.UpdateArticle(ctx, u, a.ID, 1, edit); err == nil {
			t.Errorf("%v edited", u.Roles)
		}
		if _, err := s.CreateArticle(ctx, u, models.Content{Title: "Mine"}); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("%v created: %v", u.Roles, err)
		}
	}
	if got, _ := s.GetArticle(ctx, a.ID); got.Version != 1 {
		t.Fatalf("refused edits changed the article: version %d", got.Version)
	}
	if _, err := s.UpdateArticle(ctx, ed, a.ID, 1, edit); err != nil {
		t.Errorf("editor's edit: %v", err)
	}
	// The editor's edit does not make the editor the author.
	if got, _ := s.GetArticle(ctx, a.ID); got.AuthorID != w1.ID || got.Version != 2 {
		t.Errorf("after the editor's edit: author %s version %d", got.AuthorID, got.Version)
	}
	// Slugs are unique across articles.
	if _, err := s.CreateArticle(ctx, w2, models.Content{Slug: "owned", Title: "Copy"}); !errors.Is(err, models.ErrConflict) {
		t.Errorf("taken slug: %v", err)
	}
}
