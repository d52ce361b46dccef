package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/vetted-cms/vetted/models"
	"github.com/vetted-cms/vetted/policies"
	"github.com/vetted-cms/vetted/workflow"
)

// NewComment is the body of POST …/comments.
type NewComment struct {
	Body   string        `json:"body" validate:"required,notblank,max=4000"`
	Anchor models.Anchor `json:"anchor" validate:"required"`
}

// CommentBody is the body of a reply and of an edit.
type CommentBody struct {
	Body string `json:"body" validate:"required,notblank,max=4000"`
}

// commentThreads caches the entries of each article's comments this
// process has read: entries are immutable, so what was read stays true
// and a read asks the database only for the entries after it.
type commentThreads struct {
	mu sync.Mutex
	m  map[string]*thread
}

type thread struct {
	mu      sync.Mutex
	entries []models.CommentEntry
}

func (t *commentThreads) get(articleID string) *thread {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[string]*thread{}
	}
	th := t.m[articleID]
	if th == nil {
		th = &thread{}
		t.m[articleID] = th
	}
	return th
}

// commentEntries returns every entry of an article's comments, reading
// the ones this process has not seen by _id until one is missing.
func (s *Service) commentEntries(ctx context.Context, articleID string) ([]models.CommentEntry, error) {
	if s.Comments == nil {
		return nil, nil
	}
	th := s.comments.get(articleID)
	th.mu.Lock()
	defer th.mu.Unlock()
	for {
		e, err := s.Comments.CommentEntry(ctx, articleID, len(th.entries)+1)
		if errors.Is(err, models.ErrNotFound) {
			break
		}
		if err != nil {
			return nil, err
		}
		th.entries = append(th.entries, *e)
	}
	return append([]models.CommentEntry(nil), th.entries...), nil
}

// remember adds an entry this process wrote to the cache.
func (s *Service) remember(e models.CommentEntry) {
	th := s.comments.get(e.ArticleID)
	th.mu.Lock()
	if len(th.entries) == e.N-1 {
		th.entries = append(th.entries, e)
	}
	th.mu.Unlock()
}

// commentArticle loads the article a comment request names; comments are
// for signed-in members, who may all read every article (route policy).
func (s *Service) commentArticle(ctx context.Context, actor *models.User, id string) (*models.Article, error) {
	if actor == nil {
		return nil, models.Errorf(models.ErrForbidden, "sign in first")
	}
	if s.Comments == nil {
		return nil, models.Errorf(models.ErrUnavailable, "comments are not configured")
	}
	return s.Articles.Get(ctx, id)
}

// Comments returns an article's comment threads, oldest first, each
// re-anchored to where its quote is in the working copy now.
func (s *Service) ListComments(ctx context.Context, actor *models.User, articleID string) ([]*models.Comment, error) {
	a, err := s.commentArticle(ctx, actor, articleID)
	if err != nil {
		return nil, err
	}
	entries, err := s.commentEntries(ctx, articleID)
	if err != nil {
		return nil, err
	}
	out := models.FoldComments(entries)
	for _, c := range out {
		reanchor(a, c)
	}
	if out == nil {
		out = []*models.Comment{}
	}
	return out, nil
}

func reanchor(a *models.Article, c *models.Comment) {
	path, found := models.Reanchor(a.Content, c.Anchor)
	c.Anchor.Path, c.PassageChanged = path, !found
}

// OpenComments counts an article's unresolved comments (0 when they
// cannot be read: the count decorates answers that must not fail on it).
func (s *Service) OpenComments(ctx context.Context, articleID string) int {
	entries, err := s.commentEntries(ctx, articleID)
	if err != nil {
		return 0
	}
	n := 0
	for _, c := range models.FoldComments(entries) {
		if !c.Resolved {
			n++
		}
	}
	return n
}

// CreateComment anchors a new comment to a passage of the working copy.
// The policy's "comment" right on the article (own or other) decides who
// may; the anchor must name a text field of the article whose text
// holds the quote.
func (s *Service) CreateComment(ctx context.Context, actor *models.User, articleID string, in NewComment) (*models.Comment, error) {
	a, err := s.commentArticle(ctx, actor, articleID)
	if err != nil {
		return nil, err
	}
	obj := policies.ObjOtherArticle
	if a.AuthorID == actor.ID {
		obj = policies.ObjOwnArticle
	}
	if !s.Policy.AllowAny(actor.Roles, obj, string(workflow.ActionComment)) {
		return nil, models.Errorf(models.ErrForbidden, "your role may not comment on this article")
	}
	if err := models.Check(&in); err != nil {
		return nil, err
	}
	var field *models.FieldValue
	for _, f := range a.Content.TextFields() {
		if f.Path == in.Anchor.Path {
			field = &f
			break
		}
	}
	if field == nil {
		return nil, models.Invalid("the anchor does not name a text field of this article", map[string]string{"anchor.path": "not a text field of this article (e.g. sections[0].body)"})
	}
	if _, found := models.Reanchor(a.Content, in.Anchor); !found {
		return nil, models.Invalid("the quoted passage is not in the article", map[string]string{"anchor.quote": "not found in the article's current text"})
	}
	cid := NewID("c")
	anchor := in.Anchor
	return s.commentAction(ctx, a, actor, cid, func([]*models.Comment, *models.Comment) (*models.CommentEntry, error) {
		return &models.CommentEntry{Kind: models.CommentCreate, CommentID: cid, Body: strings.TrimSpace(in.Body), Anchor: &anchor}, nil
	}, true)
}

// ReplyComment adds a reply to a comment's thread.
func (s *Service) ReplyComment(ctx context.Context, actor *models.User, articleID, cid string, in CommentBody) (*models.Comment, error) {
	a, err := s.commentArticle(ctx, actor, articleID)
	if err != nil {
		return nil, err
	}
	if err := models.Check(&in); err != nil {
		return nil, err
	}
	rid := NewID("r")
	return s.commentAction(ctx, a, actor, cid, func(_ []*models.Comment, c *models.Comment) (*models.CommentEntry, error) {
		return &models.CommentEntry{Kind: models.CommentReply, ReplyID: rid, Body: strings.TrimSpace(in.Body)}, nil
	}, false)
}

// ResolveComment marks a comment resolved; resolving a resolved comment
// changes nothing and answers it as it is.
func (s *Service) ResolveComment(ctx context.Context, actor *models.User, articleID, cid string) (*models.Comment, error) {
	a, err := s.commentArticle(ctx, actor, articleID)
	if err != nil {
		return nil, err
	}
	return s.commentAction(ctx, a, actor, cid, func(_ []*models.Comment, c *models.Comment) (*models.CommentEntry, error) {
		if c.Resolved {
			return nil, nil
		}
		return &models.CommentEntry{Kind: models.CommentResolve}, nil
	}, false)
}

// EditComment changes a comment's words: only its author, and only while
// nobody has replied (ErrNotAuthor, ErrHasReplies).
func (s *Service) EditComment(ctx context.Context, actor *models.User, articleID, cid string, in CommentBody) (*models.Comment, error) {
	a, err := s.commentArticle(ctx, actor, articleID)
	if err != nil {
		return nil, err
	}
	if err := models.Check(&in); err != nil {
		return nil, err
	}
	return s.commentAction(ctx, a, actor, cid, func(_ []*models.Comment, c *models.Comment) (*models.CommentEntry, error) {
		if c.AuthorID != actor.ID {
			return nil, &models.Error{Err: models.ErrNotAuthor, Message: "only the comment's author may edit it"}
		}
		if len(c.Replies) > 0 {
			return nil, &models.Error{Err: models.ErrHasReplies, Message: "the comment has replies; reply instead of editing it", Current: c}
		}
		return &models.CommentEntry{Kind: models.CommentEdit, Body: strings.TrimSpace(in.Body)}, nil
	}, false)
}

// commentAction decides an action on comment cid against the entries as
// they are and claims the next entry number with its audit event: of
// racing actions one wins each number, and the others decide again on
// what won (a reply that lands first turns an edit into 409). decide
// returning no entry means nothing changes. isNew: cid does not exist yet.
func (s *Service) commentAction(ctx context.Context, a *models.Article, actor *models.User, cid string,
	decide func(all []*models.Comment, c *models.Comment) (*models.CommentEntry, error), isNew bool) (*models.Comment, error) {
	for attempt := 0; attempt < 8; attempt++ {
		entries, err := s.commentEntries(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		threads := models.FoldComments(entries)
		var c *models.Comment
		for _, t := range threads {
			if t.ID == cid {
				c = t
			}
		}
		if c == nil && !isNew {
			return nil, models.Errorf(models.ErrNotFound, "no comment %s on this article", cid)
		}
		e, err := decide(threads, c)
		if err != nil {
			return nil, err
		}
		if e == nil {
			reanchor(a, c)
			return c, nil
		}
		e.ArticleID, e.N, e.CommentID = a.ID, len(entries)+1, cid
		e.ActorID, e.ActorName, e.At = actor.ID, actor.Name, s.now()
		ev := &models.Event{Key: models.CommentEventKey(a.ID, e.N), At: e.At, Actor: actor.ID, ActorName: actor.Name,
			Action: commentActions[e.Kind], Subject: a.ID, Data: models.EventData{Comment: e}}
		err = s.Log.Append(ctx, ev)
		if errors.Is(err, models.ErrConflict) {
			// Another action claimed this number: wait for its entry.
			if err := s.awaitCommentEntry(ctx, a.ID, e.N); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		// The event is the record; the entry document is its projection
		// (a crash here is healed by the next action: awaitCommentEntry).
		if err := s.Comments.InsertCommentEntry(ctx, e); err != nil && !errors.Is(err, models.ErrConflict) {
			return nil, err
		}
		s.remember(*e)
		all := models.FoldComments(append(entries, *e))
		for _, t := range all {
			if t.ID == cid {
				reanchor(a, t)
				return t, nil
			}
		}
		return nil, fmt.Errorf("comment %s vanished after %s", cid, e.Kind)
	}
	return nil, models.Errorf(models.ErrConflict, "the comments changed too often while saving; try again")
}

var commentActions = map[string]string{
	models.CommentCreate: models.ActionCommentCreate, models.CommentReply: models.ActionCommentReply,
	models.CommentResolve: models.ActionCommentResolve, models.CommentEdit: models.ActionCommentEdit,
}

// awaitCommentEntry waits briefly for entry n, whose event another action
// appended; if it does not appear (its writer died between the event and
// the entry), it is rolled forward from the event, found among the
// newest events of the log.
func (s *Service) awaitCommentEntry(ctx context.Context, articleID string, n int) error {
	for i := 0; i < 20; i++ {
		if _, err := s.Comments.CommentEntry(ctx, articleID, n); err == nil {
			return nil
		} else if !errors.Is(err, models.ErrNotFound) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	key := models.CommentEventKey(articleID, n)
	tail, err := s.logTail(ctx)
	if err != nil {
		return err
	}
	for seq := tail; seq > 0 && seq > tail-2000; seq-- {
		ev, err := s.Log.Get(ctx, seq)
		if err != nil {
			return err
		}
		if ev.Key == key && ev.Data.Comment != nil {
			err := s.Comments.InsertCommentEntry(ctx, ev.Data.Comment)
			if err != nil && !errors.Is(err, models.ErrConflict) {
				return err
			}
			return nil
		}
	}
	return models.Errorf(models.ErrConflict, "another comment action is being saved; try again")
}

// logTail is the newest event's sequence number.
func (s *Service) logTail(ctx context.Context) (int64, error) {
	type tailer interface {
		FindTail(ctx context.Context) (int64, error)
	}
	if t, ok := s.Log.(tailer); ok {
		return t.FindTail(ctx)
	}
	evs, err := s.Log.Scan(ctx)
	if err != nil || len(evs) == 0 {
		return 0, err
	}
	return evs[len(evs)-1].Seq, nil
}
