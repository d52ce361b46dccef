import { describe, expect, it } from 'vitest';
import { fieldLabel, mergeBlockers, missingForReview, nextStep, plainReason, previewHref, requiredPaths } from './nextStep';
import { emptyContent } from './content';
import { who } from './permissions.fixture';
import type { Article, Content } from './types';

const complete = (): Content => {
  const c = emptyContent();
  c.title = 'Sleep and anxiety';
  c.slug = 'sleep-and-anxiety';
  c.summary = 'Why worry keeps you up.';
  c.keyTakeaways = ['Routine helps.'];
  c.sections = [{ heading: '', body: 'Intro.' }];
  return c;
};
const article = (over: Partial<Article> = {}): Article =>
  ({ ...complete(), id: 'a1', version: 3, rev: 2, contentHash: 'h', status: 'draft', authorId: 'u_me', allowedActions: [], ...over }) as Article;

describe('blocked reasons in plain words', () => {
  it('turns the server\'s field paths into field names, each linked to its field', () => {
    const b = plainReason('the article is not ready for review: fix keyTakeaways, sections[1].heading, summary');
    expect(b).toEqual([
      { path: 'keyTakeaways', text: 'Key takeaways: needed before review.' },
      { path: 'sections[1].heading', text: 'Section 2 heading: needed before review.' },
      { path: 'summary', text: 'Summary: needed before review.' },
    ]);
    for (const x of b) expect(x.text).not.toMatch(/keyTakeaways|sections\[|\]\./);
  });
  it('keeps other reasons as a sentence', () => {
    expect(plainReason('the article is live; unpublish it first')).toEqual([{ text: 'The article is live; unpublish it first.' }]);
  });
  it('names fields as the editor labels them', () => {
    expect(fieldLabel('sections.0.body')).toBe('Section 1 body');
    expect(fieldLabel('keyTakeaways[3]')).toBe('Key takeaway 4');
    expect(fieldLabel('heroImage.alt')).toBe('Hero image alt text');
  });
  it('one blocker per field; a list is covered by a blocker on one of its items', () => {
    const m = mergeBlockers([{ path: 'keyTakeaways[0]', text: 'Fill in key takeaway 1 or remove it.' }], [{ path: 'keyTakeaways', text: 'x' }, { path: 'keyTakeaways[0]', text: 'y' }]);
    expect(m).toEqual([{ path: 'keyTakeaways[0]', text: 'Fill in key takeaway 1 or remove it.' }]);
  });
});

describe('fields required for submission, known before the first attempt', () => {
  it('nothing is missing from a complete draft', () => {
    expect(missingForReview(complete())).toEqual([]);
  });
  it('names each missing field', () => {
    const c = complete();
    c.summary = ' ';
    c.keyTakeaways = [];
    c.sections = [
      { heading: '', body: 'intro' },
      { heading: '', body: '' },
    ];
    c.clinicianTake.body = 'Words.';
    c.cta.url = 'https://example.org';
    expect(missingForReview(c).map((b) => b.path)).toEqual(['summary', 'keyTakeaways', 'sections[1].heading', 'sections[1].body', 'clinicianTake.clinician', 'cta.label']);
  });
  it('marks the first section\'s heading as optional', () => {
    const r = requiredPaths(complete());
    expect(r.has('sections[0].body')).toBe(true);
    expect(r.has('sections[0].heading')).toBe(false);
    expect(r.has('title')).toBe(true);
  });
});

describe('the next step', () => {
  it('a writer\'s incomplete draft: finish it, with the reasons', () => {
    const a = article({ summary: '', allowedActions: [{ action: 'submit', allowed: false, reason: 'the article is not ready for review: fix summary' }] });
    const s = nextStep({ article: a, content: { ...complete(), summary: '' }, user: who('writer', 'u_me') });
    expect(s.text).toMatch(/Finish the draft/);
    expect(s.blockers).toEqual([{ path: 'summary', text: 'Write a summary.' }]);
  });
  it('waits for the save before anything else', () => {
    const s = nextStep({ article: article({ allowedActions: [{ action: 'submit', allowed: true }] }), content: complete(), user: who('writer', 'u_me'), pending: 'saving' });
    expect(s.blockers[0].text).toMatch(/saved/);
  });
  it('a complete draft: submit; changes requested: make them and submit again', () => {
    const user = who('writer', 'u_me');
    expect(nextStep({ article: article({ allowedActions: [{ action: 'submit', allowed: true }] }), content: complete(), user }).text).toBe('Submit for clinical review.');
    const cr = article({ changesRequested: { comment: 'x', actorId: 'u_c', at: 't' } });
    expect(nextStep({ article: cr, content: complete(), user, openComments: 2 }).text).toMatch(/changes the clinician asked for.*2 comments are still open/);
  });
  it('in review: the clinician decides, the writer waits (withdraw to edit)', () => {
    const a = article({ status: 'in_review', authorId: 'u_writer' });
    expect(nextStep({ article: a, content: complete(), user: who('clinical_reviewer', 'u_c') }).text).toMatch(/sign off or request changes/);
    expect(nextStep({ article: { ...a, authorId: 'u_me' }, content: complete(), user: who('writer', 'u_me') }).text).toMatch(/Withdraw/);
  });
  it('approved: the editor publishes or schedules; scheduled: change or cancel', () => {
    const a = article({ status: 'approved', authorId: 'u_w' });
    expect(nextStep({ article: a, content: complete(), user: who('editor', 'u_e') }).text).toMatch(/publish it now or schedule/);
    expect(nextStep({ article: { ...a, scheduledAt: '2031-01-01T00:00:00Z' }, content: complete(), user: who('editor', 'u_e') }).text).toMatch(/cancel the schedule/);
    expect(nextStep({ article: a, content: complete(), user: who('writer', 'u_w') }).text).toMatch(/An editor publishes it/);
  });
  it('unpublished: publish again when the server allows it, else say a new sign-off is needed', () => {
    const a = article({ status: 'unpublished', authorId: 'u_w', allowedActions: [{ action: 'publish', allowed: true }] });
    expect(nextStep({ article: a, content: complete(), user: who('editor', 'u_e') }).text).toMatch(/publish it again/);
    const b = { ...a, allowedActions: [{ action: 'publish', allowed: false, reason: 'the content changed since it was signed; a new sign-off is needed' }] };
    const s = nextStep({ article: b, content: complete(), user: who('editor', 'u_e') });
    expect(s.text).toMatch(/needs a new sign-off/);
    expect(s.blockers[0].text).toMatch(/new sign-off is needed/);
  });
});

describe('preview on site', () => {
  it('fills {id} and {slug} into the template', () => {
    expect(previewHref('https://www.example.org/api/draft?id={id}&slug={slug}', { id: 'a 1', slug: 'sleep' })).toBe('https://www.example.org/api/draft?id=a%201&slug=sleep');
  });
  it('offers nothing without a template or for a non-web address', () => {
    expect(previewHref('', { id: 'a', slug: 's' })).toBeNull();
    expect(previewHref('javascript:alert({id})', { id: 'a', slug: 's' })).toBeNull();
  });
});
