import { useCallback, useEffect, useState } from 'react';
import { api, ApiError, errorMessage, qs } from '../lib/api';
import { mayCall } from '../lib/actions';
import { counter } from '../lib/content';
import { ALT_MAX, CAPTION_MAX, CREDIT_MAX, formatBytes, thumbURL, usedBy, type MediaItem, type MediaPage } from '../lib/media';
import { Link } from '../lib/router';
import { useSession } from '../session';
import { Dialog } from '../components/Dialog';
import { MediaUpload } from '../components/MediaUpload';
import { Alert, Spinner } from '../components/ui';

const PAGE_SIZE = 24;

/** The media library: every image with its description; upload, describe, delete (as the policy allows). */
export function MediaScreen() {
  const { user } = useSession();
  const canUpload = mayCall(user, 'POST /api/admin/media');
  const canEdit = mayCall(user, 'PATCH /api/admin/media/:id');
  const canDelete = mayCall(user, 'DELETE /api/admin/media/:id');
  const [q, setQ] = useState('');
  const [pageNo, setPageNo] = useState(1);
  const [page, setPage] = useState<MediaPage | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [editing, setEditing] = useState<MediaItem | null>(null);
  const [deleting, setDeleting] = useState<MediaItem | null>(null);

  const load = useCallback(
    () =>
      api
        .get<MediaPage>('/media' + qs({ q: q.trim(), page: pageNo, limit: PAGE_SIZE }))
        .then((r) => {
          setPage(r);
          setError('');
        })
        .catch((e) => setError(errorMessage(e))),
    [q, pageNo],
  );
  useEffect(() => {
    const t = setTimeout(load, q ? 250 : 0);
    return () => clearTimeout(t);
  }, [load, q]);

  const pages = page ? Math.max(1, Math.ceil(page.total / page.limit)) : 1;
  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>Media library</h1>
          <p className="muted">
            Images with their descriptions, served at every size they are needed. Articles use them as hero images and inline images.
          </p>
        </div>
      </div>
      {canUpload ? (
        <section className="card" aria-labelledby="upload-h">
          <h2 id="upload-h">Upload an image</h2>
          <MediaUpload
            onUploaded={(m) => {
              setNotice(`Uploaded “${m.alt}”.`);
              setQ('');
              setPageNo(1);
              void load();
            }}
          />
        </section>
      ) : null}
      {notice ? <Alert kind="ok">{notice}</Alert> : null}
      <div className="field media-search">
        <label htmlFor="media-q">Search images</label>
        <input
          id="media-q"
          type="search"
          value={q}
          placeholder="alt text, caption, credit or file name"
          onChange={(e) => {
            setQ(e.target.value);
            setPageNo(1);
          }}
        />
      </div>
      {error ? <Alert kind="error">{error}</Alert> : null}
      {!page && !error ? <Spinner /> : null}
      {page ? (
        <p className="muted small" aria-live="polite">
          {page.total === 0 ? (q ? 'No image matches.' : 'No images yet.') : `${page.total} image${page.total === 1 ? '' : 's'}${q ? ' match' : ''}.`}
        </p>
      ) : null}
      {page?.items.length ? (
        <ul className="media-grid" aria-label="Images">
          {page.items.map((m) => (
            <li key={m.id} className="media-card">
              <figure>
                <img src={thumbURL(m)} alt={m.alt} loading="lazy" width={m.variants?.[0]?.width} />
                <figcaption>
                  <span className="media-alt">{m.alt}</span>
                  {m.caption ? <span className="small">{m.caption}</span> : null}
                  {m.credit ? <span className="small muted">Credit: {m.credit}</span> : null}
                  <span className="small muted">
                    {m.width}×{m.height} · {formatBytes(m.bytes)}
                    {m.filename ? <> · <span className="break">{m.filename}</span></> : null}
                  </span>
                </figcaption>
              </figure>
              {canEdit || canDelete ? (
                <div className="item-tools">
                  {canEdit ? (
                    <button type="button" className="btn-small" aria-label={`Edit ${m.alt}`} onClick={() => setEditing(m)}>
                      Edit
                    </button>
                  ) : null}
                  {canDelete ? (
                    <button type="button" className="btn-small btn-danger-text" aria-label={`Delete ${m.alt}`} onClick={() => setDeleting(m)}>
                      Delete
                    </button>
                  ) : null}
                </div>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
      {page && pages > 1 ? (
        <nav className="pager" aria-label="Pages">
          <button type="button" className="btn-small" disabled={pageNo <= 1} onClick={() => setPageNo(pageNo - 1)}>
            Previous
          </button>
          <span>
            Page {pageNo} of {pages}
          </span>
          <button type="button" className="btn-small" disabled={pageNo >= pages} onClick={() => setPageNo(pageNo + 1)}>
            Next
          </button>
        </nav>
      ) : null}
      {editing ? (
        <EditDialog
          item={editing}
          onClose={() => setEditing(null)}
          onSaved={(m) => {
            setEditing(null);
            setNotice(`Saved the description of “${m.alt}”.`);
            void load();
          }}
        />
      ) : null}
      {deleting ? (
        <DeleteDialog
          item={deleting}
          onClose={() => setDeleting(null)}
          onDeleted={() => {
            setNotice(`Deleted “${deleting.alt}”.`);
            setDeleting(null);
            void load();
          }}
        />
      ) : null}
    </div>
  );
}

function EditDialog({ item, onClose, onSaved }: { item: MediaItem; onClose: () => void; onSaved: (m: MediaItem) => void }) {
  const [alt, setAlt] = useState(item.alt);
  const [caption, setCaption] = useState(item.caption);
  const [credit, setCredit] = useState(item.credit);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const altCount = counter(alt, ALT_MAX);
  const save = async () => {
    const f: Record<string, string> = {};
    if (!alt.trim()) f.alt = 'Alt text is required';
    else if (altCount.over) f.alt = `At most ${ALT_MAX} characters`;
    if ([...caption].length > CAPTION_MAX) f.caption = `At most ${CAPTION_MAX} characters`;
    if ([...credit].length > CREDIT_MAX) f.credit = `At most ${CREDIT_MAX} characters`;
    setFields(f);
    if (Object.keys(f).length) return;
    setBusy(true);
    try {
      onSaved(await api.patch<MediaItem>(`/media/${item.id}`, { alt: alt.trim(), caption: caption.trim(), credit: credit.trim() }));
    } catch (e) {
      setError(errorMessage(e));
      if (e instanceof ApiError) setFields(e.fields);
    } finally {
      setBusy(false);
    }
  };
  const err = (k: string) =>
    fields[k] ? (
      <p className="field-error" id={`edit-${k}-err`}>
        {fields[k]}
      </p>
    ) : null;
  return (
    <Dialog title="Describe the image" onClose={onClose}>
      <img className="edit-thumb" src={thumbURL(item)} alt="" />
      <p className="hint">Articles that already use this image keep the alt text, caption and credit they were signed with; new uses get these.</p>
      {error ? <Alert kind="error">{error}</Alert> : null}
      <div className={'field' + (fields.alt ? ' has-error' : '')}>
        <div className="label-row">
          <label htmlFor="edit-alt">Alt text (required)</label>
          <span className={'counter' + (altCount.over ? ' over' : '')} id="edit-alt-count" aria-live="polite">
            {altCount.text}
            {altCount.over ? ' — too long' : ''}
          </span>
        </div>
        <textarea
          id="edit-alt"
          rows={3}
          data-autofocus
          value={alt}
          aria-invalid={fields.alt || altCount.over ? true : undefined}
          aria-describedby={'edit-alt-count' + (fields.alt ? ' edit-alt-err' : '')}
          onChange={(e) => setAlt(e.target.value)}
        />
        {err('alt')}
      </div>
      <div className="field">
        <label htmlFor="edit-caption">Caption</label>
        <input id="edit-caption" value={caption} aria-invalid={fields.caption ? true : undefined} onChange={(e) => setCaption(e.target.value)} />
        {err('caption')}
      </div>
      <div className="field">
        <label htmlFor="edit-credit">Credit</label>
        <input id="edit-credit" value={credit} aria-invalid={fields.credit ? true : undefined} onChange={(e) => setCredit(e.target.value)} />
        {err('credit')}
      </div>
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="btn btn-primary" onClick={save} disabled={busy}>
          {busy ? 'Saving…' : 'Save description'}
        </button>
      </div>
    </Dialog>
  );
}

function DeleteDialog({ item, onClose, onDeleted }: { item: MediaItem; onClose: () => void; onDeleted: () => void }) {
  const [error, setError] = useState('');
  const [uses, setUses] = useState<{ id: string; title: string; slug: string }[]>([]);
  const [busy, setBusy] = useState(false);
  const del = async () => {
    setBusy(true);
    try {
      await api.del(`/media/${item.id}`);
      onDeleted();
    } catch (e) {
      setUses(usedBy(e));
      setError(e instanceof ApiError && e.status === 409 ? 'This image cannot be deleted while articles use it.' : errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title="Delete this image?" onClose={onClose}>
      <img className="edit-thumb" src={thumbURL(item)} alt={item.alt} />
      <p>
        “{item.alt}” and all its sizes are removed from the library and stop being served. An image that an article shows (its draft or its live
        version) cannot be deleted.
      </p>
      {error ? (
        <Alert kind="error" role="alert">
          <span data-testid="delete-refusal">{error}</span>
          {uses.length ? (
            <>
              {' '}
              Remove it from {uses.length === 1 ? 'this article' : 'these articles'} first:
              <ul>
                {uses.map((u) => (
                  <li key={u.id}>
                    <Link to={`/articles/${u.id}`}>{u.title || u.slug || u.id}</Link>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </Alert>
      ) : null}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onClose}>
          {error ? 'Close' : 'Cancel'}
        </button>
        <button type="button" className="btn btn-danger" onClick={del} disabled={busy || uses.length > 0}>
          {busy ? 'Deleting…' : 'Delete image'}
        </button>
      </div>
    </Dialog>
  );
}
