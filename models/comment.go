package models

import (
	"bytes"
	"context"
	"errors"
	"html"
	"strings"
	"time"
)

// Comments are review notes anchored to a passage of an article's working
// copy. They are never part of Content: not hashed, not signed, not in
// revisions or snapshots, never delivered.
//
// Storage is insert-only (PRODUCT.md, Storage facts): every action on an
// article's comments — a comment, a reply, a resolution, an edit — is one
// immutable CommentEntry numbered 1, 2, 3… per article, claimed by the
// unique key of its audit event ("comment:<articleId>#<n>") in the
// hash-chained log and then stored under _id "<articleId>#<n>". Two
// actions racing for one number cannot both win, so "edit only before a
// reply" is decided on exactly the entries before it. A thread is read by
// probing _ids from 1 until one is missing; entries never change, so a
// process keeps those it has read.

// Comment entry kinds.
const (
	CommentCreate  = "create"
	CommentReply   = "reply"
	CommentResolve = "resolve"
	CommentEdit    = "edit"
)

// Comment audit actions (Event.Action); Event.Subject is the article id.
const (
	ActionCommentCreate  = "comment.create"
	ActionCommentReply   = "comment.reply"
	ActionCommentResolve = "comment.resolve"
	ActionCommentEdit    = "comment.edit"
)

// Comment errors beyond the sentinels' general meaning, each with its own
// code at the HTTP edge.
var (
	// ErrNotAuthor: only a comment's author may edit it (403 not_author).
	ErrNotAuthor = errors.New("not the comment's author")
	// ErrHasReplies: a comment with replies is no longer edited (409 comment_has_replies).
	ErrHasReplies = errors.New("comment has replies")
)

// Anchor is the passage a comment points at: a text field of the content
// (a path as Content.Values names it) and the exact text selected there.
type Anchor struct {
	Path  string `json:"path" bson:"path" validate:"required,max=100"`
	Quote string `json:"quote" bson:"quote" validate:"required,notblank,max=1000"`
}

// CommentEntry is one stored comment action.
type CommentEntry struct {
	// ID is "<ArticleID>#<N>".
	ID        string    `json:"-" bson:"_id"`
	ArticleID string    `json:"articleId" bson:"articleId"`
	N         int       `json:"n" bson:"n"`
	Kind      string    `json:"kind" bson:"kind"`
	CommentID string    `json:"commentId" bson:"commentId"`
	ReplyID   string    `json:"replyId,omitempty" bson:"replyId,omitempty"`
	Body      string    `json:"body,omitempty" bson:"body,omitempty"`
	Anchor    *Anchor   `json:"anchor,omitempty" bson:"anchor,omitempty"`
	ActorID   string    `json:"actorId" bson:"actorId"`
	ActorName string    `json:"actorName" bson:"actorName"`
	At        time.Time `json:"at" bson:"at"`
}

// CommentEntryID is the _id of entry n of an article's comments.
func CommentEntryID(articleID string, n int) string {
	return articleID + "#" + itoa(n)
}

// CommentEventKey is the unique key of the audit event that claims entry n.
func CommentEventKey(articleID string, n int) string {
	return "comment:" + CommentEntryID(articleID, n)
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	if n == 0 {
		return "0"
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// Comment is a thread as the management API shows it.
type Comment struct {
	ID     string `json:"id"`
	Body   string `json:"body"`
	Anchor Anchor `json:"anchor"`
	// PassageChanged: the quote is found nowhere in the working copy.
	PassageChanged bool          `json:"passageChanged"`
	AuthorID       string        `json:"authorId"`
	AuthorName     string        `json:"authorName"`
	At             time.Time     `json:"at"`
	EditedAt       *time.Time    `json:"editedAt"`
	Resolved       bool          `json:"resolved"`
	ResolvedBy     string        `json:"resolvedBy"`
	ResolvedByName string        `json:"resolvedByName"`
	ResolvedAt     *time.Time    `json:"resolvedAt"`
	Replies        []Reply       `json:"replies"`
	last           *CommentEntry // the newest entry touching the thread
}

// Reply is one answer in a comment's thread.
type Reply struct {
	ID         string    `json:"id"`
	Body       string    `json:"body"`
	AuthorID   string    `json:"authorId"`
	AuthorName string    `json:"authorName"`
	At         time.Time `json:"at"`
}

// FoldComments reduces an article's entries (in order) to its threads,
// oldest first. Entries naming an unknown comment are ignored.
func FoldComments(entries []CommentEntry) []*Comment {
	var out []*Comment
	byID := map[string]*Comment{}
	for i := range entries {
		e := &entries[i]
		if e.Kind == CommentCreate {
			c := &Comment{ID: e.CommentID, Body: e.Body, AuthorID: e.ActorID, AuthorName: e.ActorName, At: e.At, Replies: []Reply{}}
			if e.Anchor != nil {
				c.Anchor = *e.Anchor
			}
			byID[c.ID] = c
			out = append(out, c)
			continue
		}
		c := byID[e.CommentID]
		if c == nil {
			continue
		}
		switch e.Kind {
		case CommentReply:
			c.Replies = append(c.Replies, Reply{ID: e.ReplyID, Body: e.Body, AuthorID: e.ActorID, AuthorName: e.ActorName, At: e.At})
		case CommentResolve:
			if !c.Resolved {
				at := e.At
				c.Resolved, c.ResolvedBy, c.ResolvedByName, c.ResolvedAt = true, e.ActorID, e.ActorName, &at
			}
		case CommentEdit:
			at := e.At
			c.Body, c.EditedAt = e.Body, &at
		}
	}
	return out
}

// CommentStore holds comment entries.
type CommentStore interface {
	// CommentEntry loads entry n of an article's comments; ErrNotFound.
	CommentEntry(ctx context.Context, articleID string, n int) (*CommentEntry, error)
	// InsertCommentEntry stores an entry; ErrConflict when its _id is
	// taken (by this same entry: inserting it twice is harmless).
	InsertCommentEntry(ctx context.Context, e *CommentEntry) error
}

// nonText are the leaves of Content that are not prose a reviewer would
// quote: identifiers, addresses and tag lists.
var nonText = map[string]bool{"slug": true, "topics": true, "related": true, "heroImage.mediaId": true, "heroImage.url": true,
	"clinicianTake.clinician": true, "cta.url": true, "seo.canonicalUrl": true}

// TextFields lists c's text leaves (path → value) in canonical order: the
// passages a comment may be anchored to.
func (c Content) TextFields() []FieldValue {
	var out []FieldValue
	for _, v := range c.Values() {
		if v.List || nonText[v.Path] || nonText[stripIndex(v.Path)] {
			continue
		}
		out = append(out, v)
	}
	return out
}

func stripIndex(p string) string {
	var b strings.Builder
	skip := false
	for _, r := range p {
		switch {
		case r == '[':
			skip = true
			b.WriteString("[]")
		case r == ']':
			skip = false
		case !skip:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Reanchor finds a's quote in c: at a's path first, then in any other
// text field in canonical order. It returns the path where the quote is
// now and whether it was found at all.
func Reanchor(c Content, a Anchor) (string, bool) {
	fields := c.TextFields()
	for _, f := range fields {
		if f.Path == a.Path && QuoteIn(f, a.Quote) {
			return a.Path, true
		}
	}
	for _, f := range fields {
		if f.Path != a.Path && QuoteIn(f, a.Quote) {
			return f.Path, true
		}
	}
	return a.Path, false
}

// QuoteIn reports whether quote occurs in the field, comparing with runs
// of white space collapsed: in the text as typed, or — for a Markdown
// field — in the text as read (a selection made on the rendered page does
// not carry the ** or [ ]( ) around it).
func QuoteIn(f FieldValue, quote string) bool {
	q := collapse(quote)
	if q == "" {
		return false
	}
	if strings.Contains(collapse(f.Value), q) {
		return true
	}
	return f.Markdown && strings.Contains(collapse(PlainText(f.Value)), q)
}

// PlainText is a Markdown body's text as a reader sees it: rendered, its
// tags dropped and entities decoded.
func PlainText(md string) string {
	var buf bytes.Buffer
	if err := MarkdownParser.Convert([]byte(md), &buf); err != nil {
		return md
	}
	var b strings.Builder
	src := buf.String()
	for {
		i := strings.IndexByte(src, '<')
		if i < 0 {
			b.WriteString(src)
			break
		}
		b.WriteString(src[:i])
		j := strings.IndexByte(src[i:], '>')
		if j < 0 {
			break
		}
		name := strings.TrimLeft(src[i+1:i+j], "/")
		if k := strings.IndexAny(name, " /"); k >= 0 {
			name = name[:k]
		}
		if blockTags[name] {
			b.WriteByte(' ') // blocks are separated; inline tags join words
		}
		src = src[i+j+1:]
	}
	return html.UnescapeString(b.String())
}

var blockTags = map[string]bool{"p": true, "li": true, "ul": true, "ol": true, "br": true, "hr": true, "blockquote": true, "pre": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "table": true, "tr": true, "td": true, "th": true, "img": true}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }
