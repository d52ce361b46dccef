import { ApiError } from './api';

/** An image of the media library as the management API shows it (docs/media.md). */
export interface MediaItem {
  id: string;
  /** The original size, metadata stripped: /media/<hash>/<width>.<ext>. */
  url: string;
  width: number;
  height: number;
  alt: string;
  caption: string;
  credit: string;
  contentType: string;
  bytes: number;
  /** Every rendition, narrowest first. */
  variants: { width: number; url: string }[];
  filename?: string;
  createdAt?: string;
  updatedAt?: string;
}

export interface MediaPage {
  items: MediaItem[];
  page: number;
  limit: number;
  total: number;
}

/** The server's limits (media.MaxBytes, media.MaxAlt…); the server checks them again. */
export const MAX_BYTES = 20 << 20;
export const ALT_MAX = 300;
export const CAPTION_MAX = 500;
export const CREDIT_MAX = 200;
/** What the file input offers; the server recognises the format by content, not by this. */
export const ACCEPT = 'image/jpeg,image/png,image/webp';

/** The smallest rendition: what a thumbnail loads. */
export function thumbURL(m: Pick<MediaItem, 'url' | 'variants'>): string {
  return m.variants?.[0]?.url || m.url;
}

/** The rendition for an inline image: the widest up to 1024 px (else the narrowest). */
export function inlineURL(m: Pick<MediaItem, 'url' | 'variants'>): string {
  const vs = m.variants ?? [];
  let best = '';
  for (const v of vs) if (v.width <= 1024) best = v.url;
  return best || vs[0]?.url || m.url;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/** A refusal before anything is sent: what the server would refuse anyway. */
export function checkFile(f: { name: string; size: number }): string {
  if (f.size === 0) return `“${f.name}” is empty.`;
  if (f.size > MAX_BYTES) return `“${f.name}” is ${formatBytes(f.size)}; at most 20 MB can be uploaded. Export a smaller copy and try again.`;
  return '';
}

function sentence(s: string): string {
  const t = s.trim();
  if (!t) return t;
  const c = t[0].toUpperCase() + t.slice(1);
  return /[.!?]$/.test(c) ? c : c + '.';
}

/**
 * The server's refusal of an upload in plain words, naming the file. Field
 * problems with alt, caption or credit are shown beside those fields and
 * not repeated here ('' when there is nothing else to say).
 */
export function uploadRefusal(e: unknown, filename: string): string {
  const name = `“${filename}”`;
  if (!(e instanceof ApiError)) return `${name} was not uploaded: ${e instanceof Error ? e.message : String(e)}. Try again.`;
  const msg = e.fields.file || e.message;
  switch (e.status) {
    case 0:
      return `The server could not be reached, so ${name} was not uploaded. Nothing you typed is lost: try again.`;
    case 401:
      return `Your session ended, so ${name} was not uploaded. Sign in again and retry.`;
    case 403:
      return `You may not upload images (${sentence(e.message)})`;
    case 413:
      return `${name} is too large: ${sentence(msg)}`;
    case 415:
      return `${name} is not an image Vetted accepts. ${sentence(msg)}`;
    case 400: {
      const other = Object.keys(e.fields).filter((k) => k !== 'alt' && k !== 'caption' && k !== 'credit');
      if (!other.length && Object.keys(e.fields).length) return '';
      return `${name} was not accepted: ${sentence(msg)}`;
    }
  }
  return `${name} was not uploaded: ${sentence(e.message)}`;
}

/** The articles a 409 on delete names (`current.usedBy`). */
export function usedBy(e: unknown): { id: string; title: string; slug: string }[] {
  if (!(e instanceof ApiError) || e.status !== 409) return [];
  const u = e.body?.current?.usedBy;
  return Array.isArray(u) ? u.filter((x: any) => x && typeof x.id === 'string') : [];
}
