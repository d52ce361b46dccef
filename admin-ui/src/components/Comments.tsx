import { useCallback, useEffect, useState, type FormEvent, type RefObject } from 'react';
import { errorMessage } from '../lib/api';
import { mayAnywhere, mayOnArticle } from '../lib/actions';
import { commentsApi, findQuote, mayEditComment, orderComments, placeLabel, sourceQuote, textFields, visibleQuote, type Anchor, type ArticleComment } from '../lib/comments';
import type { Content, User } from '../lib/types';
import { Alert, Time } from './ui';

/**
 * Whether the user may start a comment on this article: the policy's
 * "comment" article right (writers on their own, clinicians and editors on
 * any); a server without that right in /me: reviewers and editors.
 */
export function mayComment(user: Pick<User, 'id' | 'permissions'>, article: { authorId?: string } | null): boolean {
  const p = user.permissions;
  if (p && (p.ownArticles.includes('comment') || p.otherArticles.includes('comment'))) return mayOnArticle(user, article, 'comment');
  return mayAnywhere(user, 'approve') || mayAnywhere(user, 'publish');
}

/** The article's comments, loaded and kept as the server answers each change. */
export function useComments(articleId: string | null) {
  const [comments, setComments] = useState<ArticleComment[] | null>(null);
  const [error, setError] = useState('');
  const reload = useCallback(async () => {
    if (!articleId) return;
    try {
      setComments(await commentsApi.list(articleId));
      setError('');
    } catch (e) {
      setError(errorMessage(e));
      setComments((c) => c ?? []);
    }
  }, [articleId]);
  useEffect(() => {
    void reload();
  }, [reload]);
  const put = useCallback((c: ArticleComment) => setComments((list) => (list ?? []).some((x) => x.id === c.id) ? (list ?? []).map((x) => (x.id === c.id ? c : x)) : [...(list ?? []), c]), []);
  return { comments, error, reload, put };
}

/**
 * Tracks the reader's selection inside `container`: the passage (the
 * `data-path` element it lies in) and the stored text it covers.
 */
export function useSelectionAnchor(container: RefObject<HTMLElement | null>, content: Content) {
  const [anchor, setAnchor] = useState<(Anchor & { note?: string }) | null>(null);
  useEffect(() => {
    const onChange = () => {
      const root = container.current;
      const sel = document.getSelection();
      if (!root || !sel || sel.isCollapsed || !sel.rangeCount) return;
      const range = sel.getRangeAt(0);
      if (!root.contains(range.commonAncestorContainer)) return;
      const start = (range.startContainer instanceof Element ? range.startContainer : range.startContainer.parentElement)?.closest<HTMLElement>('[data-path]');
      const end = (range.endContainer instanceof Element ? range.endContainer : range.endContainer.parentElement)?.closest<HTMLElement>('[data-path]');
      if (!start || start !== end) {
        setAnchor({ path: '', quote: '', note: 'Select text within one passage (a paragraph, heading or list) to comment on it.' });
        return;
      }
      const path = start.dataset.path ?? '';
      const field = textFields(content).find((f) => f.path === path);
      const text = sel.toString();
      const quote = (field && sourceQuote(field.text, text)) || text.replace(/\s+/g, ' ').trim();
      if (quote) setAnchor({ path, quote: quote.slice(0, 1000) });
    };
    document.addEventListener('selectionchange', onChange);
    return () => document.removeEventListener('selectionchange', onChange);
  }, [container, content]);
  return [anchor, setAnchor] as const;
}

type HighlightRegistryLike = { set: (name: string, h: unknown) => void; delete: (name: string) => void };
const registry = (): HighlightRegistryLike | null => ((globalThis as any).CSS?.highlights as HighlightRegistryLike | undefined) ?? null;

/** A Range over the rendered text of `el` covering `quote`, or null. */
function rangeFor(el: Element, quote: string): Range | null {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  const nodes: Text[] = [];
  let text = '';
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    nodes.push(n as Text);
    text += (n as Text).data;
  }
  const at = findQuote(text, quote);
  if (!at) return null;
  const r = document.createRange();
  let pos = 0;
  let started = false;
  for (const n of nodes) {
    const len = n.data.length;
    if (!started && at[0] <= pos + len) {
      r.setStart(n, at[0] - pos);
      started = true;
    }
    if (started && at[1] <= pos + len) {
      r.setEnd(n, at[1] - pos);
      return r;
    }
    pos += len;
  }
  return null;
}

/**
 * Highlights each open comment's passage in the rendered article (the CSS
 * Custom Highlight API: no markup is changed, so the article stays exactly
 * what was rendered) and returns a function that scrolls to one.
 */
export function usePassageHighlights(container: RefObject<HTMLElement | null>, comments: ArticleComment[] | null, activeId: string | null, contentKey: string) {
  const [found, setFound] = useState<Record<string, boolean>>({});
  useEffect(() => {
    const root = container.current;
    const reg = registry();
    const H = (globalThis as any).Highlight;
    if (!root || !comments) return;
    const all: Range[] = [];
    const active: Range[] = [];
    const ok: Record<string, boolean> = {};
    for (const c of comments) {
      if (c.resolved || c.passageChanged) continue;
      const el = root.querySelector(`[data-path="${CSS.escape(c.anchor.path)}"]`);
      const r = el ? rangeFor(el, c.anchor.quote) : null;
      ok[c.id] = !!r;
      if (!r) continue;
      all.push(r);
      if (c.id === activeId) active.push(r);
    }
    setFound(ok);
    root.dataset.highlights = String(all.length);
    if (reg && H) {
      reg.set('vetted-comment', new H(...all));
      reg.set('vetted-comment-active', new H(...active));
    }
    return () => {
      reg?.delete('vetted-comment');
      reg?.delete('vetted-comment-active');
    };
  }, [container, comments, activeId, contentKey]);
  const reveal = useCallback(
    (c: ArticleComment) => {
      const el = container.current?.querySelector<HTMLElement>(`[data-path="${CSS.escape(c.anchor.path)}"]`);
      el?.scrollIntoView({ block: 'center', behavior: 'smooth' });
    },
    [container],
  );
  return { found, reveal };
}

/** The form for a new comment on a selected passage. */
export function NewComment({ articleId, anchor, onPosted, onCancel }: { articleId: string; anchor: Anchor; onPosted: (c: ArticleComment) => void; onCancel: () => void }) {
  const [body, setBody] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!body.trim()) return setError('Write the comment first.');
    setBusy(true);
    setError('');
    try {
      onPosted(await commentsApi.create(articleId, body.trim(), anchor));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="comment-new" onSubmit={submit} aria-label="New comment">
      <p className="small">
        On {placeLabel(anchor.path).toLowerCase() === 'the article' ? 'the article' : placeLabel(anchor.path)}: <q className="comment-quote">{visibleQuote(anchor.quote)}</q>
      </p>
      {error ? <Alert kind="error">{error}</Alert> : null}
      <label htmlFor="comment-new-body">Your comment</label>
      <textarea id="comment-new-body" rows={3} value={body} onChange={(e) => setBody(e.target.value)} data-autofocus autoFocus />
      <div className="comment-tools">
        <button type="submit" className="btn btn-primary btn-small" disabled={busy}>
          Post comment
        </button>
        <button type="button" className="btn btn-small" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/**
 * Comments in the order their passages appear: quote, who, when, replies,
 * resolve, and edit (the author, before a reply). A comment whose passage
 * is gone says so.
 */
export function CommentList({
  articleId,
  content,
  comments,
  user,
  activeId,
  found,
  onActivate,
  onChanged,
}: {
  articleId: string;
  content: Content;
  comments: ArticleComment[];
  user: Pick<User, 'id'>;
  activeId?: string | null;
  /** Which comments' passages are highlighted on screen (absent: not shown here). */
  found?: Record<string, boolean>;
  onActivate?: (c: ArticleComment) => void;
  onChanged: (c: ArticleComment) => void;
}) {
  const [showResolved, setShowResolved] = useState(false);
  const ordered = orderComments(comments, content);
  const open = ordered.filter((c) => !c.resolved);
  const resolved = ordered.filter((c) => c.resolved);
  return (
    <div className="comment-list">
      {!open.length ? <p className="muted small">No open comments.</p> : null}
      <ol className="comments-anchored">
        {open.map((c) => (
          <CommentCard key={c.id} articleId={articleId} c={c} user={user} active={c.id === activeId} shown={found?.[c.id]} onActivate={onActivate} onChanged={onChanged} />
        ))}
      </ol>
      {resolved.length ? (
        <>
          <button type="button" className="btn-link small" aria-expanded={showResolved} onClick={() => setShowResolved((s) => !s)}>
            {showResolved ? 'Hide' : 'Show'} {resolved.length} resolved
          </button>
          {showResolved ? (
            <ol className="comments-anchored">
              {resolved.map((c) => (
                <CommentCard key={c.id} articleId={articleId} c={c} user={user} onChanged={onChanged} />
              ))}
            </ol>
          ) : null}
        </>
      ) : null}
    </div>
  );
}

function CommentCard({
  articleId,
  c,
  user,
  active,
  shown,
  onActivate,
  onChanged,
}: {
  articleId: string;
  c: ArticleComment;
  user: Pick<User, 'id'>;
  active?: boolean;
  shown?: boolean;
  onActivate?: (c: ArticleComment) => void;
  onChanged: (c: ArticleComment) => void;
}) {
  const [mode, setMode] = useState<'view' | 'reply' | 'edit'>('view');
  const [text, setText] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const run = async (f: () => Promise<ArticleComment>) => {
    setBusy(true);
    setError('');
    try {
      onChanged(await f());
      setMode('view');
      setText('');
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!text.trim()) return setError(mode === 'edit' ? 'A comment cannot be empty.' : 'Write the reply first.');
    void run(() => (mode === 'edit' ? commentsApi.edit(articleId, c.id, text.trim()) : commentsApi.reply(articleId, c.id, text.trim())));
  };
  const fid = `cm-${c.id}`;
  return (
    <li className={'comment' + (active ? ' active' : '') + (c.resolved ? ' resolved' : '')} aria-label={`Comment by ${c.authorName || 'someone'}`} data-comment={c.id}>
      <p className="comment-where small">
        <span className="muted">{placeLabel(c.anchor.path)}</span>
        {c.passageChanged ? <span className="badge passage-changed">passage changed</span> : null}
      </p>
      <blockquote className={'comment-quote' + (c.passageChanged ? ' gone' : '')}>{visibleQuote(c.anchor.quote)}</blockquote>
      <p className="comment-body">{c.body}</p>
      <p className="small muted">
        {c.authorName || c.authorId} · <Time value={c.at} />
        {c.editedAt ? ' · edited' : ''}
      </p>
      {c.replies?.length ? (
        <ol className="replies">
          {c.replies.map((r) => (
            <li key={r.id}>
              <p className="comment-body">{r.body}</p>
              <p className="small muted">
                {r.authorName || r.authorId} · <Time value={r.at} />
              </p>
            </li>
          ))}
        </ol>
      ) : null}
      {c.resolved ? (
        <p className="small">
          Resolved{c.resolvedByName ? ` by ${c.resolvedByName}` : ''} <Time value={c.resolvedAt} />
        </p>
      ) : null}
      {error ? <Alert kind="error">{error}</Alert> : null}
      {mode !== 'view' ? (
        <form onSubmit={submit} className="comment-reply">
          <label htmlFor={fid}>{mode === 'edit' ? 'Edit your comment' : 'Your reply'}</label>
          <textarea id={fid} rows={2} value={text} onChange={(e) => setText(e.target.value)} autoFocus />
          <div className="comment-tools">
            <button type="submit" className="btn btn-small btn-primary" disabled={busy}>
              {mode === 'edit' ? 'Save comment' : 'Post reply'}
            </button>
            <button type="button" className="btn btn-small" onClick={() => (setMode('view'), setError(''))}>
              Cancel
            </button>
          </div>
        </form>
      ) : !c.resolved ? (
        <div className="comment-tools">
          {onActivate && !c.passageChanged ? (
            <button type="button" className="btn-small" onClick={() => onActivate(c)} aria-pressed={!!active} disabled={shown === false}>
              Show passage
            </button>
          ) : null}
          <button type="button" className="btn-small" onClick={() => (setMode('reply'), setText(''))}>
            Reply
          </button>
          {mayEditComment(c, user.id) ? (
            <button type="button" className="btn-small" onClick={() => (setMode('edit'), setText(c.body))}>
              Edit
            </button>
          ) : null}
          <button type="button" className="btn-small" disabled={busy} onClick={() => void run(() => commentsApi.resolve(articleId, c.id))}>
            Resolve
          </button>
        </div>
      ) : null}
    </li>
  );
}

/** The open comments on one field, shown beside it in the editor. */
export function FieldComments({ path, comments }: { path: string; comments: ArticleComment[] | null }) {
  const here = (comments ?? []).filter((c) => !c.resolved && !c.passageChanged && c.anchor.path === path);
  if (!here.length) return null;
  return (
    <ul className="field-comments" aria-label={`Comments on ${placeLabel(path)}`}>
      {here.map((c) => (
        <li key={c.id}>
          <q className="comment-quote">{visibleQuote(c.anchor.quote)}</q> <span className="comment-body">{c.body}</span>{' '}
          <span className="small muted">
            — {c.authorName || c.authorId}
            {c.replies?.length ? ` · ${c.replies.length} ${c.replies.length === 1 ? 'reply' : 'replies'}` : ''}
          </span>
        </li>
      ))}
    </ul>
  );
}
