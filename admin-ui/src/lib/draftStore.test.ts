import { describe, expect, it } from 'vitest';
import { OTHER_TAB_GRACE_MS, shouldRestore, type StoredDraft } from './draftStore';
import { emptyContent } from './content';

const stored = (tabId: string | undefined, ageMs: number, now: number): StoredDraft => ({
  key: 'k',
  draft: emptyContent(),
  baseVersion: 1,
  savedAt: new Date(now - ageMs).toISOString(),
  tabId,
});

describe('unsaved work restore', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  it("restores this tab's own work (session expiry, reload)", () => {
    expect(shouldRestore(stored('me', 5_000, now), 'me', now)).toBe(true);
    expect(shouldRestore(stored(undefined, 5_000, now), 'me', now)).toBe(true);
  });
  it("leaves another open tab's fresh work alone", () => {
    expect(shouldRestore(stored('other', 5_000, now), 'me', now)).toBe(false);
  });
  it('adopts work another tab left behind long ago', () => {
    expect(shouldRestore(stored('other', OTHER_TAB_GRACE_MS + 1, now), 'me', now)).toBe(true);
  });
});
