import { api } from './api';
import type { Content } from './types';

/** A passage a comment points at: a hashed text field and the exact text selected in it. */
export interface Anchor {
  path: string;
  quote: string;
}

export interface CommentReply {
  id: string;
  body: string;
  authorId: string;
  authorName?: string;
  at: string;
}

/** A comment anchored to a passage (GET /api/admin/articles/{id}/comments). Never delivered to sites. */
export interface ArticleComment {
  id: string;
  body: string;
  anchor: Anchor;
  /** The quote is found nowhere in the working copy any more. */
  passageChanged?: boolean;
  authorId: string;
  authorName?: string;
  at: string;
  editedAt?: string | null;
  resolved: boolean;
  resolvedBy?: string;
  resolvedByName?: string;
  resolvedAt?: string | null;
  replies?: CommentReply[];
}

export const commentsApi = {
  list: (articleId: string) => api.get<{ items: ArticleComment[] }>(`/articles/${articleId}/comments`).then((r) => r.items ?? []),
  create: (articleId: string, body: string, anchor: Anchor) => api.post<ArticleComment>(`/articles/${articleId}/comments`, { body, anchor }),
  reply: (articleId: string, cid: string, body: string) => api.post<ArticleComment>(`/articles/${articleId}/comments/${cid}/replies`, { body }),
  resolve: (articleId: string, cid: string) => api.post<ArticleComment>(`/articles/${articleId}/comments/${cid}/resolve`),
  edit: (articleId: string, cid: string, body: string) => api.patch<ArticleComment>(`/articles/${articleId}/comments/${cid}`, { body }),
};

/** Only the author edits a comment, and only before anyone replied (the server enforces both). */
export function mayEditComment(c: ArticleComment, userId: string): boolean {
  return c.authorId === userId && !(c.replies ?? []).length && !c.resolved;
}

/** Markdown's inline markers, which a reader's selection of rendered text never contains. */
const MARKERS = '*_~`';

function escapeRe(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * The passage of the stored text that a selection of its rendered form
 * covers. A reader selects "racing heart, shortness of" where the source
 * says "racing heart, **shortness of": the quote sent to the server must be
 * the stored text, or it could never be found again. Whitespace runs match
 * any whitespace; Markdown's emphasis markers may sit anywhere between
 * characters. Returns null when the selection is not in the source at all.
 */
export function sourceQuote(source: string, selected: string): string | null {
  const sel = selected.replace(/\s+/g, ' ').trim();
  if (!sel) return null;
  if (source.includes(sel)) return sel;
  const gap = `[${escapeRe(MARKERS)}]*`;
  // Between words: whitespace, emphasis, and the block markers a line may start with (lists, quotes, headings).
  const space = `(?:[\\s${escapeRe(MARKERS)}>#+-]|\\d+[.)])+`;
  const pattern = [...sel].map((ch) => (ch === ' ' ? space : escapeRe(ch))).join(gap);
  const m = new RegExp(pattern).exec(source);
  return m ? m[0] : null;
}

/** A quote as a reader sees it: without emphasis markers, whitespace collapsed. */
export function visibleQuote(quote: string): string {
  return quote.replace(/[*_~`]/g, '').replace(/\s+/g, ' ').trim();
}

/**
 * Where a quote sits in a rendered text (offsets into `text`), matching
 * whitespace runs loosely and ignoring emphasis markers in the quote.
 * Returns null when it is not there.
 */
export function findQuote(text: string, quote: string): [number, number] | null {
  const q = visibleQuote(quote);
  if (!q) return null;
  const pattern = q
    .split(' ')
    .map((w) => [...w].map(escapeRe).join(''))
    .join('\\s+');
  const m = new RegExp(pattern).exec(text);
  return m ? [m.index, m.index + m[0].length] : null;
}

/** The text fields a comment can point at, in reading order, with their stored text. */
export function textFields(c: Content): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [
    { path: 'title', text: c.title },
    { path: 'summary', text: c.summary },
  ];
  c.keyTakeaways.forEach((t, i) => out.push({ path: `keyTakeaways[${i}]`, text: t }));
  c.sections.forEach((s, i) => {
    out.push({ path: `sections[${i}].heading`, text: s.heading });
    out.push({ path: `sections[${i}].body`, text: s.body });
  });
  out.push({ path: 'clinicianTake.body', text: c.clinicianTake.body });
  out.push({ path: 'cta.heading', text: c.cta.heading });
  out.push({ path: 'cta.body', text: c.cta.body });
  return out;
}

/** Plain words for where a passage is ("Section 2 body"), never a field path. */
export function placeLabel(path: string): string {
  let m: RegExpMatchArray | null;
  if ((m = path.match(/^sections\[(\d+)\]\.(heading|body)$/))) return `Section ${Number(m[1]) + 1} ${m[2]}`;
  if ((m = path.match(/^keyTakeaways\[(\d+)\]$/))) return `Key takeaway ${Number(m[1]) + 1}`;
  const named: Record<string, string> = {
    title: 'Title',
    summary: 'Summary',
    'clinicianTake.body': "Clinician's take",
    'cta.heading': 'Call to action heading',
    'cta.body': 'Call to action text',
  };
  return named[path] ?? 'The article';
}

/**
 * Comments in the order a reader meets their passages (then by time);
 * comments whose passage changed come last, resolved ones after the open.
 */
export function orderComments(list: ArticleComment[], c: Content): ArticleComment[] {
  const order = new Map(textFields(c).map((f, i) => [f.path, i]));
  const pos = (x: ArticleComment) => {
    if (x.passageChanged) return [1e9, 0];
    const field = c && textFields(c).find((f) => f.path === x.anchor.path);
    const at = field ? field.text.indexOf(x.anchor.quote) : -1;
    return [order.get(x.anchor.path) ?? 1e8, at < 0 ? 0 : at];
  };
  return [...list].sort((a, b) => {
    if (a.resolved !== b.resolved) return a.resolved ? 1 : -1;
    const [fa, oa] = pos(a);
    const [fb, ob] = pos(b);
    return fa - fb || oa - ob || a.at.localeCompare(b.at);
  });
}
