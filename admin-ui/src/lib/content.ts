import type { Article, Content } from './types';
import { isValidSlug } from './slugify';

export function emptyContent(): Content {
  return {
    slug: '',
    title: '',
    summary: '',
    keyTakeaways: [''],
    sections: [{ heading: '', body: '' }],
    clinicianTake: { body: '', clinician: '' },
    heroImage: { mediaId: '', url: '', alt: '', caption: '', credit: '' },
    topics: [],
    related: [],
    cta: { heading: '', body: '', label: '', url: '' },
    seo: { title: '', description: '', canonicalUrl: '' },
  };
}

/** The editable content of an article, with every field present (missing → empty). */
export function contentOf(a: Partial<Content> | null | undefined): Content {
  const e = emptyContent();
  if (!a) return e;
  return {
    slug: a.slug ?? '',
    title: a.title ?? '',
    summary: a.summary ?? '',
    keyTakeaways: a.keyTakeaways && a.keyTakeaways.length ? [...a.keyTakeaways] : [],
    sections: (a.sections ?? []).map((s) => ({ heading: s?.heading ?? '', body: s?.body ?? '' })),
    clinicianTake: { body: a.clinicianTake?.body ?? '', clinician: a.clinicianTake?.clinician ?? '' },
    heroImage: {
      mediaId: a.heroImage?.mediaId ?? '',
      url: a.heroImage?.url ?? '',
      alt: a.heroImage?.alt ?? '',
      caption: a.heroImage?.caption ?? '',
      credit: a.heroImage?.credit ?? '',
    },
    topics: [...(a.topics ?? [])],
    related: [...(a.related ?? [])],
    cta: {
      heading: a.cta?.heading ?? '',
      body: a.cta?.body ?? '',
      label: a.cta?.label ?? '',
      url: a.cta?.url ?? '',
    },
    seo: {
      title: a.seo?.title ?? '',
      description: a.seo?.description ?? '',
      canonicalUrl: a.seo?.canonicalUrl ?? '',
    },
  };
}

/** Optional fields that are left out when empty (a server before issue 10 refuses them as unknown). */
function withoutEmpty<T extends object>(o: T, keys: (keyof T)[]): T {
  const out = { ...o };
  for (const k of keys) if (out[k] === '') delete out[k];
  return out;
}

/** What is sent to the server: the content fields only, blank list entries dropped. */
export function toPayload(c: Content): Content {
  return {
    ...c,
    clinicianTake: withoutEmpty(c.clinicianTake, ['clinician']),
    heroImage: withoutEmpty(c.heroImage, ['mediaId', 'caption', 'credit']),
    keyTakeaways: c.keyTakeaways.filter((t) => t.trim() !== ''),
    sections: c.sections.filter((s) => s.heading.trim() !== '' || s.body.trim() !== ''),
    topics: c.topics.map((t) => t.trim()).filter(Boolean),
    related: c.related.filter(Boolean),
  };
}

export function contentEqual(a: Content, b: Content): boolean {
  return JSON.stringify(toPayload(a)) === JSON.stringify(toPayload(b));
}

export function isArticle(x: unknown): x is Article {
  return !!x && typeof x === 'object' && 'id' in x && 'version' in x;
}

export const SEO_TITLE_MAX = 60;
export const SEO_DESCRIPTION_MAX = 160;

export interface Counter {
  length: number;
  max: number;
  over: boolean;
  text: string;
}

export function counter(value: string, max: number): Counter {
  const length = [...value].length;
  return { length, max, over: length > max, text: `${length}/${max}` };
}

/** Parses a comma-separated topic input into clean tags. */
export function parseTopics(input: string): string[] {
  const out: string[] = [];
  for (const raw of input.split(',')) {
    const t = raw.trim().toLowerCase();
    if (t && !out.includes(t)) out.push(t);
  }
  return out;
}

export function move<T>(list: T[], from: number, to: number): T[] {
  if (to < 0 || to >= list.length || from === to) return list;
  const copy = [...list];
  const [item] = copy.splice(from, 1);
  copy.splice(to, 0, item);
  return copy;
}

/** Local checks shown immediately; the server's `error.fields` remain authoritative. */
export function localWarnings(c: Content): Record<string, string> {
  const w: Record<string, string> = {};
  if (c.heroImage.url.trim() && !c.heroImage.alt.trim()) w['heroImage.alt'] = 'Alt text is required when an image URL is set';
  if (c.keyTakeaways.length > 7) w['keyTakeaways'] = 'At most 7 key takeaways';
  if (c.related.length > 6) w['related'] = 'At most 6 related articles';
  if (c.sections.length > 50) w['sections'] = 'At most 50 sections';
  if (c.slug && !isValidSlug(c.slug)) w['slug'] = 'Use lowercase letters, digits and single hyphens';
  return w;
}
