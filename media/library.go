package media

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/vetted-cms/vetted/models"
)

// Text limits: those of models.Image (its validate tags), so that the
// texts the library fills into a hero image pass the article's checks.
const (
	MaxAlt     = 300
	MaxCaption = 500
	MaxCredit  = 200
)

var processing = make(chan struct{}, 2)

// AuditLog is the hash-chained event log media changes are recorded in.
type AuditLog interface {
	Append(ctx context.Context, ev *models.Event) error
}

// Articles is what the library reads to tell whether an image is used.
type Articles interface {
	All() []*models.Article
	Get(ctx context.Context, id string) (*models.Article, error)
	Event(ctx context.Context, seq int64) (*models.Event, error)
}

// Library is the media library: metadata in the database (read by _id),
// an in-memory index for lists and lookups, blobs in a bucket.
type Library struct {
	store    models.MediaStore
	blobs    *blob.Bucket
	log      AuditLog
	articles Articles
	// Now is the clock (tests set it).
	Now func() time.Time

	mu       sync.RWMutex
	byID     map[string]*models.Media
	deleting map[string]bool
}

// New returns a library; call Load before serving.
func New(store models.MediaStore, blobs *blob.Bucket, log AuditLog, articles Articles) *Library {
	return &Library{store: store, blobs: blobs, log: log, articles: articles, Now: models.Now,
		byID: map[string]*models.Media{}, deleting: map[string]bool{}}
}

// Bucket is where the blobs live.
func (l *Library) Bucket() *blob.Bucket { return l.blobs }

func (l *Library) now() time.Time { return l.Now().UTC().Truncate(time.Millisecond) }

// Load reads every record into the index and finishes the changes a crash
// left with their audit event pending.
func (l *Library) Load(ctx context.Context) error {
	all, err := l.store.AllMedia(ctx)
	if err != nil {
		return fmt.Errorf("load media: %w", err)
	}
	for i := range all {
		m := &all[i]
		if m.PendingAudit != nil {
			if err := l.finish(ctx, m); err != nil {
				return fmt.Errorf("finish media change %s: %w", m.ID, err)
			}
		}
		if !m.Deleted {
			l.index(m)
		}
	}
	return nil
}

func (l *Library) index(m *models.Media) {
	cp := *m
	cp.PendingAudit = nil
	l.mu.Lock()
	l.byID[m.ID] = &cp
	l.mu.Unlock()
}

func (l *Library) unindex(id string) {
	l.mu.Lock()
	delete(l.byID, id)
	l.mu.Unlock()
}

// Len is the number of images in the library.
func (l *Library) Len() int {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return len(l.byID)
}

// Get returns a record from the index.
func (l *Library) Get(id string) (*models.Media, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	m, ok := l.byID[id]
	if !ok || l.deleting[id] {
		return nil, false
	}
	cp := *m
	return &cp, true
}

func (l *Library) hasHash(hash string) bool {
	l.mu.RLock()
	defer l.mu.RUnlock()
	for id, m := range l.byID {
		if m.Hash == hash && !l.deleting[id] {
			return true
		}
	}
	return false
}

// ByHash returns a record with this content hash (for inline images).
func (l *Library) ByHash(hash string) (*models.Media, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	for _, m := range l.byID {
		if m.Hash == hash {
			cp := *m
			return &cp, true
		}
	}
	return nil, false
}

// OnEvent keeps the index current with other instances' changes (the
// log follower calls it for every event that is not an article's).
func (l *Library) OnEvent(ev *models.Event) {
	if !strings.HasPrefix(ev.Action, "media.") || ev.Subject == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := l.store.Media(ctx, ev.Subject)
	switch {
	case errors.Is(err, models.ErrNotFound) || (err == nil && m.Deleted):
		l.unindex(ev.Subject)
	case err != nil:
		slog.Warn("media: could not follow a change", "media", ev.Subject, "err", err.Error())
	default:
		l.index(m)
	}
}

// Upload is one image with its description.
type Upload struct {
	Data     []byte
	Filename string
	Alt      string
	Caption  string
	Credit   string
}

// Patch changes a record's description; nil fields stay.
type Patch struct {
	Alt     *string `json:"alt"`
	Caption *string `json:"caption"`
	Credit  *string `json:"credit"`
}

// texts are an image's descriptions, checked by their tags with the
// rules and messages of models.Check; the limits are MaxAlt, MaxCaption
// and MaxCredit (models.Image's).
type texts struct {
	Alt     string `json:"alt" validate:"notblank,max=300,plaintext"`
	Caption string `json:"caption" validate:"max=500,plaintext"`
	Credit  string `json:"credit" validate:"max=200,plaintext"`
}

// Upload checks, processes and stores an image: the format from its
// content, the limits from its header, then renditions (metadata
// stripped, orientation applied) written to the bucket, then the record
// with its audit event.
func (l *Library) Upload(ctx context.Context, actor *models.User, in Upload) (*models.Media, error) {
	f := models.Fields(&texts{Alt: in.Alt, Caption: in.Caption, Credit: in.Credit})
	if len(in.Data) == 0 {
		f["file"] = "required: a JPEG, PNG or WebP image"
	}
	if len(f) > 0 {
		return nil, models.Invalid("the upload is not valid", f)
	}
	if len(in.Data) > MaxBytes {
		return nil, models.Errorf(models.ErrTooLarge, "the file is over %d MB", MaxBytes>>20)
	}
	h, err := ReadHeader(in.Data)
	if err != nil {
		return nil, err
	}
	// At most two images are decoded at once: each takes about 100 MB at
	// 12 megapixels, and the limit bounds the whole server's peak.
	select {
	case processing <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	p, err := Process(in.Data, h)
	<-processing
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(in.Data)
	hash := hex.EncodeToString(sum[:])
	m := &models.Media{
		ID: randID("m"), Hash: hash, ContentType: p.ContentType, Ext: p.Ext, Width: p.Width, Height: p.Height,
		Bytes: int64(len(p.Renditions[0].Data)), Alt: strings.TrimSpace(in.Alt), Caption: strings.TrimSpace(in.Caption),
		Credit: strings.TrimSpace(in.Credit), Filename: cleanName(in.Filename),
		CreatedBy: actor.ID, CreatedAt: l.now(),
	}
	m.UpdatedAt = m.CreatedAt
	for _, r := range p.Renditions {
		m.Widths = append(m.Widths, r.Width)
		key := Key(hash, r.Width, p.Ext)
		if ok, err := l.blobs.Exists(ctx, key); err == nil && ok {
			continue // content-addressed: the same upload made the same blob
		}
		if err := l.blobs.WriteAll(ctx, key, r.Data, &blob.WriterOptions{ContentType: p.ContentType}); err != nil {
			return nil, fmt.Errorf("store %s: %w", key, err)
		}
	}
	slices.Sort(m.Widths)
	m.PendingAudit = l.event(actor, models.ActionMediaCreate, m.ID, map[string]string{
		"hash": hash, "alt": m.Alt, "caption": m.Caption, "credit": m.Credit, "filename": m.Filename,
		"size": fmt.Sprintf("%dx%d", m.Width, m.Height)})
	if err := l.store.CreateMedia(ctx, m); err != nil {
		return nil, err
	}
	if err := l.finish(ctx, m); err != nil {
		return nil, err
	}
	l.index(m)
	return m, nil
}

// Update changes alt, caption or credit (recorded in the audit log).
func (l *Library) Update(ctx context.Context, actor *models.User, id string, in Patch) (*models.Media, error) {
	// Fields left out are checked as a valid stand-in; only those sent
	// can be wrong.
	t := texts{Alt: "-"}
	for _, p := range []struct{ dst, v *string }{{&t.Alt, in.Alt}, {&t.Caption, in.Caption}, {&t.Credit, in.Credit}} {
		if p.v != nil {
			*p.dst = *p.v
		}
	}
	f := models.Fields(&t)
	if len(f) > 0 {
		return nil, models.Invalid("the change is not valid", f)
	}
	m, err := l.load(ctx, id)
	if err != nil {
		return nil, err
	}
	changes := map[string]string{}
	set := func(name string, dst *string, v *string) {
		if v != nil && strings.TrimSpace(*v) != *dst {
			*dst = strings.TrimSpace(*v)
			changes[name] = *dst
		}
	}
	set("alt", &m.Alt, in.Alt)
	set("caption", &m.Caption, in.Caption)
	set("credit", &m.Credit, in.Credit)
	if len(changes) == 0 {
		return m, nil
	}
	m.UpdatedAt = l.now()
	m.PendingAudit = l.event(actor, models.ActionMediaUpdate, m.ID, changes)
	if err := l.store.PutMedia(ctx, m); err != nil {
		return nil, err
	}
	if err := l.finish(ctx, m); err != nil {
		return nil, err
	}
	l.index(m)
	return m, nil
}

// Use is an article that uses an image.
type Use struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Slug  string `json:"slug"`
}

// Delete removes an image no article uses (its working copy or its live
// version); otherwise ErrConflict naming the articles. While the check
// runs, the image cannot be newly referenced on this instance.
func (l *Library) Delete(ctx context.Context, actor *models.User, id string) error {
	m, err := l.load(ctx, id)
	if err != nil {
		return err
	}
	l.mu.Lock()
	l.deleting[id] = true
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		delete(l.deleting, id)
		l.mu.Unlock()
	}()
	uses, err := l.Uses(ctx, m)
	if err != nil {
		return err
	}
	if len(uses) > 0 {
		names := make([]string, len(uses))
		for i, u := range uses {
			names[i] = fmt.Sprintf("%q (%s)", u.Title, u.ID)
		}
		return &models.Error{Err: models.ErrConflict, Current: map[string]any{"usedBy": uses},
			Message: "the image is used by " + strings.Join(names, ", ") + "; remove it from those articles first"}
	}
	m.Deleted = true
	m.UpdatedAt = l.now()
	m.PendingAudit = l.event(actor, models.ActionMediaDelete, m.ID, map[string]string{"hash": m.Hash, "alt": m.Alt})
	if err := l.store.PutMedia(ctx, m); err != nil {
		return err
	}
	return l.finish(ctx, m)
}

// finish appends a record's pending audit event and completes the change
// (clears the outbox, or removes a deleted record and its blobs).
func (l *Library) finish(ctx context.Context, m *models.Media) error {
	ev := *m.PendingAudit
	if err := l.log.Append(ctx, &ev); err != nil && !errors.Is(err, models.ErrConflict) {
		return err // Load appends it at the next start
	}
	if m.Deleted {
		l.unindex(m.ID)
		if err := l.store.DeleteMedia(ctx, m.ID); err != nil {
			return err
		}
		if !l.hasHash(m.Hash) {
			for _, w := range m.Widths {
				if err := l.blobs.Delete(ctx, Key(m.Hash, w, m.Ext)); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
					slog.Warn("media: blob not removed", "key", Key(m.Hash, w, m.Ext), "err", err.Error())
				}
			}
		}
		return nil
	}
	m.PendingAudit = nil
	return l.store.PutMedia(ctx, m)
}

// load reads a live record by _id.
func (l *Library) load(ctx context.Context, id string) (*models.Media, error) {
	m, err := l.store.Media(ctx, id)
	if errors.Is(err, models.ErrNotFound) || (err == nil && m.Deleted) {
		return nil, models.Errorf(models.ErrNotFound, "no image %q in the media library", id)
	}
	return m, err
}

// Uses lists the articles whose working copy or live version shows the
// image (as hero image or inline by URL). It reads every article head by
// _id (and a live revision that differs from it): a deletion is rare and
// must not miss a use.
func (l *Library) Uses(ctx context.Context, m *models.Media) ([]Use, error) {
	var out []Use
	for _, s := range l.articles.All() {
		a, err := l.articles.Get(ctx, s.ID)
		if err != nil {
			return nil, err
		}
		used := uses(&a.Content, m)
		if !used && a.Live != nil && a.Live.Rev != a.Rev {
			for _, r := range a.Revs {
				if r.Rev != a.Live.Rev {
					continue
				}
				ev, err := l.articles.Event(ctx, r.Seq)
				if err != nil {
					return nil, err
				}
				used = ev.Data.Content != nil && uses(ev.Data.Content, m)
			}
		}
		if used {
			out = append(out, Use{ID: a.ID, Title: a.Content.Title, Slug: a.Content.Slug})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func uses(c *models.Content, m *models.Media) bool {
	if c.HeroImage != nil && (c.HeroImage.MediaID == m.ID || slices.Contains(Refs(c.HeroImage.URL), m.Hash)) {
		return true
	}
	for _, t := range c.Texts() {
		if slices.Contains(Refs(t), m.Hash) {
			return true
		}
	}
	return false
}

// Resolve fills an article's hero image from the library when it names a
// mediaId: the URL always, alt, caption and credit where the article
// leaves them empty (the article's own text wins). Inline images by
// /media/ URL must be in the library. It returns field errors.
func (l *Library) Resolve(c *models.Content) map[string]string {
	f := map[string]string{}
	if hi := c.HeroImage; hi != nil && hi.MediaID != "" {
		m, ok := l.Get(hi.MediaID)
		if !ok {
			f["heroImage.mediaId"] = "no such image in the media library"
		} else {
			hi.URL = URL(m.Hash, m.Width, m.Ext)
			if strings.TrimSpace(hi.Alt) == "" {
				hi.Alt = m.Alt
			}
			if strings.TrimSpace(hi.Caption) == "" {
				hi.Caption = m.Caption
			}
			if strings.TrimSpace(hi.Credit) == "" {
				hi.Credit = m.Credit
			}
		}
	} else if hi != nil && strings.HasPrefix(hi.URL, "/media/") {
		if refs := Refs(hi.URL); len(refs) != 1 || !l.hasHash(refs[0]) {
			f["heroImage.url"] = "not an image of the media library"
		}
	}
	check := func(p, text string) {
		for _, h := range Refs(text) {
			if !l.hasHash(h) {
				f[p] = "the image /media/" + h[:12] + "… is not in the media library"
			}
		}
	}
	for i, s := range c.Sections {
		check("sections["+strconv.Itoa(i)+"].body", s.Body)
	}
	if c.ClinicianTake != nil {
		check("clinicianTake.body", c.ClinicianTake.Body)
	}
	if c.CTA != nil {
		check("cta.body", c.CTA.Body)
	}
	return f
}

// ListQuery pages the library; Q searches alt, caption, credit and file name.
type ListQuery struct {
	Q           string
	Page, Limit int
}

// List pages the in-memory index, newest first.
func (l *Library) List(q ListQuery) ([]models.Media, int) {
	needle := strings.ToLower(strings.TrimSpace(q.Q))
	l.mu.RLock()
	var hits []models.Media
	for id, m := range l.byID {
		if l.deleting[id] {
			continue
		}
		if needle != "" && !strings.Contains(strings.ToLower(m.Alt+"\n"+m.Caption+"\n"+m.Credit+"\n"+m.Filename), needle) {
			continue
		}
		hits = append(hits, *m)
	}
	l.mu.RUnlock()
	sort.Slice(hits, func(i, j int) bool {
		if !hits[i].CreatedAt.Equal(hits[j].CreatedAt) {
			return hits[i].CreatedAt.After(hits[j].CreatedAt)
		}
		return hits[i].ID > hits[j].ID
	})
	total := len(hits)
	from := min((q.Page-1)*q.Limit, total)
	to := min(from+q.Limit, total)
	return hits[from:to], total
}

// Open returns a reader of one served rendition; ErrNotFound when the
// path names nothing or the blob is missing.
func (l *Library) Open(ctx context.Context, hash, file string) (*blob.Reader, error) {
	if _, ok := ParseFile(hash, file); !ok {
		return nil, models.Errorf(models.ErrNotFound, "no such media file")
	}
	r, err := l.blobs.NewReader(ctx, hash+"/"+file, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, models.Errorf(models.ErrNotFound, "no such media file")
	}
	return r, err
}

func (l *Library) event(actor *models.User, action, subject string, changes map[string]string) *models.Event {
	ev := &models.Event{Key: "x:" + randID("e"), At: l.now(), Action: action, Subject: subject, Data: models.EventData{Changes: changes}}
	if actor != nil {
		ev.Actor, ev.ActorName = actor.ID, actor.Name
	}
	return ev
}

func randID(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return prefix + "_" + hex.EncodeToString(b)
}

func cleanName(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	if name == "." || name == "/" {
		return ""
	}
	if utf8.RuneCountInString(name) > 200 {
		name = string([]rune(name)[:200])
	}
	return name
}
