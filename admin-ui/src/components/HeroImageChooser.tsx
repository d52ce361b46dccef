import { useEffect, useState, type ReactNode } from 'react';
import { api } from '../lib/api';
import { thumbURL, type MediaItem } from '../lib/media';
import type { Content } from '../lib/types';
import { pickMedia } from './MediaPicker';

type Hero = Content['heroImage'];

/**
 * The hero image from the media library: a thumbnail of the chosen image
 * with buttons to choose another or remove it; without one, a button to
 * choose from the library and `children` (the image-address field for an
 * image on a vetted host). Choosing sets mediaId and fills alt text,
 * caption and credit from the library: the article may then change them
 * (its own alt text is what the clinician signs).
 */
export function HeroImageChooser({ value, onChange, children }: { value: Hero; onChange: (h: Hero) => void; children: ReactNode }) {
  const [item, setItem] = useState<MediaItem | null>(null);
  const [missing, setMissing] = useState(false);
  useEffect(() => {
    setItem(null);
    setMissing(false);
    if (!value.mediaId) return;
    let cancel = false;
    api
      .get<MediaItem>(`/media/${encodeURIComponent(value.mediaId)}`)
      .then((m) => !cancel && setItem(m))
      .catch(() => !cancel && setMissing(true));
    return () => {
      cancel = true;
    };
  }, [value.mediaId]);

  const choose = async () => {
    const m = await pickMedia({ title: 'Choose the hero image' });
    if (m) onChange({ mediaId: m.id, url: m.original, alt: m.alt, caption: m.caption, credit: m.credit });
  };

  if (!value.mediaId) {
    return (
      <div className="hero-chooser">
        <p>
          <button type="button" className="btn" onClick={choose}>
            Choose from the media library
          </button>
        </p>
        <p className="hint">Or give the address of an image on an allowed image host:</p>
        {children}
      </div>
    );
  }
  return (
    <div className="hero-chooser hero-chosen" data-testid="hero-chosen">
      {item ? <img className="hero-thumb" src={thumbURL(item)} alt={value.alt || item.alt} /> : <span className="md-blocked-img">{missing ? 'This image is no longer in the media library.' : 'Loading the image…'}</span>}
      <div>
        <p className="small">
          From the media library{item ? ` · ${item.width}×${item.height}` : ''}
          <br />
          <span className="muted">Library alt text: {item ? item.alt : '…'}</span>
        </p>
        <div className="item-tools">
          <button type="button" className="btn-small" onClick={choose}>
            Choose another image
          </button>
          <button type="button" className="btn-small btn-danger-text" onClick={() => onChange({ mediaId: '', url: '', alt: '', caption: '', credit: '' })}>
            Remove hero image
          </button>
        </div>
      </div>
    </div>
  );
}
