/** Lowercase kebab-case slug from a title: "Sleep & Anxiety: 5 Tips" → "sleep-and-anxiety-5-tips". */
export function slugify(title: string, maxLength = 80): string {
  const s = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // strip accents
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/['’]/g, '') // don't → dont
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (s.length <= maxLength) return s;
  const cut = s.slice(0, maxLength);
  const lastDash = cut.lastIndexOf('-');
  return (lastDash > maxLength / 2 ? cut.slice(0, lastDash) : cut).replace(/-+$/g, '');
}

export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export function isValidSlug(slug: string): boolean {
  return SLUG_PATTERN.test(slug);
}

/**
 * The slug after a title edit: follows the title while the slug was never set by
 * hand (empty, or equal to the slug of the previous title) and is not locked
 * (e.g. the article has been live, so its URL must not move silently).
 */
export function nextSlug(prevTitle: string, newTitle: string, currentSlug: string, locked: boolean): string {
  if (locked) return currentSlug;
  if (currentSlug === '' || currentSlug === slugify(prevTitle)) return slugify(newTitle);
  return currentSlug;
}
