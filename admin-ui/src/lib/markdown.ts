import { marked } from 'marked';
import DOMPurify from 'dompurify';

// One narrow policy for every preview of a writer's Markdown (editor and
// review alike): what the clinician sees is the content, never content dressed
// as the app. Only the elements Markdown itself produces survive; raw HTML
// loses its classes, ids, roles and styles, and app-like elements (buttons,
// forms, details, svg, math, media) are dropped. Images load only from the
// media library (/media/…) or a host the server allow-lists (imageHosts from
// GET /api/admin/me); any other image is shown as a placeholder naming its alt
// text and host and is never fetched. Every image's alt text is written out.

/** Elements Markdown (marked, GFM) produces; nothing else is kept. */
export const ALLOWED_TAGS = [
  'p', 'br', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'ul', 'ol', 'li', 'pre', 'code',
  'em', 'strong', 'del', 'a', 'img', 'table', 'thead', 'tbody', 'tr', 'th', 'td',
];
/** Attributes Markdown produces; no class, id, role, style, data-* or handlers. */
export const ALLOWED_ATTR = ['href', 'title', 'src', 'alt', 'start', 'align'];
const LINK = /^(?:https?:\/\/|mailto:|tel:|#)/i;

/**
 * Whether a link target is allowed: http(s), mailto, tel or a #fragment on
 * the same page (delivery/render.go allows the same). Anything else shows
 * as plain text in previews and on the site.
 */
export function linkAllowed(href: string): boolean {
  const h = (href ?? '').trim();
  if (!LINK.test(h) || /[\s<>"\\]/.test(h)) return false;
  if (/^https?:/i.test(h)) {
    try {
      return !!new URL(h).hostname;
    } catch {
      return false;
    }
  }
  return h.length > (h.startsWith('#') ? 1 : h.indexOf(':') + 1);
}

let imageHosts: string[] = [];
/** Sets the hosts (besides same-origin /media/…) images may load from. */
export function setImageHosts(hosts: string[] | null | undefined) {
  imageHosts = (hosts ?? []).map((h) => h.trim().toLowerCase()).filter(Boolean);
  cache.clear();
}

/** Why an image URL is not loaded, or '' when it may be. */
export function imageBlockReason(src: string, hosts: string[] = imageHosts): string {
  const s = src.trim();
  if (/^\/media\/[^/]/.test(s) && !s.includes('..') && !s.includes('\\')) return '';
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return 'not a web address';
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return `a ${u.protocol.replace(':', '')} address is not allowed`;
  if (!hosts.includes(u.hostname.toLowerCase())) return `${u.hostname} is not an allowed image host`;
  return '';
}

/** Host of an image URL for the placeholder text. */
export function imageHost(src: string): string {
  try {
    return new URL(src.trim(), 'https://same-origin.invalid').hostname.replace('same-origin.invalid', 'this site');
  } catch {
    return 'an unknown host';
  }
}

/** The placeholder text for an image that is not loaded: its alt text and where it would have come from. */
export function blockedText(src: string, alt: string, reason: string): string {
  return `Image not loaded: ${alt ? `“${alt}”` : 'no alt text'} (${reason.includes(imageHost(src)) ? reason : `${imageHost(src)}: ${reason}`})`;
}

const cache = new Map<string, string>();
const CACHE_MAX = 200;

/**
 * Markdown → sanitized HTML under the narrow policy. Sanitized once per
 * distinct text (cached), not on every render.
 */
export function renderMarkdown(md: string): string {
  const key = md ?? '';
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const out = sanitizeMarkdownHtml(marked.parse(key, { async: false, gfm: true, breaks: false }) as string);
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(key, out);
  return out;
}

/** Applies the policy to HTML that marked produced. */
export function sanitizeMarkdownHtml(html: string, hosts: string[] = imageHosts): string {
  const frag = DOMPurify.sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
    ALLOW_UNKNOWN_PROTOCOLS: false,
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|tel:|#|\/media\/)/i,
    RETURN_DOM_FRAGMENT: true,
  }) as DocumentFragment;
  const doc = frag.ownerDocument;
  for (const a of Array.from(frag.querySelectorAll('a'))) {
    const href = a.getAttribute('href') ?? '';
    if (!LINK.test(href)) a.removeAttribute('href');
    else if (!href.startsWith('#')) a.setAttribute('rel', 'noopener noreferrer nofollow');
  }
  for (const img of Array.from(frag.querySelectorAll('img'))) {
    const src = img.getAttribute('src') ?? '';
    const alt = (img.getAttribute('alt') ?? '').trim();
    const blocked = src ? imageBlockReason(src, hosts) : 'no address';
    const figure = doc.createElement('span');
    figure.className = 'md-figure';
    if (blocked) {
      const ph = doc.createElement('span');
      ph.className = 'md-blocked-img';
      ph.textContent = blockedText(src, alt, blocked);
      figure.appendChild(ph);
    } else {
      const clean = doc.createElement('img');
      clean.setAttribute('src', src);
      clean.setAttribute('alt', alt);
      figure.appendChild(clean);
    }
    const cap = doc.createElement('span');
    cap.className = alt ? 'md-alt' : 'md-alt md-alt-missing';
    cap.textContent = alt ? `Alt text: ${alt}` : 'Alt text missing';
    figure.appendChild(cap);
    img.replaceWith(figure);
  }
  const box = doc.createElement('div');
  box.appendChild(frag);
  return box.innerHTML;
}

/** Alt texts of the images in a Markdown text, in order. */
export function markdownImages(md: string): { src: string; alt: string }[] {
  const out: { src: string; alt: string }[] = [];
  marked.walkTokens(marked.lexer(md ?? '', { gfm: true }), (t) => {
    if (t.type === 'image') out.push({ src: t.href, alt: t.text });
  });
  return out;
}
