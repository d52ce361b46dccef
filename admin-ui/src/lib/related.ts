import { useEffect, useState } from 'react';
import { api, qs } from './api';
import type { ArticleSummary, ListResponse } from './types';

/** A related article as the review screen names it. */
export interface RelatedInfo {
  id: string;
  title: string;
  /** Live on the site, so readers can follow the link. */
  published: boolean;
}

/** Picks the article whose slug is exactly `slug` from a search answer. */
export function relatedFrom(slug: string, items: ArticleSummary[]): RelatedInfo | null {
  const a = items.find((x) => x.slug === slug);
  return a ? { id: a.id, title: a.title, published: !!a.hasLive || a.status === 'published' } : null;
}

/** Resolves related-article slugs to titles (null: no article has that slug). */
export function useRelated(slugs: string[]): Record<string, RelatedInfo | null> {
  const [out, setOut] = useState<Record<string, RelatedInfo | null>>({});
  const key = slugs.join('\n');
  useEffect(() => {
    let cancel = false;
    void Promise.all(
      slugs.map(async (slug) => {
        try {
          const r = await api.get<ListResponse<ArticleSummary>>('/articles' + qs({ q: slug, limit: 100 }));
          return [slug, relatedFrom(slug, r.items ?? [])] as const;
        } catch {
          return [slug, null] as const;
        }
      }),
    ).then((pairs) => !cancel && setOut(Object.fromEntries(pairs)));
    return () => {
      cancel = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return out;
}
