import type { Content, DiffChange, DiffLine } from './types';
import { toPayload } from './content';

/** Line diff (LCS) of two texts, used for conflicts computed in the browser. */
export function lineDiff(before: string, after: string): DiffLine[] {
  const a = before === '' ? [] : before.split('\n');
  const b = after === '' ? [] : after.split('\n');
  const n = a.length;
  const m = b.length;
  // LCS table; texts are article fields, small enough for O(n*m).
  const t: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--) t[i][j] = a[i] === b[j] ? t[i + 1][j + 1] + 1 : Math.max(t[i + 1][j], t[i][j + 1]);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ op: ' ', text: a[i] });
      i++;
      j++;
    } else if (t[i + 1][j] >= t[i][j + 1]) out.push({ op: '-', text: a[i++] });
    else out.push({ op: '+', text: b[j++] });
  }
  while (i < n) out.push({ op: '-', text: a[i++] });
  while (j < m) out.push({ op: '+', text: b[j++] });
  return out;
}

/** Flattens content into leaf paths: {"title": "…", "sections[0].heading": "…", "topics[1]": "…"}. */
export function flatten(value: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (Array.isArray(value)) {
    if (value.length === 0 && prefix) out[prefix] = '';
    value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = value == null ? '' : String(value);
  }
  return out;
}

/** Field-level changes between two contents, in the server's diff shape. */
export function diffContent(before: Content, after: Content): DiffChange[] {
  const a = flatten(toPayload(before));
  const b = flatten(toPayload(after));
  const keys: string[] = [];
  for (const k of [...Object.keys(a), ...Object.keys(b)]) if (!keys.includes(k)) keys.push(k);
  const changes: DiffChange[] = [];
  for (const k of keys) {
    const inA = k in a && a[k] !== '';
    const inB = k in b && b[k] !== '';
    if ((a[k] ?? '') === (b[k] ?? '')) continue;
    const kind = !inA ? 'added' : !inB ? 'removed' : 'changed';
    changes.push({ path: k, kind, before: a[k] ?? '', after: b[k] ?? '', lines: lineDiff(a[k] ?? '', b[k] ?? '') });
  }
  return changes;
}

/** Displayable text for a before/after value from the server's diff (may be any JSON). */
export function valueText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join('\n');
  return JSON.stringify(v, null, 2);
}

/** Lines to render for a change: the server's `lines`, or a diff of before/after. */
export function linesOf(c: DiffChange): DiffLine[] {
  if (c.lines && c.lines.length) return c.lines;
  return lineDiff(valueText(c.before), valueText(c.after));
}

export interface DiffStats {
  added: number;
  removed: number;
  fields: number;
}

export function diffStats(changes: DiffChange[]): DiffStats {
  let added = 0;
  let removed = 0;
  for (const c of changes)
    for (const l of linesOf(c)) {
      if (l.op === '+') added++;
      else if (l.op === '-') removed++;
    }
  return { added, removed, fields: changes.length };
}

/** Groups changes by top-level field ("sections[2].body" → "sections"), keeping order. */
export function groupByTopLevel(changes: DiffChange[]): { field: string; changes: DiffChange[] }[] {
  const groups: { field: string; changes: DiffChange[] }[] = [];
  for (const c of changes) {
    const field = c.path.split(/[.[]/)[0];
    let g = groups.find((x) => x.field === field);
    if (!g) groups.push((g = { field, changes: [] }));
    g.changes.push(c);
  }
  return groups;
}

/** Class name for a diff line. */
export function lineClass(op: DiffLine['op']): string {
  return op === '+' ? 'diff-add' : op === '-' ? 'diff-del' : 'diff-ctx';
}

/** Marker read by screen readers and shown in the gutter. */
export function lineMarker(op: DiffLine['op']): string {
  return op === '+' ? 'added' : op === '-' ? 'removed' : 'unchanged';
}
