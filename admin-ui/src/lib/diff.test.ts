import { describe, expect, it } from 'vitest';
import { diffContent, diffStats, flatten, groupByTopLevel, lineClass, lineDiff, linesOf, valueText } from './diff';
import { emptyContent } from './content';

describe('lineDiff', () => {
  it('marks added, removed and unchanged lines', () => {
    expect(lineDiff('a\nb\nc', 'a\nx\nc')).toEqual([
      { op: ' ', text: 'a' },
      { op: '-', text: 'b' },
      { op: '+', text: 'x' },
      { op: ' ', text: 'c' },
    ]);
  });
  it('handles empty sides', () => {
    expect(lineDiff('', 'new')).toEqual([{ op: '+', text: 'new' }]);
    expect(lineDiff('old', '')).toEqual([{ op: '-', text: 'old' }]);
    expect(lineDiff('', '')).toEqual([]);
  });
});

describe('content diff', () => {
  it('flattens nested content to paths', () => {
    expect(flatten({ a: { b: 'x' }, l: ['p', 'q'], s: [{ h: 'y' }] })).toEqual({ 'a.b': 'x', 'l[0]': 'p', 'l[1]': 'q', 's[0].h': 'y' });
  });
  it('lists changed fields with their kind', () => {
    const a = { ...emptyContent(), title: 'Old', sections: [{ heading: 'H', body: 'one\ntwo' }] };
    const b = { ...emptyContent(), title: 'New', summary: 'Added', sections: [{ heading: 'H', body: 'one\nthree' }] };
    const changes = diffContent(a, b);
    const byPath = Object.fromEntries(changes.map((c) => [c.path, c.kind]));
    expect(byPath).toEqual({ title: 'changed', summary: 'added', 'sections[0].body': 'changed' });
    expect(diffStats(changes)).toEqual({ added: 3, removed: 2, fields: 3 });
    expect(groupByTopLevel(changes).map((g) => g.field)).toEqual(['title', 'summary', 'sections']);
  });
  it('reports no changes for equal content', () => {
    expect(diffContent(emptyContent(), emptyContent())).toEqual([]);
  });
});

describe('server diff rendering helpers', () => {
  it('uses server lines when present, else diffs before/after', () => {
    expect(linesOf({ path: 'title', kind: 'changed', lines: [{ op: '+', text: 'x' }] })).toEqual([{ op: '+', text: 'x' }]);
    expect(linesOf({ path: 'topics', kind: 'changed', before: ['a'], after: ['a', 'b'] })).toEqual([
      { op: ' ', text: 'a' },
      { op: '+', text: 'b' },
    ]);
  });
  it('renders values as text', () => {
    expect(valueText(null)).toBe('');
    expect(valueText('s')).toBe('s');
    expect(valueText(['a', 'b'])).toBe('a\nb');
    expect(valueText({ url: 'u' })).toContain('"url": "u"');
  });
  it('classes lines', () => {
    expect(lineClass('+')).toBe('diff-add');
    expect(lineClass('-')).toBe('diff-del');
    expect(lineClass(' ')).toBe('diff-ctx');
  });
});
