import { describe, expect, it } from 'vitest';
import { sinceRequestedRev } from './compare';
import type { AuditEvent } from './types';

const ev = (seq: number, action: string, rev: number): AuditEvent => ({ seq, action, rev, at: '', actor: 'u' });

describe('sinceRequestedRev', () => {
  it('is the revision changes were last requested on', () => {
    const events = [ev(1, 'create', 1), ev(2, 'submit', 3), ev(3, 'request_changes', 3), ev(4, 'submit', 5), ev(5, 'request_changes', 5), ev(6, 'submit', 8)];
    expect(sinceRequestedRev(events, 8)).toBe(5);
  });
  it('falls back to the last submitted revision before the current one', () => {
    expect(sinceRequestedRev([ev(1, 'submit', 2), ev(2, 'withdraw', 2), ev(3, 'submit', 4)], 4)).toBe(2);
  });
  it('is null for a first submission', () => {
    expect(sinceRequestedRev([ev(1, 'create', 1), ev(2, 'submit', 3)], 3)).toBeNull();
  });
});

import { changesRequestedFrom } from './changes';

describe('changesRequestedFrom', () => {
  const rc = (seq: number, comment: string): AuditEvent => ({ seq, action: 'request_changes', rev: seq, at: `t${seq}`, actor: 'c1', actorName: 'Casey', comment });
  it('is the newest request after the last submit', () => {
    expect(changesRequestedFrom([ev(1, 'submit', 1), rc(2, 'first'), ev(3, 'submit', 3), rc(4, 'second')])).toEqual({
      comment: 'second', actorId: 'c1', actorName: 'Casey', at: 't4', rev: 4,
    });
  });
  it('is null once resubmitted', () => {
    expect(changesRequestedFrom([ev(1, 'submit', 1), rc(2, 'first'), ev(3, 'submit', 3)])).toBeNull();
  });
});
