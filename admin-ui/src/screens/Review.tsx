import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, errorMessage, qs } from '../lib/api';
import type { Article, AuditEvent, DiffResponse, ListResponse, Revision, User } from '../lib/types';
import { contentOf } from '../lib/content';
import { actionsFor, approvalSignature, mayAnywhere, mayCall, type Action } from '../lib/actions';
import { licenseStatus } from '../lib/license';
import { useSession } from '../session';
import { ArticlePreview, SearchPreview } from '../components/ArticlePreview';
import { sinceRequestedRev } from '../lib/compare';
import { useRelated } from '../lib/related';
import { clinicianChoices, personLabel, useClinicians, useUsers } from '../lib/people';
import { ArticleTabs, LiveVsDraft } from '../components/ArticleChrome';
import { ActionButton } from '../components/ActionsPanel';
import { RevisionCompare } from '../components/RevisionCompare';
import { Dialog } from '../components/Dialog';
import { Alert, ArticleBadge, DiffView, LicenseBadge, Spinner, Time, shortHash } from '../components/ui';
import { NextStepBar, PreviewOnSite } from '../components/NextStepBar';
import { CommentList, NewComment, mayComment, useComments, usePassageHighlights, useSelectionAnchor } from '../components/Comments';
import { nextStep } from '../lib/nextStep';
import { placeLabel, visibleQuote, type ArticleComment } from '../lib/comments';

export const SIGNATURE_MEANING = 'clinically reviewed and approved';

export function ReviewScreen({ id }: { id: string }) {
  const { refresh } = useSession();
  const [article, setArticle] = useState<Article | null>(null);
  const [error, setError] = useState('');
  const [signedDiff, setSignedDiff] = useState<DiffResponse | null | 'none'>(null);
  const [revisions, setRevisions] = useState<Revision[]>([]);
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [dialog, setDialog] = useState<Action | null>(null);
  const [notice, setNotice] = useState('');
  const [diffTab, setDiffTab] = useState<'requested' | 'signed' | 'any' | null>(null);
  const [requestedDiff, setRequestedDiff] = useState<DiffResponse | null | 'none'>(null);

  const load = useCallback(async () => {
    try {
      const a = await api.get<Article>(`/articles/${id}`);
      setArticle(a);
      setError('');
      const [revs, evs] = await Promise.all([
        api.get<ListResponse<Revision>>(`/articles/${id}/revisions`).then((r) => r.items ?? []).catch(() => []),
        api.get<ListResponse<AuditEvent>>(`/articles/${id}/events`).then((r) => r.items ?? []).catch(() => []),
      ]);
      setRevisions(revs);
      setEvents(evs);
      // Re-review: what changed since changes were last requested (the
      // server's default without `from`; an older server compared current
      // with current, so ask for the revision explicitly then).
      const since = sinceRequestedRev(evs, a.rev);
      if (since === null) setRequestedDiff('none');
      else {
        let d = await api.get<DiffResponse>(`/articles/${id}/diff` + qs({ to: a.rev }));
        if (Number(d.from) === a.rev && since !== a.rev) d = await api.get<DiffResponse>(`/articles/${id}/diff` + qs({ from: since, to: a.rev }));
        setRequestedDiff(d);
      }
      try {
        setSignedDiff(await api.get<DiffResponse>(`/articles/${id}/diff` + qs({ from: 'signed', to: a.rev })));
      } catch (e) {
        if (e instanceof ApiError && (e.status === 404 || e.status === 400 || e.status === 409)) setSignedDiff('none');
        else throw e;
      }
    } catch (e) {
      setError(errorMessage(e));
    }
  }, [id]);

  // Stale content: if the article changes while the reviewer reads it, signing
  // what is on screen would be refused (409), so say so and disable it.
  const [staleHash, setStaleHash] = useState<string | null>(null);
  useEffect(() => {
    if (!article) return;
    const t = setInterval(async () => {
      try {
        const cur = await api.get<Article>(`/articles/${id}`);
        setStaleHash(cur.contentHash !== article.contentHash || cur.status !== article.status ? cur.contentHash : null);
      } catch {
        /* keep the last state */
      }
    }, 15000);
    return () => clearInterval(t);
  }, [id, article]);

  useEffect(() => {
    void load();
    void refresh(); // the reviewer's license status may have changed
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [load]);

  if (error && !article) return <div className="page"><Alert kind="error">{error}</Alert></div>;
  if (!article) return <div className="page"><Spinner /></div>;
  return (
    <ReviewView
      article={article}
      error={error}
      notice={notice}
      staleHash={staleHash}
      onReload={() => (setStaleHash(null), void load())}
      diff={{ tab: diffTab, setTab: setDiffTab, requestedDiff, signedDiff, revisions, events }}
      dialog={dialog}
      setDialog={setDialog}
      onDone={(a, message) => {
        setArticle(a);
        setDialog(null);
        setNotice(message);
        void load();
      }}
      onReloadDialog={() => {
        setDialog(null);
        void load();
      }}
    />
  );
}

interface DiffState {
  tab: 'requested' | 'signed' | 'any' | null;
  setTab: (t: 'requested' | 'signed' | 'any') => void;
  requestedDiff: DiffResponse | null | 'none';
  signedDiff: DiffResponse | null | 'none';
  revisions: Revision[];
  events: AuditEvent[];
}

function ReviewView({
  article,
  error,
  notice,
  staleHash,
  onReload,
  diff,
  dialog,
  setDialog,
  onDone,
  onReloadDialog,
}: {
  article: Article;
  error: string;
  notice: string;
  staleHash: string | null;
  onReload: () => void;
  diff: DiffState;
  dialog: Action | null;
  setDialog: (a: Action | null) => void;
  onDone: (a: Article, message: string) => void;
  onReloadDialog: () => void;
}) {
  const { user } = useSession();
  const isReviewer = mayAnywhere(user, 'approve') || mayAnywhere(user, 'request_changes');
  const views = actionsFor(user, article, ['request_changes', 'approve', 'recertify']).map((v) =>
    staleHash && v.allowed ? { ...v, allowed: false, reason: 'The article changed since you opened it. Reload to review the current content.' } : v,
  );
  const notes = diff.events.filter((e) => e.comment);
  const lic = licenseStatus(user.license);
  const content = useMemo(() => contentOf(article), [article]);
  const articleRef = useRef<HTMLDivElement>(null);
  const { comments, error: commentsError, put } = useComments(article.id);
  const [activeId, setActiveId] = useState<string | null>(null);
  const [selected, setSelected] = useSelectionAnchor(articleRef, content);
  const [composing, setComposing] = useState(false);
  const { found, reveal } = usePassageHighlights(articleRef, comments, activeId, article.contentHash);
  const canComment = mayComment(user, article);
  const open = (comments ?? []).filter((c) => !c.resolved).length;
  const step = nextStep({ article, content, user, openComments: open });
  const activate = (c: ArticleComment) => {
    setActiveId(c.id);
    reveal(c);
  };
  return (
    <div className="page review-page">
      <div className="page-head">
        <div>
          <h1>Review: {article.title || article.slug}</h1>
          <p className="muted">
            <ArticleBadge status={article.status} scheduledAt={article.scheduledAt} /> by {article.authorName}
            {isReviewer ? (
              <>
                {' '}
                · revision {article.rev} · content hash <span className="mono">{shortHash(article.contentHash)}</span>
              </>
            ) : null}
          </p>
        </div>
      </div>
      <ArticleTabs id={article.id} current="review" />
      <NextStepBar article={article} step={step}>
        <PreviewOnSite article={article} />
        {canComment && selected?.quote ? (
          <button type="button" className="btn btn-small btn-primary" onClick={() => setComposing(true)} data-testid="comment-selection">
            Comment on selected text
          </button>
        ) : null}
        {views.length ? (
          <a className="btn btn-small only-narrow" href="#rev-actions-h">
            Your decision ↓
          </a>
        ) : null}
      </NextStepBar>
      {notice ? <Alert kind="ok">{notice}</Alert> : null}
      {error ? <Alert kind="error">{error}</Alert> : null}
      {staleHash ? (
        <Alert kind="warn">
          This article changed since you opened it.{' '}
          <button type="button" className="btn-link" onClick={onReload}>
            Reload it
          </button>
        </Alert>
      ) : null}
      <div className="review-grid">
        <div className="review-main">
          <section className="card" aria-labelledby="changes-h">
            <h2 id="changes-h">What changed</h2>
            <Changes article={article} diff={diff} numbered={isReviewer} />
          </section>
          <section className="card" aria-labelledby="render-h">
            <h2 id="render-h">The article as readers will see it</h2>
            <p className="small muted">
              Everything your signature covers is shown here: how search engines list it, then the page itself.
              {canComment ? ' Select a passage to comment on it.' : ''}
            </p>
            <div ref={articleRef} className="commentable" data-testid="commentable">
              <SignedContent article={article} />
            </div>
          </section>
        </div>
        <aside className="review-side" aria-label="Review actions">
          <section className="card review-comments" aria-labelledby="comments-h">
            <h2 id="comments-h">
              Comments on passages <span className="count-pill">{open}</span>
            </h2>
            {commentsError ? <Alert kind="error">{commentsError}</Alert> : null}
            {composing && selected?.quote ? (
              <NewComment
                articleId={article.id}
                anchor={{ path: selected.path, quote: selected.quote }}
                onCancel={() => setComposing(false)}
                onPosted={(c) => {
                  put(c);
                  setComposing(false);
                  setSelected(null);
                  setActiveId(c.id);
                }}
              />
            ) : canComment ? (
              <p className="small muted">
                {selected?.quote ? (
                  <>
                    Selected in {placeLabel(selected.path)}: <q>{visibleQuote(selected.quote).slice(0, 80)}</q>.{' '}
                    <button type="button" className="btn-link" onClick={() => setComposing(true)}>
                      Comment on it
                    </button>
                  </>
                ) : (
                  selected?.note ?? 'Select text in the article to comment on that passage.'
                )}
              </p>
            ) : null}
            {comments ? (
              <CommentList articleId={article.id} content={content} comments={comments} user={user} activeId={activeId} found={found} onActivate={activate} onChanged={put} />
            ) : (
              <Spinner />
            )}
          </section>
          {isReviewer ? (
            <section className="card review-license" aria-labelledby="lic-h">
              <h2 id="lic-h">Your license</h2>
              <p>
                <LicenseBadge license={user.license} />
              </p>
              {user.license ? (
                <p className="small">
                  {user.license.type} {user.license.number} ({user.license.jurisdiction}) · credentials {user.credentials || '—'}
                </p>
              ) : null}
              {lic.state === 'expired' || lic.state === 'unverified' || lic.state === 'none' ? (
                <p className="small">You cannot sign off until an administrator verifies a current license.</p>
              ) : null}
            </section>
          ) : null}
          {views.length ? (
            <section className="card review-decision" aria-labelledby="rev-actions-h">
              <h2 id="rev-actions-h">Your decision</h2>
              {open ? <p className="small">{open === 1 ? 'One comment is' : `${open} comments are`} still open.</p> : null}
              <ul className="action-list">
                {views.map((v) => (
                  <ActionButton key={v.action} view={v} onClick={() => setDialog(v.action)} />
                ))}
              </ul>
            </section>
          ) : !isReviewer ? (
            <Alert kind="info">Only clinical reviewers can request changes or sign off.</Alert>
          ) : article.status !== 'in_review' && article.status !== 'published' ? (
            <Alert kind="info">Nothing to decide: the article is {article.status.replace('_', ' ')}.</Alert>
          ) : null}
          {isReviewer || mayAnywhere(user, 'publish') ? <LiveVsDraft article={article} /> : null}
          {notes.length ? (
            <section className="card" aria-labelledby="notes-h">
              <h2 id="notes-h">Notes with decisions</h2>
              <ol className="comments">
                {notes.map((e) => (
                  <li key={e.seq}>
                    <p className="small">
                      <strong>{e.actorName || e.actor}</strong> · {e.action.replace('_', ' ')} · <Time value={e.at} />
                    </p>
                    <blockquote>{e.comment}</blockquote>
                  </li>
                ))}
              </ol>
            </section>
          ) : null}
        </aside>
      </div>
      {dialog === 'request_changes' ? (
        <RequestChangesDialog article={article} onClose={() => setDialog(null)} onDone={(a) => onDone(a, 'Changes requested. The article is back with its author.')} />
      ) : null}
      {dialog === 'approve' || dialog === 'recertify' ? (
        <SignOffDialog
          article={article}
          action={dialog}
          user={user}
          onClose={() => setDialog(null)}
          onReload={onReloadDialog}
          onDone={(a) => onDone(a, dialog === 'approve' ? 'Signed off. The article is approved and can be published by an editor.' : 'Re-certified.')}
        />
      ) : null}
    </div>
  );
}

/**
 * The comparisons a re-review starts from. Only reviewers see revision
 * numbers (and the compare-any-two tab); a writer reads the same
 * changes in words.
 */
function Changes({ article, diff, numbered }: { article: Article; diff: DiffState; numbered: boolean }) {
  const { requestedDiff, signedDiff, revisions, events } = diff;
  // Re-review defaults to "since changes were last requested" (spinner while it loads).
  const tab = diff.tab ?? (requestedDiff === 'none' ? 'signed' : 'requested');
  const setDiffTab = diff.setTab;
  return (
    <>
      <div className="seg" role="group" aria-label="Compare">
        {requestedDiff !== 'none' ? (
          <button type="button" className={tab === 'requested' ? 'seg-btn active' : 'seg-btn'} aria-pressed={tab === 'requested'} onClick={() => setDiffTab('requested')}>
            Since changes were last requested
          </button>
        ) : null}
        <button type="button" className={tab === 'signed' ? 'seg-btn active' : 'seg-btn'} aria-pressed={tab === 'signed'} onClick={() => setDiffTab('signed')}>
          Since last sign-off
        </button>
        {numbered ? (
          <button type="button" className={tab === 'any' ? 'seg-btn active' : 'seg-btn'} aria-pressed={tab === 'any'} onClick={() => setDiffTab('any')}>
            Between any two revisions
          </button>
        ) : null}
      </div>
      {tab === 'requested' ? (
        requestedDiff === null || requestedDiff === 'none' ? (
          <Spinner />
        ) : (
          <>
            <p className="muted small">
              {numbered
                ? `From revision ${String(requestedDiff.from)} (when changes were last requested, or last submitted) to revision ${String(requestedDiff.to)}.`
                : 'From when changes were last requested (or it was last submitted) to now.'}
            </p>
            <DiffView changes={requestedDiff.changes ?? []} emptyText="No changes since then." />
          </>
        )
      ) : tab === 'signed' ? (
        signedDiff === null ? (
          <Spinner />
        ) : signedDiff === 'none' ? (
          <Alert kind="info">This article has never been signed off: review all of its content below.</Alert>
        ) : (
          <>
            <p className="muted small">
              {numbered ? `From the last signed revision (${String(signedDiff.from)}) to revision ${String(signedDiff.to)}.` : 'From the last sign-off to now.'}
            </p>
            <DiffView changes={signedDiff.changes ?? []} emptyText="No changes since the last sign-off." />
          </>
        )
      ) : !numbered ? null : (
        <RevisionCompare articleId={article.id} revisions={revisions} initialFrom={sinceRequestedRev(events, article.rev)?.toString()} fromNote="since changes were last requested" />
      )}
    </>
  );
}

/** Everything the content hash covers, the way readers and search engines meet it. */
function SignedContent({ article }: { article: Article }) {
  const { user } = useSession();
  const users = useUsers(mayCall(user, 'GET /api/admin/users'));
  const listed = useClinicians();
  const content = contentOf(article);
  const related = useRelated(content.related);
  const takeId = content.clinicianTake.clinician;
  const people = clinicianChoices(users, [approvalSignature(article), article.live?.signature, ...(article.takeSignatures ?? [])], user, listed);
  const named = people.find((p) => p.id === takeId);
  const takeBy = takeId ? (named ? personLabel(named) : `user ${takeId}`) : '';
  const mine = takeId === user.id;
  return (
    <>
      <h3 className="h-small">In search results</h3>
      <SearchPreview content={content} />
      <h3 className="h-small">On the page</h3>
      {content.clinicianTake.body && takeId ? (
        <p className="small take-note">
          The Clinician's take is {mine ? 'your words' : `the words of ${named?.name ?? takeBy}`}: it reaches readers, attributed to {mine ? 'you' : 'them'}, only once{' '}
          {mine ? 'you have' : 'they have'} signed exactly this text.
        </p>
      ) : null}
      <ArticlePreview content={content} authorName={article.authorName} takeBy={takeBy} related={related} />
    </>
  );
}

function RequestChangesDialog({ article, onClose, onDone }: { article: Article; onClose: () => void; onDone: (a: Article) => void }) {
  const [comment, setComment] = useState('');
  const [error, setError] = useState('');
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (!comment.trim()) return;
    setBusy(true);
    setError('');
    try {
      onDone(await api.post<Article>(`/articles/${article.id}/transitions`, { action: 'request_changes', comment: comment.trim() }));
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };
  const missing = touched && !comment.trim();
  return (
    <Dialog title="Request changes" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <p>The article goes back to its author as a draft with your comment.</p>
        {error ? <Alert kind="error">{error}</Alert> : null}
        <div className={'field' + (missing ? ' has-error' : '')}>
          <label htmlFor="rc-comment">Comment (required)</label>
          <p className="hint" id="rc-hint">
            Say what must change. You can suggest wording, e.g. for the Clinician's take.
          </p>
          <textarea
            id="rc-comment"
            rows={6}
            required
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            aria-invalid={missing || undefined}
            aria-describedby={'rc-hint' + (missing ? ' rc-err' : '')}
            data-autofocus
          />
          {missing ? (
            <p className="field-error" id="rc-err">
              A comment is required to request changes.
            </p>
          ) : null}
        </div>
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            Send request for changes
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function SignOffDialog({
  article,
  action,
  user,
  onClose,
  onDone,
  onReload,
}: {
  article: Article;
  action: 'approve' | 'recertify';
  user: User;
  onClose: () => void;
  onDone: (a: Article) => void;
  onReload: () => void;
}) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [stale, setStale] = useState(false);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!password) {
      setError('Enter your password to sign.');
      return;
    }
    setBusy(true);
    setError('');
    try {
      const a = await api.post<Article>(
        `/articles/${article.id}/transitions`,
        // contentHash: exactly what this screen displayed.
        { action, password, contentHash: article.contentHash },
        { no401Redirect: true },
      );
      onDone(a);
      return;
    } catch (err) {
      setPassword('');
      if (err instanceof ApiError && err.status === 401) {
        // Wrong password, or has the session itself expired? Ask /me (this one redirects on 401).
        try {
          await api.get('/me');
          setError('The password is not right. The signature was not recorded.');
        } catch {
          return;
        }
      } else if (err instanceof ApiError && err.status === 409) {
        setStale(true);
        setError('The content changed since you loaded it. Nothing was signed. Reload and review the current content.');
      } else if (err instanceof ApiError && err.status === 429) {
        setError('Too many attempts. Wait a while before trying again.');
      } else if (err instanceof ApiError && err.status >= 400 && err.status < 500 && (/password/i.test(err.message) || 'password' in err.fields)) {
        setError('The password is not right. The signature was not recorded.');
      } else {
        setError(errorMessage(err) + ' The signature was not recorded.');
      }
      setBusy(false);
      requestAnimationFrame(() => document.getElementById('so-password')?.focus());
    }
  };
  return (
    <Dialog title={action === 'approve' ? 'Sign off: clinically reviewed and approved' : 'Re-certify: clinically reviewed and approved'} onClose={onClose} describedBy="so-meaning">
      <form onSubmit={submit}>
        <div id="so-meaning" className="meaning">
          <p>
            You are signing electronically as <strong>{user.name}</strong>
            {user.credentials ? `, ${user.credentials}` : ''}. Your signature means:
          </p>
          <p className="meaning-text">“{SIGNATURE_MEANING}”</p>
          <p className="small">
            It applies to exactly the content shown on this screen: revision {article.rev} of “{article.title}”, content hash{' '}
            <span className="mono">{shortHash(article.contentHash)}</span>. Any later change to the content voids it. It is recorded with your license
            {user.license ? ` (${user.license.type} ${user.license.number}, ${user.license.jurisdiction})` : ''} and the time.
          </p>
        </div>
        {error ? <Alert kind="error">{error}</Alert> : null}
        <div className="field">
          <label htmlFor="so-password">Your password</label>
          <input id="so-password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} data-autofocus />
        </div>
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          {stale ? (
            <button type="button" className="btn" onClick={onReload}>
              Reload the article
            </button>
          ) : null}
          <button type="submit" className="btn btn-primary" disabled={busy || stale}>
            {busy ? 'Signing…' : 'Sign'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
