import { createContext, useCallback, useContext, useEffect, useMemo, useReducer, useRef, useState, type ReactNode } from 'react';
import { api, ApiError, errorMessage, qs, request } from '../lib/api';
import { Link } from '../lib/router';
import { useSession } from '../session';
import type { Article, ArticleSummary, Content, ListResponse } from '../lib/types';
import { contentEqual, contentOf, counter, localWarnings, move, parseTopics, toPayload, SEO_DESCRIPTION_MAX, SEO_TITLE_MAX, isArticle } from '../lib/content';
import { initialSaveState, isEditable, saveReducer, saveStatus, shouldSave } from '../lib/autosave';
import { errorFor, fieldId, focusTargetFor, type FieldErrors } from '../lib/fields';
import { nextSlug } from '../lib/slugify';
import { storeDraft, loadDraft, clearDraft, shouldRestore, tabId } from '../lib/draftStore';
import { LazyRichText as RichText } from '../components/LazyRichText';
import { pickImage } from '../components/MediaPicker';
import { clinicianChoices, personLabel, useClinicians, useUsers } from '../lib/people';
import { useChangesRequested } from '../lib/changes';
import { diffContent } from '../lib/diff';
import { approvalSignature, mayAnywhere, mayCall, mayOnArticle } from '../lib/actions';
import { Alert, DiffView, Spinner, StatusBadge, Time } from '../components/ui';
import { NextStepBar, PreviewOnSite } from '../components/NextStepBar';
import { CommentList, FieldComments, NewComment, mayComment, useComments } from '../components/Comments';
import { fieldLabel, nextStep, requiredPaths } from '../lib/nextStep';
import { sourceQuote, type Anchor, type ArticleComment } from '../lib/comments';
import { useRelated } from '../lib/related';
import { Dialog } from '../components/Dialog';
import { ActionsPanel } from '../components/ActionsPanel';
import { ArticleTabs, LiveVsDraft } from '../components/ArticleChrome';
import { HeroImageChooser } from '../components/HeroImageChooser';

const AUTOSAVE_MS = 1000;

/** What every Field shows beside itself: open comments on it, and whether submission needs it. */
const FieldContext = createContext<{
  comments: ArticleComment[] | null;
  required: Set<string>;
  readOnly: boolean;
  /** For a rich-text field's onSelectionComment: starts a comment on the selected text of that field (undefined: may not comment). */
  commentOn?: (path: string) => (quote: string) => void;
}>({ comments: null, required: new Set(), readOnly: false });

export function EditorScreen({ id }: { id: string | null }) {
  const [loaded, setLoaded] = useState<Article | null | undefined>(id ? undefined : null);
  const [loadError, setLoadError] = useState('');
  useEffect(() => {
    if (!id) return;
    let cancel = false;
    api
      .get<Article>(`/articles/${id}`)
      .then((a) => !cancel && setLoaded(a))
      .catch((e) => !cancel && setLoadError(errorMessage(e)));
    return () => {
      cancel = true;
    };
  }, [id]);
  if (loadError) return <div className="page"><Alert kind="error">{loadError}</Alert></div>;
  if (loaded === undefined) return <div className="page"><Spinner /></div>;
  return <Editor initial={loaded} />;
}

/** Every path that has an input, for error placement. */
function knownPaths(c: Content): string[] {
  const p = ['title', 'slug', 'summary', 'keyTakeaways', 'sections', 'clinicianTake.body', 'clinicianTake.clinician', 'heroImage.url', 'heroImage.alt', 'heroImage.caption', 'heroImage.credit', 'topics', 'related', 'cta.heading', 'cta.body', 'cta.label', 'cta.url', 'seo.title', 'seo.description', 'seo.canonicalUrl'];
  c.keyTakeaways.forEach((_, i) => p.push(`keyTakeaways[${i}]`));
  c.sections.forEach((_, i) => p.push(`sections[${i}].heading`, `sections[${i}].body`));
  return p;
}

function Editor({ initial }: { initial: Article | null }) {
  const { user } = useSession();
  const [s, dispatch] = useReducer(saveReducer, initial, (a) => initialSaveState(a));
  const [restoredAt, setRestoredAt] = useState<string | null>(null);
  const [actionErrors, setActionErrors] = useState<FieldErrors>({});
  const [conflictOpen, setConflictOpen] = useState(false);
  const stateRef = useRef(s);
  stateRef.current = s;
  const article = s.base;
  const articleId = article?.id ?? null;
  const c = s.draft;
  const editable = !article || isEditable(article.status);
  const canEdit = mayOnArticle(user, article, article ? 'edit' : 'create');

  // Unsaved work from before a sign-out/reload: restore it (its base version
  // makes the next save meet a 409 if the article moved on meanwhile).
  useEffect(() => {
    const stored = loadDraft(initial?.id ?? null);
    if (!stored || !shouldRestore(stored, tabId(), Date.now())) return;
    const server = contentOf(initial);
    if (contentEqual(stored.draft, server) && (!initial || stored.baseVersion === initial.version)) {
      clearDraft(initial?.id ?? null);
      return;
    }
    dispatch({ type: 'restore', draft: contentOf(stored.draft), baseVersion: stored.baseVersion });
    setRestoredAt(stored.savedAt);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // Keep unsaved work in localStorage until the server has it.
  useEffect(() => {
    if (s.dirty || s.conflict) storeDraft(articleId, s.draft, s.baseVersion);
    else if (!s.saving) {
      clearDraft(articleId);
      if (articleId) clearDraft(null);
    }
  }, [s.draft, s.dirty, s.saving, s.conflict, s.baseVersion, articleId]);

  const save = useCallback(async () => {
    const st = stateRef.current;
    if (!shouldSave(st)) return;
    dispatch({ type: 'saveStart' });
    const payload = toPayload(st.draft);
    try {
      if (!st.base) {
        const r = await request<Article>('/articles', { method: 'POST', body: payload });
        dispatch({ type: 'saveSuccess', article: r.data, at: new Date().toISOString() });
        clearDraft(null);
        history.replaceState(null, '', `/admin/articles/${r.data.id}`);
      } else {
        const r = await request<Article>(`/articles/${st.base.id}`, {
          method: 'PUT',
          body: payload,
          headers: { 'If-Match': `"${st.baseVersion ?? st.base.version}"` },
        });
        dispatch({ type: 'saveSuccess', article: r.data, at: new Date().toISOString() });
      }
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && !isArticle(e.body?.current) && Object.keys(e.fields).length) {
        // e.g. the slug is used by another article: a field problem, not a version conflict.
        dispatch({ type: 'saveInvalid', message: e.message, fields: e.fields });
      } else if (e instanceof ApiError && e.status === 409) {
        let current = e.body?.current;
        if (!isArticle(current) && st.base) {
          try {
            current = await api.get<Article>(`/articles/${st.base.id}`);
          } catch {
            current = null;
          }
        }
        if (isArticle(current) && current.version !== (st.baseVersion ?? st.base?.version)) {
          dispatch({ type: 'saveConflict', current });
          setConflictOpen(true);
        } else dispatch({ type: 'saveError', message: e.message });
      } else if (e instanceof ApiError && e.status === 400 && Object.keys(e.fields).length) {
        dispatch({ type: 'saveInvalid', message: 'fix the fields marked below', fields: e.fields });
      } else if (e instanceof ApiError && e.status === 401) {
        // Session expired: the draft is in localStorage; App shows sign-in.
        dispatch({ type: 'saveError', message: 'signed out' });
      } else {
        dispatch({ type: 'saveError', message: errorMessage(e) });
      }
    }
  }, []);

  // Debounced autosave.
  useEffect(() => {
    if (!shouldSave(s)) return;
    const t = setTimeout(save, AUTOSAVE_MS);
    return () => clearTimeout(t);
  }, [s, save]);

  // Save before leaving the page when possible.
  useEffect(() => {
    const h = (e: BeforeUnloadEvent) => {
      if (stateRef.current.dirty || stateRef.current.saving) {
        storeDraft(stateRef.current.base?.id ?? null, stateRef.current.draft, stateRef.current.baseVersion);
        e.preventDefault();
      }
    };
    window.addEventListener('beforeunload', h);
    return () => window.removeEventListener('beforeunload', h);
  }, []);

  const edit = (patch: Partial<Content>) => {
    setActionErrors({});
    dispatch({ type: 'edit', draft: { ...stateRef.current.draft, ...patch } });
  };

  const errors: FieldErrors = useMemo(() => ({ ...localWarnings(c), ...actionErrors, ...s.fieldErrors }), [c, actionErrors, s.fieldErrors]);
  const known = knownPaths(c);
  const status = saveStatus(s);
  const readOnly = !editable || !canEdit;
  const { comments, put: putComment, reload: reloadComments } = useComments(articleId);
  // After a save, comments are re-anchored on the server: a rewritten passage shows as changed.
  useEffect(() => {
    if (s.lastSavedAt) void reloadComments();
  }, [s.lastSavedAt, reloadComments]);
  const openComments = (comments ?? []).filter((x) => !x.resolved).length;
  const pending = s.conflict ? 'conflict' : s.saving ? 'saving' : s.error ? 'error' : s.dirty ? 'unsaved' : null;
  const step = nextStep({ article, content: c, user, pending, openComments });
  // Marked before the first attempt: only where the user may submit and the content can change.
  const required = useMemo(
    () => (article?.status === 'draft' && !readOnly && mayOnArticle(user, article, 'submit') ? requiredPaths(c) : new Set<string>()),
    [article, readOnly, user, c],
  );
  const canCommentAnywhere = !!article && !readOnly && mayComment(user, article);
  const fieldCtx = useMemo(
    () => ({
      comments,
      required,
      readOnly,
      commentOn: canCommentAnywhere
        ? (path: string) => (quote: string) => {
            setSelected({ path, quote: quote.slice(0, 1000) });
            setComposing(true);
          }
        : undefined,
    }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [comments, required, readOnly, canCommentAnywhere],
  );
  const [selected, setSelected] = useState<Anchor | null>(null);
  const [composing, setComposing] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  // Selecting text needs fields that can be selected (a read-only view comments on the Review tab).
  const canComment = !!article && !readOnly && mayComment(user, article);
  // A selection in a text field is a passage to comment on.
  useEffect(() => {
    const form = formRef.current;
    if (!form || !canComment) return;
    const onSelect = (e: Event) => {
      const el = e.target as HTMLInputElement | HTMLTextAreaElement;
      const path = el.dataset?.path;
      if (!path || el.selectionStart === null || el.selectionEnd === null) return;
      // Typing over a selection or clicking elsewhere in the field ends it.
      if (el.selectionStart === el.selectionEnd) return setSelected(null);
      const quote = sourceQuote(el.value, el.value.slice(el.selectionStart, el.selectionEnd));
      setSelected(quote ? { path, quote: quote.slice(0, 1000) } : null);
    };
    // Not 'input': a state update inside it re-renders before React reads the
    // controlled field's new value, which would undo the keystroke.
    const events = ['select', 'keyup', 'mouseup'];
    for (const ev of events) form.addEventListener(ev, onSelect);
    return () => {
      for (const ev of events) form.removeEventListener(ev, onSelect);
    };
  }, [canComment]);

  const onTransition = (a: Article) => {
    dispatch({ type: 'serverUpdate', article: a });
  };

  const fieldProps = (path: string) => {
    const err = errorFor(errors, path);
    return {
      id: fieldId(path),
      'data-path': path,
      'aria-invalid': err ? true : undefined,
      'aria-required': required.has(path) ? true : undefined,
      'aria-describedby': err ? fieldId(path) + '-err' : undefined,
    } as const;
  };

  // A rich-text field: its id (error links focus it), invalid state and error text.
  // Selecting text in it offers a comment on that passage, quoted as stored
  // (the Markdown behind what the writer sees: sourceQuote).
  const richProps = (path: string, markdown: string) => {
    const err = errorFor(errors, path);
    const commentOn = fieldCtx.commentOn?.(path);
    return {
      id: fieldId(path),
      invalid: !!err,
      describedBy: err ? fieldId(path) + '-err' : undefined,
      readOnly,
      onSelectionComment: commentOn ? (q: string) => commentOn(sourceQuote(markdown, q) ?? q) : undefined,
    };
  };

  return (
    <div className="page editor-page">
      <div className="page-head">
        <div>
          <p className="crumbs">
            <Link to="/articles">Articles</Link> ›
          </p>
          <h1>{article ? c.title || article.slug || 'Untitled' : 'New article'}</h1>
          {article ? (
            <p className="muted">
              by {article.authorName || 'unknown'} · updated <Time value={article.updatedAt} />
            </p>
          ) : null}
        </div>
      </div>
      {article ? <ArticleTabs id={article.id} current="edit" /> : null}
      <NextStepBar article={article} step={step} save={canEdit ? status : undefined}>
        {article ? <PreviewOnSite article={article} /> : null}
        {canComment && selected ? (
          <button type="button" className="btn btn-small btn-primary" onClick={() => setComposing(true)} data-testid="comment-selection">
            Comment on selected text
          </button>
        ) : null}
        {article ? (
          <a className="btn btn-small only-narrow" href="#editor-side">
            Workflow ↓
          </a>
        ) : null}
      </NextStepBar>
      {composing && selected && article ? (
        <div className="card">
          <NewComment
            articleId={article.id}
            anchor={selected}
            onCancel={() => setComposing(false)}
            onPosted={(x) => {
              putComment(x);
              setComposing(false);
              setSelected(null);
            }}
          />
        </div>
      ) : null}

      {article ? <ChangesRequestedBanner article={article} /> : null}
      {restoredAt ? (
        <Alert kind="warn">
          Restored your unsaved changes from <Time value={restoredAt} />.{' '}
          <button
            type="button"
            className="btn-link"
            onClick={() => {
              clearDraft(articleId, localStorage, true);
              if (article) dispatch({ type: 'load', article });
              setRestoredAt(null);
            }}
          >
            Discard them
          </button>
        </Alert>
      ) : null}
      {s.conflict ? (
        <Alert kind="error">
          Your changes are not saved: this article was changed elsewhere.{' '}
          <button type="button" className="btn-link" onClick={() => setConflictOpen(true)}>
            Review the conflict
          </button>
        </Alert>
      ) : null}
      {article && article.status === 'in_review' ? (
        mayOnArticle(user, article, 'withdraw') ? (
          <Alert kind="info">This article is in clinical review, so its content is frozen. Withdraw it to edit.</Alert>
        ) : (
          <Alert kind="info">
            This article is in clinical review, so its content is frozen.
            {mayOnArticle(user, article, 'approve') ? (
              <>
                {' '}
                <Link to={`/articles/${article.id}/review`}>Open the review</Link> to comment and decide.
              </>
            ) : null}
          </Alert>
        )
      ) : null}
      {article && article.status === 'archived' ? <Alert kind="info">This article is archived and cannot be edited.</Alert> : null}
      {article && article.status === 'approved' && canEdit ? (
        <Alert kind="warn">This article is approved. Editing it voids the approval and returns it to draft.</Alert>
      ) : null}
      {article && article.live && editable && canEdit ? (
        <Alert kind="info">The live version stays live, unchanged, while you edit. Your edits become a new working draft that needs a new sign-off.</Alert>
      ) : null}
      {!canEdit && article?.status !== 'in_review' ? <Alert kind="info">You can read this article but not edit it.</Alert> : null}

      <ErrorSummary errors={errors} known={known} />

      <FieldContext.Provider value={fieldCtx}>
      <div className="editor-grid">
        <form className="editor-form" onSubmit={(e) => e.preventDefault()} aria-label="Article content" ref={formRef}>
          <fieldset disabled={readOnly} className="plain">
            <legend className="sr-only">Content</legend>
            <Field path="title" label="Title" errors={errors}>
              <input
                {...fieldProps('title')}
                value={c.title}
                onChange={(e) =>
                  edit({ title: e.target.value, slug: nextSlug(c.title, e.target.value, c.slug, !!article?.live) })
                }
              />
            </Field>
            <Field path="slug" label="Slug" errors={errors} hint="Lowercase words with hyphens; filled from the title until you change it.">
              <input {...fieldProps('slug')} className="mono" value={c.slug} onChange={(e) => edit({ slug: e.target.value })} />
            </Field>
            <Field path="summary" label="Summary" errors={errors}>
              <textarea {...fieldProps('summary')} rows={3} value={c.summary} onChange={(e) => edit({ summary: e.target.value })} />
            </Field>

            <ListEditor
              title="Key takeaways"
              path="keyTakeaways"
              errors={errors}
              items={c.keyTakeaways}
              max={7}
              itemLabel={(i) => `Key takeaway ${i + 1}`}
              addLabel="Add key takeaway"
              onChange={(keyTakeaways) => edit({ keyTakeaways })}
              blank={() => ''}
              render={(t, i, set) => (
                <Field path={`keyTakeaways[${i}]`} label={`Key takeaway ${i + 1}`} errors={errors}>
                  <input {...fieldProps(`keyTakeaways[${i}]`)} value={t} onChange={(e) => set(e.target.value)} />
                </Field>
              )}
            />

            <ListEditor
              title="Sections"
              path="sections"
              errors={errors}
              items={c.sections}
              max={50}
              itemLabel={(i) => `Section ${i + 1}`}
              addLabel="Add section"
              onChange={(sections) => edit({ sections })}
              blank={() => ({ heading: '', body: '' })}
              render={(sec, i, set) => (
                <div className="section-edit">
                  <Field
                    path={`sections[${i}].heading`}
                    label={`Section ${i + 1} heading`}
                    errors={errors}
                    hint={i === 0 ? 'May stay empty: a first section without a heading is the intro.' : undefined}
                  >
                    <input {...fieldProps(`sections[${i}].heading`)} value={sec.heading} onChange={(e) => set({ ...sec, heading: e.target.value })} />
                  </Field>
                  <Field path={`sections[${i}].body`} label={`Section ${i + 1} body`} errors={errors}>
                    <RichText {...richProps(`sections[${i}].body`, sec.body)} onPickImage={pickImage} label={`Section ${i + 1} body`} rows={8} value={sec.body} onChange={(body) => set({ ...sec, body })} />
                  </Field>
                </div>
              )}
            />

            <fieldset className="group">
              <legend>Clinician's take</legend>
              <p className="hint">The words of one named clinician. Readers see them, attributed to that clinician, only once that clinician has signed exactly this text.</p>
              <TakeClinicianField
                value={c.clinicianTake.clinician}
                article={article}
                errors={errors}
                onChange={(clinician) => edit({ clinicianTake: { ...c.clinicianTake, clinician } })}
              />
              <Field path="clinicianTake.body" label="Clinician's take" errors={errors}>
                <RichText {...richProps('clinicianTake.body', c.clinicianTake.body)} label="Clinician's take" rows={5} value={c.clinicianTake.body} onChange={(body) => edit({ clinicianTake: { ...stateRef.current.draft.clinicianTake, body } })} />
              </Field>
            </fieldset>

            <fieldset className="group">
              <legend>Hero image</legend>
              <HeroImageChooser value={c.heroImage} onChange={(heroImage) => edit({ heroImage })}>
                <Field path="heroImage.url" label="Image URL" errors={errors}>
                  <input {...fieldProps('heroImage.url')} type="url" value={c.heroImage.url} onChange={(e) => edit({ heroImage: { ...c.heroImage, url: e.target.value } })} />
                </Field>
              </HeroImageChooser>
              <Field
                path="heroImage.alt"
                label={'Alt text' + (c.heroImage.url ? ' (required)' : '')}
                errors={errors}
                hint={c.heroImage.mediaId ? 'Filled from the library; change it here for this article only. It is part of what the clinician signs.' : 'Describe the image for people who cannot see it.'}
              >
                <input {...fieldProps('heroImage.alt')} required={!!c.heroImage.url} value={c.heroImage.alt} onChange={(e) => edit({ heroImage: { ...c.heroImage, alt: e.target.value } })} />
              </Field>
              <div className="row2">
                <Field path="heroImage.caption" label="Caption" errors={errors}>
                  <input {...fieldProps('heroImage.caption')} value={c.heroImage.caption} onChange={(e) => edit({ heroImage: { ...c.heroImage, caption: e.target.value } })} />
                </Field>
                <Field path="heroImage.credit" label="Credit" errors={errors} hint="Photographer or source, as printed.">
                  <input {...fieldProps('heroImage.credit')} value={c.heroImage.credit} onChange={(e) => edit({ heroImage: { ...c.heroImage, credit: e.target.value } })} />
                </Field>
              </div>
            </fieldset>

            <TopicsField topics={c.topics} errors={errors} onChange={(topics) => edit({ topics })} />
            <RelatedField related={c.related} ownSlug={c.slug} ownId={articleId} errors={errors} onChange={(related) => edit({ related })} />

            <fieldset className="group">
              <legend>Call to action</legend>
              <Field path="cta.heading" label="CTA heading" errors={errors}>
                <input {...fieldProps('cta.heading')} value={c.cta.heading} onChange={(e) => edit({ cta: { ...c.cta, heading: e.target.value } })} />
              </Field>
              <Field path="cta.body" label="CTA text" errors={errors}>
                <RichText {...richProps('cta.body', c.cta.body)} label="CTA text" rows={3} value={c.cta.body} onChange={(body) => edit({ cta: { ...stateRef.current.draft.cta, body } })} />
              </Field>
              <div className="row2">
                <Field path="cta.label" label="Button label" errors={errors}>
                  <input {...fieldProps('cta.label')} value={c.cta.label} onChange={(e) => edit({ cta: { ...c.cta, label: e.target.value } })} />
                </Field>
                <Field path="cta.url" label="Button URL" errors={errors}>
                  <input {...fieldProps('cta.url')} type="url" value={c.cta.url} onChange={(e) => edit({ cta: { ...c.cta, url: e.target.value } })} />
                </Field>
              </div>
            </fieldset>

            <fieldset className="group">
              <legend>Search engines</legend>
              <Field path="seo.title" label="SEO title" errors={errors} counter={counter(c.seo.title, SEO_TITLE_MAX)}>
                <input {...fieldProps('seo.title')} value={c.seo.title} onChange={(e) => edit({ seo: { ...c.seo, title: e.target.value } })} />
              </Field>
              <Field path="seo.description" label="SEO description" errors={errors} counter={counter(c.seo.description, SEO_DESCRIPTION_MAX)}>
                <textarea {...fieldProps('seo.description')} rows={3} value={c.seo.description} onChange={(e) => edit({ seo: { ...c.seo, description: e.target.value } })} />
              </Field>
              <Field path="seo.canonicalUrl" label="Canonical URL" errors={errors}>
                <input {...fieldProps('seo.canonicalUrl')} type="url" value={c.seo.canonicalUrl} onChange={(e) => edit({ seo: { ...c.seo, canonicalUrl: e.target.value } })} />
              </Field>
            </fieldset>
          </fieldset>
        </form>

        <aside className="editor-side" id="editor-side" aria-label="Article status and actions">
          {article ? (
            <>
              <LiveVsDraft article={article} plain={!mayAnywhere(user, 'approve') && !mayAnywhere(user, 'publish')} />
              <ActionsPanel
                article={article}
                onUpdated={onTransition}
                blockedReason={s.dirty || s.saving ? 'Wait until your changes are saved.' : s.conflict ? 'Resolve the conflict first.' : undefined}
                onFieldErrors={(e) => setActionErrors(e.fields)}
              />
              {mayOnArticle(user, article, 'approve') && article.status === 'in_review' ? (
                <p>
                  <Link className="btn" to={`/articles/${article.id}/review`}>
                    Open the review
                  </Link>
                </p>
              ) : null}
              {comments && comments.length ? (
                <section className="card" aria-labelledby="ed-comments-h">
                  <h2 id="ed-comments-h">
                    Comments <span className="count-pill">{openComments}</span>
                  </h2>
                  <CommentList articleId={article.id} content={c} comments={comments} user={user} onChanged={putComment} />
                </section>
              ) : null}
            </>
          ) : (
            <section className="card">
              <h2>New draft</h2>
              <p className="muted">The draft is created as soon as it has a title; after that it saves automatically.</p>
            </section>
          )}
        </aside>
      </div>
      </FieldContext.Provider>

      {s.conflict && conflictOpen ? (
        <ConflictDialog
          base={article}
          current={s.conflict.current}
          mine={s.draft}
          onClose={() => setConflictOpen(false)}
          onKeepMine={() => {
            dispatch({ type: 'keepMine' });
            setConflictOpen(false);
          }}
          onTakeTheirs={() => {
            dispatch({ type: 'takeTheirs' });
            clearDraft(articleId);
            setConflictOpen(false);
          }}
        />
      ) : null}
    </div>
  );
}

function Field({
  path,
  label,
  errors,
  hint,
  counter: ctr,
  children,
}: {
  path: string;
  label: string;
  errors: FieldErrors;
  hint?: string;
  counter?: { text: string; over: boolean };
  children: ReactNode;
}) {
  const err = errorFor(errors, path);
  const id = fieldId(path);
  const { comments, required } = useContext(FieldContext);
  return (
    <div className={'field' + (err ? ' has-error' : '')}>
      <div className="label-row">
        <label htmlFor={id}>{label}</label>
        {required.has(path) ? <span className="req-mark">needed for review</span> : null}
        {ctr ? (
          <span className={'counter' + (ctr.over ? ' over' : '')} aria-live="polite" id={id + '-count'}>
            {ctr.text}
            {ctr.over ? ' — too long' : ''}
          </span>
        ) : null}
      </div>
      {hint ? <p className="hint">{hint}</p> : null}
      {children}
      {err ? (
        <p className="field-error" id={id + '-err'}>
          {err}
        </p>
      ) : null}
      <FieldComments path={path} comments={comments} />
    </div>
  );
}

function ListEditor<T>({
  title,
  path,
  errors,
  items,
  max,
  itemLabel,
  addLabel,
  onChange,
  blank,
  render,
}: {
  title: string;
  path: string;
  errors: FieldErrors;
  items: T[];
  max: number;
  itemLabel: (i: number) => string;
  addLabel: string;
  onChange: (items: T[]) => void;
  blank: () => T;
  render: (item: T, i: number, set: (v: T) => void) => ReactNode;
}) {
  const err = errorFor(errors, path);
  const { readOnly, required } = useContext(FieldContext);
  const focusLater = (id: string) => requestAnimationFrame(() => document.getElementById(id)?.focus());
  return (
    <fieldset className="group" id={fieldId(path)} tabIndex={-1}>
      <legend>
        {title} <span className="muted small">({items.length}/{max})</span> {required.has(path) ? <span className="req-mark">at least one needed for review</span> : null}
      </legend>
      {err ? <p className="field-error">{err}</p> : null}
      <ol className="list-editor">
        {items.map((item, i) => (
          <li key={i} className="list-item">
            {render(item, i, (v) => onChange(items.map((x, j) => (j === i ? v : x))))}
            {readOnly ? null : (
            <div className="item-tools">
              <button
                type="button"
                className="btn-small"
                id={`${fieldId(path)}-${i}-up`}
                disabled={i === 0}
                aria-label={`Move ${itemLabel(i)} up`}
                onClick={() => {
                  onChange(move(items, i, i - 1));
                  focusLater(`${fieldId(path)}-${i - 1}-up`);
                }}
              >
                ↑ Up
              </button>
              <button
                type="button"
                className="btn-small"
                id={`${fieldId(path)}-${i}-down`}
                disabled={i === items.length - 1}
                aria-label={`Move ${itemLabel(i)} down`}
                onClick={() => {
                  onChange(move(items, i, i + 1));
                  focusLater(`${fieldId(path)}-${i + 1}-down`);
                }}
              >
                ↓ Down
              </button>
              <button
                type="button"
                className="btn-small btn-danger-text"
                aria-label={`Remove ${itemLabel(i)}`}
                onClick={() => {
                  onChange(items.filter((_, j) => j !== i));
                  focusLater(`${fieldId(path)}-add`);
                }}
              >
                Remove
              </button>
            </div>
            )}
          </li>
        ))}
      </ol>
      {readOnly ? null : (
      <button
        type="button"
        className="btn"
        id={`${fieldId(path)}-add`}
        disabled={items.length >= max}
        onClick={() => {
          onChange([...items, blank()]);
          requestAnimationFrame(() => {
            const el = document.querySelector<HTMLElement>(`#${fieldId(path)} > ol > li:last-child input, #${fieldId(path)} > ol > li:last-child textarea`);
            el?.focus();
          });
        }}
      >
        {addLabel}
      </button>
      )}
    </fieldset>
  );
}

/** The reviewer's requested changes, at the top of the editor until the article is resubmitted. */
function ChangesRequestedBanner({ article }: { article: Article }) {
  const cr = useChangesRequested(article);
  if (!cr) return null;
  return (
    <section className="alert alert-warn changes-requested" role="status" aria-labelledby="cr-h">
      <h2 id="cr-h" className="h-small">
        Changes requested
      </h2>
      <blockquote className="cr-comment">{cr.comment}</blockquote>
      <p className="small">
        — {cr.actorName || cr.actorId}, <Time value={cr.at} />
        {cr.rev ? ` (on revision ${cr.rev})` : ''}. Make the changes, then submit for clinical review again.
      </p>
    </section>
  );
}

/** The clinician whose words the take is: picked from the clinical reviewers this session can name. */
function TakeClinicianField({ value, article, errors, onChange }: { value: string; article: Article | null; errors: FieldErrors; onChange: (id: string) => void }) {
  const { user } = useSession();
  const users = useUsers(mayCall(user, 'GET /api/admin/users'));
  const listed = useClinicians();
  const choices = clinicianChoices(users, article ? [approvalSignature(article), article.live?.signature, ...(article.takeSignatures ?? [])] : [], user, listed);
  const known = !value || choices.some((p) => p.id === value);
  const err = errorFor(errors, 'clinicianTake.clinician');
  const id = fieldId('clinicianTake.clinician');
  return (
    <div className={'field' + (err ? ' has-error' : '')}>
      <label htmlFor={id}>Whose words (clinician)</label>
      <p className="hint" id={id + '-hint'}>
        {choices.length ? 'A clinical reviewer. Changing the words needs their signature again.' : 'No clinical reviewers can be listed for you: ask an administrator, or enter the clinician’s user id.'}
      </p>
      {choices.length ? (
        <select id={id} value={value} aria-invalid={err ? true : undefined} aria-describedby={id + '-hint' + (err ? ` ${id}-err` : '')} onChange={(e) => onChange(e.target.value)}>
          <option value="">— Choose the clinician —</option>
          {choices.map((p) => (
            <option key={p.id} value={p.id}>
              {personLabel(p)}
            </option>
          ))}
          {!known ? <option value={value}>user {value}</option> : null}
        </select>
      ) : (
        <input id={id} className="mono" value={value} aria-invalid={err ? true : undefined} aria-describedby={id + '-hint' + (err ? ` ${id}-err` : '')} onChange={(e) => onChange(e.target.value.trim())} />
      )}
      {err ? (
        <p className="field-error" id={id + '-err'}>
          {err}
        </p>
      ) : null}
    </div>
  );
}

function TopicsField({ topics, errors, onChange }: { topics: string[]; errors: FieldErrors; onChange: (t: string[]) => void }) {
  const [text, setText] = useState('');
  const add = () => {
    const parts = parseTopics(text).filter((t) => !topics.includes(t));
    if (parts.length) onChange([...topics, ...parts]);
    setText('');
  };
  const err = errorFor(errors, 'topics');
  const { readOnly } = useContext(FieldContext);
  if (readOnly)
    return (
      <fieldset className="group">
        <legend>Topics</legend>
        <p>{topics.length ? topics.join(', ') : <span className="muted">None</span>}</p>
      </fieldset>
    );
  return (
    <fieldset className="group">
      <legend>Topics</legend>
      {topics.length ? (
        <ul className="chips" aria-label="Selected topics">
          {topics.map((t) => (
            <li key={t} className="chip">
              {t}
              <button type="button" className="chip-x" aria-label={`Remove topic ${t}`} onClick={() => onChange(topics.filter((x) => x !== t))}>
                ×
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <div className="inline-add">
        <label htmlFor={fieldId('topics')}>Add topic</label>
        <input
          id={fieldId('topics')}
          value={text}
          aria-invalid={err ? true : undefined}
          aria-describedby={err ? fieldId('topics') + '-err' : undefined}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' || e.key === ',') {
              e.preventDefault();
              add();
            }
          }}
        />
        <button type="button" className="btn" onClick={add} disabled={!text.trim()}>
          Add
        </button>
      </div>
      {err ? (
        <p className="field-error" id={fieldId('topics') + '-err'}>
          {err}
        </p>
      ) : null}
    </fieldset>
  );
}

function RelatedField({
  related,
  ownSlug,
  ownId,
  errors,
  onChange,
}: {
  related: string[];
  ownSlug: string;
  ownId: string | null;
  errors: FieldErrors;
  onChange: (r: string[]) => void;
}) {
  const [q, setQ] = useState('');
  const [results, setResults] = useState<ArticleSummary[]>([]);
  const [searching, setSearching] = useState(false);
  useEffect(() => {
    if (!q.trim()) {
      setResults([]);
      return;
    }
    let cancel = false;
    setSearching(true);
    const t = setTimeout(async () => {
      try {
        const r = await api.get<ListResponse<ArticleSummary>>('/articles' + qs({ q, limit: 8 }));
        if (!cancel) setResults((r.items ?? []).filter((a) => a.id !== ownId && a.slug !== ownSlug));
      } catch {
        if (!cancel) setResults([]);
      } finally {
        if (!cancel) setSearching(false);
      }
    }, 250);
    return () => {
      cancel = true;
      clearTimeout(t);
    };
  }, [q, ownId, ownSlug]);
  const err = errorFor(errors, 'related');
  const full = related.length >= 6;
  const info = useRelated(related);
  const { readOnly } = useContext(FieldContext);
  if (readOnly)
    return (
      <fieldset className="group">
        <legend>Related articles</legend>
        {related.length ? (
          <ul>
            {related.map((slug) => (
              <li key={slug}>
                {info[slug]?.title ?? slug}
                {info[slug] && !info[slug]!.published ? <span className="badge status-draft"> not published: readers will not see this link</span> : null}
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">None</p>
        )}
      </fieldset>
    );
  return (
    <fieldset className="group">
      <legend>
        Related articles <span className="muted small">({related.length}/6)</span>
      </legend>
      {related.length ? (
        <ol className="chips" aria-label="Picked related articles">
          {related.map((slug, i) => {
            const r = info[slug];
            return (
            <li key={slug} className="chip related-chip">
              {r ? <span>{r.title}</span> : <span className="mono">{slug}</span>}
              {r === null ? <span className="field-error"> no article has this address</span> : null}
              {r && !r.published ? <span className="badge status-draft" data-testid="related-unpublished">not published: readers will not see this link</span> : null}
              {errorFor(errors, `related[${i}]`) ? <span className="field-error"> {errorFor(errors, `related[${i}]`)}</span> : null}
              <button type="button" className="chip-x" aria-label={`Remove related article ${r?.title ?? slug}`} onClick={() => onChange(related.filter((x) => x !== slug))}>
                ×
              </button>
            </li>
            );
          })}
        </ol>
      ) : null}
      <div className="field">
        <label htmlFor={fieldId('related')}>Search articles to add</label>
        <input
          id={fieldId('related')}
          type="search"
          value={q}
          disabled={full}
          aria-invalid={err ? true : undefined}
          aria-describedby={'related-results' + (err ? ' ' + fieldId('related') + '-err' : '')}
          onChange={(e) => setQ(e.target.value)}
        />
      </div>
      {err ? (
        <p className="field-error" id={fieldId('related') + '-err'}>
          {err}
        </p>
      ) : null}
      <div id="related-results" aria-live="polite">
        {searching ? <p className="muted small">Searching…</p> : null}
        {q && !searching && !results.length ? <p className="muted small">No matches.</p> : null}
        {results.length ? (
          <ul className="search-results">
            {results.map((a) => (
              <li key={a.id}>
                <button
                  type="button"
                  className="btn-small"
                  disabled={related.includes(a.slug) || full}
                  onClick={() => {
                    onChange([...related, a.slug]);
                    setQ('');
                  }}
                >
                  Add
                  <span className="sr-only"> {a.title}</span>
                </button>{' '}
                {a.title} <StatusBadge status={a.status} />
                {!a.hasLive && a.status !== 'published' ? <span className="small muted"> not published: readers would not see the link yet</span> : null}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    </fieldset>
  );
}

function ErrorSummary({ errors, known }: { errors: FieldErrors; known: string[] }) {
  const entries = Object.entries(errors);
  if (!entries.length) return null;
  return (
    <div className="alert alert-error error-summary" role="alert" aria-labelledby="err-sum-h">
      <h2 id="err-sum-h">Please fix {entries.length === 1 ? 'this field' : `these ${entries.length} fields`}</h2>
      <ul>
        {entries.map(([path, msg]) => {
          const target = focusTargetFor(path, known);
          return (
            <li key={path}>
              {target ? (
                <a
                  href={`#${target}`}
                  onClick={(e) => {
                    e.preventDefault();
                    const el = document.getElementById(target);
                    el?.focus();
                    el?.scrollIntoView({ block: 'center' });
                  }}
                >
                  {fieldLabel(path)}
                </a>
              ) : (
                fieldLabel(path)
              )}
              : {msg}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function ConflictDialog({
  base,
  current,
  mine,
  onClose,
  onKeepMine,
  onTakeTheirs,
}: {
  base: Article | null;
  current: Article;
  mine: Content;
  onClose: () => void;
  onKeepMine: () => void;
  onTakeTheirs: () => void;
}) {
  const theirChanges = base ? diffContent(contentOf(base), contentOf(current)) : [];
  const mineVsTheirs = diffContent(contentOf(current), mine);
  const frozen = !isEditable(current.status);
  return (
    <Dialog title="This article was changed elsewhere" onClose={onClose} className="dialog-wide">
      <p>
        While you were editing, someone else saved this article (status <StatusBadge status={current.status} />, <Time value={current.updatedAt} />). Your changes
        were <strong>not</strong> saved. Choose what to keep.
      </p>
      {frozen ? <Alert kind="warn">The article is now {current.status.replace('_', ' ')}; its content cannot be edited, so your changes cannot be saved over it.</Alert> : null}
      <h3>What changed on the server</h3>
      <DiffView changes={theirChanges} emptyText="Only the version changed (for example, a workflow step)." />
      <h3>Your version compared with theirs</h3>
      <DiffView changes={mineVsTheirs} emptyText="Your content is identical to theirs." />
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onTakeTheirs}>
          Use their version (discard mine)
        </button>
        <button type="button" className="btn btn-primary" onClick={onKeepMine} disabled={frozen}>
          Keep my version (save over theirs)
        </button>
      </div>
    </Dialog>
  );
}

