/**
 * Server validation errors come as `error.fields`: { "sections[2].heading": "required" }.
 * Every input gets a DOM id derived from its path so errors can be shown beside it
 * and linked from the error summary.
 */

export type FieldErrors = Record<string, string>;

/** "sections[2].heading" → ["sections", 2, "heading"] */
export function parsePath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path))) {
    if (m[1] !== undefined) out.push(/^\d+$/.test(m[1]) ? Number(m[1]) : m[1]);
    else out.push(Number(m[2]));
  }
  return out;
}

/** Canonical form: "sections.2.heading" and "sections[2].heading" both → "sections[2].heading". */
export function normalizePath(path: string): string {
  return parsePath(path)
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`))
    .join('');
}

/** DOM id for a field path: "sections[2].heading" → "f-sections-2-heading". */
export function fieldId(path: string): string {
  return 'f-' + parsePath(path).join('-');
}

export function normalizeErrors(fields: FieldErrors | null | undefined): FieldErrors {
  const out: FieldErrors = {};
  if (!fields) return out;
  for (const [k, v] of Object.entries(fields)) out[normalizePath(k)] = String(v);
  return out;
}

/** Error for exactly this field. */
export function errorFor(errors: FieldErrors, path: string): string | undefined {
  return errors[normalizePath(path)];
}

const LABELS: Record<string, string> = {
  slug: 'Slug',
  title: 'Title',
  summary: 'Summary',
  keyTakeaways: 'Key takeaways',
  sections: 'Sections',
  clinicianTake: "Clinician's take",
  heroImage: 'Hero image',
  topics: 'Topics',
  related: 'Related articles',
  cta: 'Call to action',
  seo: 'SEO',
  heading: 'heading',
  body: 'body',
  url: 'URL',
  alt: 'alt text',
  label: 'label',
  description: 'description',
  canonicalUrl: 'canonical URL',
};

/** Human label for a path: "sections[2].heading" → "Sections › 3 › heading". */
export function pathLabel(path: string): string {
  const parts = parsePath(path);
  return parts
    .map((p) => (typeof p === 'number' ? String(p + 1) : LABELS[p] ?? p))
    .join(' › ');
}

/** The id to focus for an error path: the field itself, or its nearest rendered ancestor. */
export function focusTargetFor(path: string, known: Iterable<string>): string | undefined {
  const k = new Set([...known].map(normalizePath));
  let parts = parsePath(path);
  while (parts.length) {
    const p = normalizePath(parts.map((x) => (typeof x === 'number' ? `[${x}]` : `.${x}`)).join('').replace(/^\./, ''));
    if (k.has(p)) return fieldId(p);
    parts = parts.slice(0, -1);
  }
  return undefined;
}
