import { describe, expect, it } from 'vitest';
import { who } from './permissions.fixture';
import { bucketize, bucketsFor, lastTransition } from './dashboard';
import type { ArticleSummary, AuditEvent, User } from './types';

const me: User = { id: 'u_me', email: 'me@x', name: 'Me', roles: ['writer'] };
const art = (id: string, extra: Partial<ArticleSummary> = {}): ArticleSummary => ({
  id,
  version: 1,
  rev: 1,
  status: 'draft',
  slug: id,
  title: id,
  authorId: 'u_me',
  updatedAt: '2025-01-01T00:00:00Z',
  ...extra,
});
const ev = (seq: number, action: string): AuditEvent => ({ seq, action, at: '', actor: 'x' });

describe('dashboard buckets', () => {
  it('shows buckets by role', () => {
    expect(bucketsFor(who('writer')).map((b) => b.id)).toEqual(['changesRequested', 'myDrafts', 'mySubmissions', 'recentlyPublished']);
    expect(bucketsFor(who('clinical_reviewer')).map((b) => b.id)).toEqual(['awaitingReview', 'reviewDue', 'recentlyPublished']);
    expect(bucketsFor(who('editor')).map((b) => b.id)).toContain('scheduled');
    expect(bucketsFor(who('admin')).map((b) => b.id)).toEqual(['recentlyPublished']);
  });
  it('finds the last transition ignoring edits', () => {
    expect(lastTransition([ev(1, 'create'), ev(2, 'submit'), ev(3, 'request_changes'), ev(4, 'update')])?.action).toBe('request_changes');
    expect(lastTransition([ev(3, 'request_changes'), ev(5, 'submit'), ev(6, 'withdraw')])?.action).toBe('withdraw');
    expect(lastTransition([ev(1, 'create')])).toBeUndefined();
  });
  it('splits drafts, reviews, approvals and schedules', () => {
    const b = bucketize({
      me,
      drafts: [art('d1'), art('d2'), art('other', { authorId: 'u_x' })],
      inReview: [art('r1', { status: 'in_review' }), art('r2', { status: 'in_review', authorId: 'u_x' })],
      approved: [art('a1', { status: 'approved' }), art('s1', { status: 'approved', scheduledAt: '2030-01-01T00:00:00Z' })],
      published: [art('p1', { status: 'published', updatedAt: '2025-01-02T00:00:00Z' }), art('p2', { status: 'published', updatedAt: '2025-03-01T00:00:00Z' })],
      due: [art('p1', { status: 'published', nextReviewDue: '2025-01-01' })],
      eventsByArticle: { d2: [ev(1, 'create'), ev(2, 'submit'), ev(3, 'request_changes'), ev(4, 'update')] },
    });
    expect(b.myDrafts.map((a) => a.id)).toEqual(['d1']);
    expect(b.changesRequested.map((a) => a.id)).toEqual(['d2']);
    expect(b.mySubmissions.map((a) => a.id)).toEqual(['r1']);
    expect(b.awaitingReview.map((a) => a.id)).toEqual(['r2']);
    expect(b.approved.map((a) => a.id)).toEqual(['a1']);
    expect(b.scheduled.map((a) => a.id)).toEqual(['s1']);
    expect(b.reviewDue.map((a) => a.id)).toEqual(['p1']);
    expect(b.recentlyPublished.map((a) => a.id)).toEqual(['p2', 'p1']);
  });
});

describe('review queue', () => {
  it('the longest waiting first, by last submission (fractional seconds compared as times)', async () => {
    const { byWaitingLongest } = await import('./dashboard');
    const a = (id: string, submittedAt?: string, updatedAt?: string) => ({ id, version: 1, rev: 1, status: 'in_review' as const, slug: id, title: id, authorId: 'u', submittedAt, updatedAt });
    const list = [a('new', '2026-11-29T08:48:02Z'), a('old', '2026-11-28T08:00:00.5Z'), a('mid', '2026-11-29T08:48:01.999Z'), a('legacy', undefined, '2026-11-29T08:00:00Z')];
    expect([...list].sort(byWaitingLongest).map((x) => x.id)).toEqual(['old', 'legacy', 'mid', 'new']);
  });
});
