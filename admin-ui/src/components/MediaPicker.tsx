import { useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { api, errorMessage, qs } from '../lib/api';
import { inlineURL, thumbURL, type MediaItem, type MediaPage } from '../lib/media';
import type { Permissions } from '../lib/types';
import { Dialog } from './Dialog';
import { MediaUpload } from './MediaUpload';
import { Alert, Spinner } from './ui';

/** What pickMedia resolves to: the chosen image of the library. */
export interface PickedMedia {
  id: string;
  /** The rendition to show inline (the widest up to 1024 px). */
  url: string;
  /** The library's alt text (an article may use its own). */
  alt: string;
  width: number;
  height: number;
  caption: string;
  credit: string;
  /** The smallest rendition, for thumbnails. */
  thumb: string;
  /** The original size: what heroImage.url becomes with this mediaId. */
  original: string;
}

export function picked(m: MediaItem): PickedMedia {
  return { id: m.id, url: inlineURL(m), alt: m.alt, width: m.width, height: m.height, caption: m.caption, credit: m.credit, thumb: thumbURL(m), original: m.url };
}

/** pickMedia for an editor's image button (RichText's onPickImage): the inline URL and alt text. */
export function pickImage(): Promise<{ src: string; alt: string } | null> {
  return pickMedia({ title: 'Insert an image' }).then((m) => (m ? { src: m.url, alt: m.alt } : null));
}

/**
 * Opens a dialog to choose an image from the media library or upload a
 * new one (with its alt text); resolves to the image, or null when the
 * dialog is closed without choosing. One dialog at a time.
 */
export function pickMedia(opts: { title?: string } = {}): Promise<PickedMedia | null> {
  return new Promise((resolve) => {
    const host = document.createElement('div');
    document.body.appendChild(host);
    const root = createRoot(host);
    const finish = (m: PickedMedia | null) => {
      root.unmount();
      host.remove();
      resolve(m);
    };
    root.render(<PickerDialog title={opts.title ?? 'Choose an image'} onDone={finish} />);
  });
}

function PickerDialog({ title, onDone }: { title: string; onDone: (m: PickedMedia | null) => void }) {
  const [tab, setTab] = useState<'library' | 'upload'>('library');
  const [canUpload, setCanUpload] = useState(false);
  useEffect(() => {
    api
      .get<{ permissions?: Permissions }>('/me')
      .then((me) => setCanUpload(!!me.permissions?.routes.includes('POST /api/admin/media')))
      .catch(() => setCanUpload(false));
  }, []);
  return (
    <Dialog title={title} onClose={() => onDone(null)} className="dialog-wide">
      {canUpload ? (
        <div className="seg" role="group" aria-label="Where the image comes from">
          <button type="button" className={'seg-btn' + (tab === 'library' ? ' active' : '')} aria-pressed={tab === 'library'} onClick={() => setTab('library')}>
            From the library
          </button>
          <button type="button" className={'seg-btn' + (tab === 'upload' ? ' active' : '')} aria-pressed={tab === 'upload'} onClick={() => setTab('upload')}>
            Upload a new image
          </button>
        </div>
      ) : null}
      {tab === 'upload' ? <MediaUpload autoFocus onUploaded={(m) => onDone(picked(m))} /> : <LibraryChooser onChoose={(m) => onDone(picked(m))} />}
    </Dialog>
  );
}

function LibraryChooser({ onChoose }: { onChoose: (m: MediaItem) => void }) {
  const [q, setQ] = useState('');
  const [page, setPage] = useState<MediaPage | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let cancel = false;
    const t = setTimeout(
      () =>
        api
          .get<MediaPage>('/media' + qs({ q: q.trim(), limit: 24 }))
          .then((r) => !cancel && (setPage(r), setError('')))
          .catch((e) => !cancel && setError(errorMessage(e))),
      q ? 250 : 0,
    );
    return () => {
      cancel = true;
      clearTimeout(t);
    };
  }, [q]);
  return (
    <div>
      <div className="field">
        <label htmlFor="picker-q">Search the library</label>
        <input id="picker-q" type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="alt text, caption, credit or file name" />
      </div>
      {error ? <Alert kind="error">{error}</Alert> : null}
      {!page && !error ? <Spinner /> : null}
      {page && !page.items.length ? <p className="muted">{q ? 'No image matches.' : 'The library is empty: upload an image.'}</p> : null}
      {page?.items.length ? (
        <ul className="media-grid picker-grid" aria-label="Images">
          {page.items.map((m) => (
            <li key={m.id} className="media-card">
              <button type="button" className="media-pick" aria-label={`Use image: ${m.alt}`} onClick={() => onChoose(m)}>
                <img src={thumbURL(m)} alt="" loading="lazy" />
                <span className="media-alt">{m.alt}</span>
              </button>
              <span className="muted small">
                {m.width}×{m.height}
              </span>
            </li>
          ))}
        </ul>
      ) : null}
      {page && page.total > page.items.length ? (
        <p className="muted small">
          Showing {page.items.length} of {page.total}: search to find others.
        </p>
      ) : null}
    </div>
  );
}
