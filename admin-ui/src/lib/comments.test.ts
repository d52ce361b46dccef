import { describe, expect, it } from 'vitest';
import { findQuote, mayEditComment, orderComments, placeLabel, sourceQuote, visibleQuote, type ArticleComment } from './comments';
import { emptyContent } from './content';

const comment = (over: Partial<ArticleComment>): ArticleComment => ({
  id: 'c1',
  body: 'Cite a source.',
  anchor: { path: 'summary', quote: 'x' },
  authorId: 'u_clin',
  at: '2026-01-01T00:00:00Z',
  resolved: false,
  replies: [],
  ...over,
});

describe('sourceQuote: the stored text a selection of rendered text covers', () => {
  const md = 'A racing heart, **shortness of breath** and a sense of dread.\n\n- sweating\n- trembling';
  it('is the selection itself when the source holds it', () => {
    expect(sourceQuote(md, 'shortness of breath')).toBe('shortness of breath');
  });
  it('reaches over emphasis markers the reader never saw', () => {
    expect(sourceQuote(md, 'racing heart, shortness of')).toBe('racing heart, **shortness of');
    expect(sourceQuote(md, 'breath and a sense')).toBe('breath** and a sense');
  });
  it('matches across paragraphs and list items by any whitespace', () => {
    expect(sourceQuote(md, 'sweating\ntrembling')).toBe('sweating\n- trembling');
    expect(sourceQuote('1. one\n2. two', 'one two')).toBe('one\n2. two');
    expect(sourceQuote('one\n\ntwo', 'one two')).toBe('one\n\ntwo');
  });
  it('is null when the text is not there', () => {
    expect(sourceQuote(md, 'chest pain')).toBeNull();
    expect(sourceQuote(md, '   ')).toBeNull();
  });
  it('treats regex characters literally', () => {
    expect(sourceQuote('Call (555) 010-1234 now.', '(555) 010-1234')).toBe('(555) 010-1234');
    expect(sourceQuote('a.b', 'a*b')).toBeNull();
  });
});

describe('findQuote: where the passage is in the rendered text (highlighting)', () => {
  const rendered = 'A racing heart, shortness of breath and a sense of dread.';
  it('finds a stored quote with emphasis markers in the rendered text', () => {
    const at = findQuote(rendered, 'racing heart, **shortness of');
    expect(at).not.toBeNull();
    expect(rendered.slice(at![0], at![1])).toBe('racing heart, shortness of');
  });
  it('matches whitespace runs loosely (paragraph breaks render as other whitespace)', () => {
    const at = findQuote('one\ntwo three', 'one  two');
    expect(at).toEqual([0, 7]);
  });
  it('is null when the passage changed', () => {
    expect(findQuote(rendered, 'chest pain')).toBeNull();
  });
  it('visibleQuote drops markers and collapses whitespace', () => {
    expect(visibleQuote('**bold**  and\n_it_')).toBe('bold and it');
  });
});

describe('comments: order, labels, who may edit', () => {
  const c = emptyContent();
  c.summary = 'Summary words here.';
  c.sections = [
    { heading: 'First', body: 'Alpha beta gamma.' },
    { heading: 'Second', body: 'Delta epsilon.' },
  ];
  it('orders by where the passage is read, then by offset; changed passages and resolved last', () => {
    const list = [
      comment({ id: 'resolved', anchor: { path: 'summary', quote: 'Summary' }, resolved: true }),
      comment({ id: 'gone', anchor: { path: 'summary', quote: 'old' }, passageChanged: true }),
      comment({ id: 's2', anchor: { path: 'sections[1].body', quote: 'Delta' } }),
      comment({ id: 's1-late', anchor: { path: 'sections[0].body', quote: 'gamma' } }),
      comment({ id: 's1-early', anchor: { path: 'sections[0].body', quote: 'Alpha' } }),
      comment({ id: 'sum', anchor: { path: 'summary', quote: 'words' } }),
    ];
    expect(orderComments(list, c).map((x) => x.id)).toEqual(['sum', 's1-early', 's1-late', 's2', 'gone', 'resolved']);
  });
  it('names places in plain words', () => {
    expect(placeLabel('sections[1].body')).toBe('Section 2 body');
    expect(placeLabel('keyTakeaways[0]')).toBe('Key takeaway 1');
    expect(placeLabel('clinicianTake.body')).toBe("Clinician's take");
  });
  it('only the author edits, and only before a reply', () => {
    expect(mayEditComment(comment({}), 'u_clin')).toBe(true);
    expect(mayEditComment(comment({}), 'u_other')).toBe(false);
    expect(mayEditComment(comment({ replies: [{ id: 'r', body: 'ok', authorId: 'u_w', at: 't' }] }), 'u_clin')).toBe(false);
  });
});
