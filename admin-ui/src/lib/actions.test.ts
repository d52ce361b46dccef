import { describe, expect, it } from 'vitest';
import { actionsFor, approvalSignature, mayCall, mayOnArticle } from './actions';
import { who } from './permissions.fixture';
import { licenseStatus, daysUntil } from './license';
import { counter, move, toPayload, emptyContent, localWarnings } from './content';

describe('actions shown to a user', () => {
  const approved = { status: 'approved' as const, live: null, allowedActions: [{ action: 'publish', allowed: true }] };
  it('a writer never sees publish', () => {
    expect(actionsFor(who('writer'), approved).map((a) => a.action)).toEqual([]);
    expect(actionsFor(who('editor'), approved).map((a) => a.action)).toEqual(['publish', 'archive']);
  });
  it('disables with the server reason', () => {
    const v = actionsFor(who('clinical_reviewer'), {
      status: 'in_review',
      live: null,
      allowedActions: [
        { action: 'approve', allowed: false, reason: 'you wrote this article' },
        { action: 'request_changes', allowed: true },
      ],
    });
    expect(v.find((a) => a.action === 'approve')).toMatchObject({ allowed: false, reason: 'you wrote this article' });
    expect(v.find((a) => a.action === 'request_changes')).toMatchObject({ allowed: true });
  });
  it('actions missing from allowedActions are disabled', () => {
    const v = actionsFor(who('editor'), { status: 'draft', live: null, allowedActions: [] });
    expect(v.every((a) => !a.allowed)).toBe(true);
  });
  it('follows the policy, not role names: a custom role with reviewer and editor rights', () => {
    const director = {
      id: 'u_md',
      permissions: { routes: ['GET /api/admin/reviews/due'], ownArticles: ['create', 'approve', 'publish'], otherArticles: ['approve', 'publish'] },
    };
    expect(actionsFor(director, approved).map((a) => a.action)).toEqual(['publish']);
    expect(mayOnArticle(director, { authorId: 'u_x' }, 'approve')).toBe(true);
    expect(mayOnArticle(who('writer'), { authorId: 'u_x' }, 'edit')).toBe(false);
    expect(mayOnArticle(who('writer'), { authorId: 'u_me' }, 'edit')).toBe(true);
    expect(mayOnArticle({ id: 'u_me' }, null, 'create')).toBe(false);
    expect(mayCall(director, 'GET /api/admin/users')).toBe(false);
    expect(mayCall(who('admin'), 'GET /api/admin/users')).toBe(true);
  });
  it('unpublish applies whenever there is a live version', () => {
    const v = actionsFor(who('editor'), { status: 'draft', live: { rev: 1, contentHash: 'h', publishedAt: 't' }, allowedActions: [{ action: 'unpublish', allowed: true }] });
    expect(v.map((a) => a.action)).toContain('unpublish');
  });
});

describe('license status', () => {
  const today = new Date('2025-06-01T12:00:00Z');
  const lic = (expiresOn: string, verifiedAt: string | null = '2025-01-01T00:00:00Z') => ({ type: 'LPC', number: '1', jurisdiction: 'OR', expiresOn, verifiedAt });
  it('computes days', () => {
    expect(daysUntil('2025-06-11', today)).toBe(10);
  });
  it('classifies', () => {
    expect(licenseStatus(null, today).state).toBe('none');
    expect(licenseStatus(lic('2025-05-31'), today).state).toBe('expired');
    expect(licenseStatus(lic('2025-06-20'), today).state).toBe('expiring');
    expect(licenseStatus(lic('2025-07-01'), today).state).toBe('expiring');
    expect(licenseStatus(lic('2025-07-02'), today).state).toBe('valid');
    expect(licenseStatus(lic('2026-01-01', null), today).state).toBe('unverified');
  });
});

describe('content helpers', () => {
  it('counts characters against a limit', () => {
    expect(counter('abc', 60)).toMatchObject({ length: 3, over: false, text: '3/60' });
    expect(counter('x'.repeat(61), 60).over).toBe(true);
  });
  it('moves items', () => {
    expect(move([1, 2, 3], 0, 1)).toEqual([2, 1, 3]);
    expect(move([1, 2, 3], 2, 3)).toEqual([1, 2, 3]);
  });
  it('drops blank list entries from the payload', () => {
    const p = toPayload({ ...emptyContent(), keyTakeaways: ['a', ' '], topics: [' x ', ''] });
    expect(p.keyTakeaways).toEqual(['a']);
    expect(p.sections).toEqual([]);
    expect(p.topics).toEqual(['x']);
  });
  it('requires alt text when an image URL is set', () => {
    expect(localWarnings({ ...emptyContent(), heroImage: { ...emptyContent().heroImage, url: 'https://x/y.png', alt: '' } })['heroImage.alt']).toBeTruthy();
  });
});

describe('approval signature', () => {
  const sig = { signerName: 'Casey', meaning: 'clinically reviewed and approved', at: 't', rev: 1, contentHash: 'h' };
  it('reads both the documented and the served shape', () => {
    expect(approvalSignature({ approval: { signature: sig } })?.signerName).toBe('Casey');
    expect(approvalSignature({ approval: sig })?.signerName).toBe('Casey');
    expect(approvalSignature({ approval: null })).toBeNull();
  });
});

describe('scheduling and publishing again', () => {
  const approved = { status: 'approved' as const, live: null, authorId: 'u_w', allowedActions: [{ action: 'publish', allowed: true }] };
  it('a scheduled article offers a new time and cancelling; a writer gets neither', () => {
    const scheduled = { ...approved, scheduledAt: '2031-05-04T09:30:00Z' };
    const v = actionsFor(who('editor', 'u_e'), scheduled);
    expect(v.map((a) => [a.action, a.label])).toEqual([
      ['publish', 'Change the publish time'],
      ['unschedule', 'Cancel the schedule'],
      ['archive', 'Archive'],
    ]);
    expect(v.find((a) => a.action === 'unschedule')?.allowed).toBe(true);
    expect(actionsFor(who('writer', 'u_w'), scheduled)).toEqual([]);
    expect(actionsFor(who('editor', 'u_e'), approved).map((a) => a.action)).not.toContain('unschedule');
  });
  it('an unpublished article offers "Publish again", enabled only as the server allows', () => {
    const unpublished = { status: 'unpublished' as const, live: null, authorId: 'u_w', allowedActions: [{ action: 'publish', allowed: false, reason: 'the content changed since it was signed off: it needs a new sign-off' }] };
    const pub = actionsFor(who('editor', 'u_e'), unpublished).find((a) => a.action === 'publish');
    expect(pub?.label).toBe('Publish again');
    expect(pub?.allowed).toBe(false);
    expect(pub?.reason).toMatch(/new sign-off/);
    const ok = actionsFor(who('editor', 'u_e'), { ...unpublished, allowedActions: [{ action: 'publish', allowed: true }] }).find((a) => a.action === 'publish');
    expect(ok?.allowed).toBe(true);
  });
});
