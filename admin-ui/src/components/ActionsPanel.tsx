import { useState, type FormEvent } from 'react';
import { api, ApiError, errorMessage } from '../lib/api';
import { actionsFor, approvalSignature, type Action, type ActionView } from '../lib/actions';
import { fieldLabel, plainReason } from '../lib/nextStep';
import type { Article } from '../lib/types';
import { useSession } from '../session';
import { Dialog } from './Dialog';
import { Alert, formatTime } from './ui';

/** Workflow buttons for writers and editors (submit, withdraw, publish/schedule, unpublish, archive). */
export function ActionsPanel({
  article,
  onUpdated,
  blockedReason,
  onFieldErrors,
}: {
  article: Article;
  onUpdated: (a: Article) => void;
  /** e.g. "Wait for the draft to save" */
  blockedReason?: string;
  onFieldErrors?: (e: ApiError) => void;
}) {
  const { user } = useSession();
  const views = actionsFor(user, article, ['submit', 'withdraw', 'publish', 'unschedule', 'unpublish', 'archive']);
  const [dialog, setDialog] = useState<Action | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const run = async (action: Action, extra: Record<string, unknown> = {}) => {
    setBusy(true);
    setError('');
    try {
      const a = await api.post<Article>(`/articles/${article.id}/transitions`, { action, ...extra });
      onUpdated(a);
      setDialog(null);
    } catch (e) {
      if (e instanceof ApiError && Object.keys(e.fields).length && onFieldErrors) onFieldErrors(e);
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  if (!views.length) return null;
  return (
    <section className="card actions" aria-labelledby="actions-h">
      <h2 id="actions-h">Workflow</h2>
      {error ? <Alert kind="error">{error}</Alert> : null}
      <ul className="action-list">
        {views.map((v) => (
          <ActionButton
            key={v.action}
            view={v}
            blockedReason={blockedReason}
            busy={busy}
            onClick={() => (v.action === 'submit' || v.action === 'withdraw' ? run(v.action) : setDialog(v.action))}
          />
        ))}
      </ul>
      {dialog === 'publish' && article.status === 'unpublished' ? (
        <ConfirmDialog
          title="Publish again?"
          text="Its content is exactly what was signed off, and that sign-off is still current: websites show it again as it was."
          confirm="Publish again"
          kind="primary"
          busy={busy}
          error={error}
          onClose={() => setDialog(null)}
          onConfirm={() => run('publish')}
        />
      ) : dialog === 'publish' ? (
        <PublishDialog article={article} busy={busy} error={error} onClose={() => setDialog(null)} onPublish={(publishAt) => run('publish', publishAt ? { publishAt } : {})} />
      ) : null}
      {dialog === 'unschedule' ? (
        <ConfirmDialog
          title="Cancel the schedule?"
          text={`It will not publish at ${formatTime(article.scheduledAt)}. It stays approved: publish it or schedule it again whenever you like.`}
          confirm="Cancel the schedule"
          cancel="Keep the schedule"
          busy={busy}
          error={error}
          onClose={() => setDialog(null)}
          onConfirm={() => run('unschedule')}
        />
      ) : null}
      {dialog === 'unpublish' ? (
        <ConfirmDialog
          title="Unpublish this article?"
          text="Websites stop showing the live version (delivery answers 410 Gone). The working draft stays as it is."
          confirm="Unpublish"
          busy={busy}
          error={error}
          onClose={() => setDialog(null)}
          onConfirm={() => run('unpublish')}
        />
      ) : null}
      {dialog === 'archive' ? (
        <ConfirmDialog
          title="Archive this article?"
          text="Archived articles leave the workflow. They are kept with their full history."
          confirm="Archive"
          busy={busy}
          error={error}
          onClose={() => setDialog(null)}
          onConfirm={() => run('archive')}
        />
      ) : null}
    </section>
  );
}

export function ActionButton({ view, onClick, busy, blockedReason }: { view: ActionView; onClick: () => void; busy?: boolean; blockedReason?: string }) {
  const reason = !view.allowed ? plainWords(view.reason) : blockedReason;
  const id = `why-${view.action}`;
  return (
    <li>
      <button
        type="button"
        className={'btn ' + (view.action === 'publish' || view.action === 'approve' || view.action === 'submit' ? 'btn-primary' : view.action === 'unpublish' || view.action === 'archive' ? 'btn-danger' : '')}
        disabled={!view.allowed || !!blockedReason || busy}
        aria-describedby={reason ? id : undefined}
        data-action={view.action}
        onClick={onClick}
      >
        {view.label}
      </button>
      {reason ? (
        <p id={id} className="reason">
          {reason}
        </p>
      ) : null}
    </li>
  );
}

/** A refusal in plain words: "Not ready for review: Summary, Sections." rather than field paths. */
function plainWords(reason?: string): string | undefined {
  if (!reason) return reason;
  const bs = plainReason(reason);
  const fields = bs.filter((b) => b.path).map((b) => fieldLabel(b.path!));
  if (fields.length) return `Not ready for review: fill in ${fields.join(', ')} (see Next step at the top).`;
  return bs.map((b) => b.text).join(' ');
}

function toLocalInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

function PublishDialog({ article, onClose, onPublish, busy, error }: { article: Article; onClose: () => void; onPublish: (at?: string) => void; busy: boolean; error: string }) {
  const rescheduling = !!article.scheduledAt;
  const [mode, setMode] = useState<'now' | 'schedule'>(rescheduling ? 'schedule' : 'now');
  const [when, setWhen] = useState(toLocalInput(article.scheduledAt ? new Date(article.scheduledAt) : new Date(Date.now() + 60 * 60 * 1000)));
  const [localError, setLocalError] = useState('');
  const approval = approvalSignature(article);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (mode === 'now') return onPublish();
    const d = new Date(when);
    if (Number.isNaN(d.getTime())) return setLocalError('Enter a valid date and time');
    if (d.getTime() <= Date.now()) return setLocalError('Pick a time in the future');
    setLocalError('');
    onPublish(d.toISOString());
  };
  return (
    <Dialog title={rescheduling ? 'Change the publish time' : 'Publish'} onClose={onClose}>
      <form onSubmit={submit}>
        {rescheduling ? (
          <p>
            Scheduled for <strong>{formatTime(article.scheduledAt)}</strong>. Pick a new time, or publish now.
          </p>
        ) : null}
        <p>
          Publishing makes “{article.title}” live, as approved by{' '}
          {approval ? `${approval.signerName}${approval.credentials ? ', ' + approval.credentials : ''}` : 'the clinical reviewer'}.
        </p>
        {error ? <Alert kind="error">{error}</Alert> : null}
        <fieldset>
          <legend>When</legend>
          <label className="check">
            <input type="radio" name="when" value="now" checked={mode === 'now'} onChange={() => setMode('now')} data-autofocus /> Publish now
          </label>
          <label className="check">
            <input type="radio" name="when" value="schedule" checked={mode === 'schedule'} onChange={() => setMode('schedule')} /> Schedule
          </label>
        </fieldset>
        {mode === 'schedule' ? (
          <div className="field">
            <label htmlFor="publish-at">Publish at (your local time)</label>
            <input id="publish-at" type="datetime-local" value={when} onChange={(e) => setWhen(e.target.value)} aria-invalid={!!localError} aria-describedby={localError ? 'publish-at-err' : undefined} />
            {localError ? (
              <p id="publish-at-err" className="field-error">
                {localError}
              </p>
            ) : null}
          </div>
        ) : null}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {mode === 'now' ? 'Publish now' : rescheduling ? 'Save the new time' : 'Schedule'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function ConfirmDialog({
  title,
  text,
  confirm,
  cancel = 'Cancel',
  kind = 'danger',
  onClose,
  onConfirm,
  busy,
  error,
}: {
  title: string;
  text: string;
  confirm: string;
  cancel?: string;
  kind?: 'danger' | 'primary';
  onClose: () => void;
  onConfirm: () => void;
  busy?: boolean;
  error?: string;
}) {
  return (
    <Dialog title={title} onClose={onClose}>
      <p>{text}</p>
      {error ? <Alert kind="error">{error}</Alert> : null}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onClose} data-autofocus>
          {cancel}
        </button>
        <button type="button" className={`btn btn-${kind}`} onClick={onConfirm} disabled={busy}>
          {confirm}
        </button>
      </div>
    </Dialog>
  );
}
