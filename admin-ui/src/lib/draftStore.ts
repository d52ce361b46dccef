import type { Content } from './types';

/** Unsaved editor work kept in localStorage (session expiry, reloads). */
export interface StoredDraft {
  key: string;
  draft: Content;
  baseVersion: number | null;
  savedAt: string;
}

const PREFIX = 'vetted:unsaved:';

export function draftKey(articleId: string | null): string {
  return PREFIX + (articleId ?? 'new');
}

export function storeDraft(articleId: string | null, draft: Content, baseVersion: number | null, storage: Storage = localStorage) {
  const v: StoredDraft = { key: draftKey(articleId), draft, baseVersion, savedAt: new Date().toISOString() };
  try {
    storage.setItem(v.key, JSON.stringify(v));
  } catch {
    /* storage full or disabled: nothing else to do */
  }
}

export function loadDraft(articleId: string | null, storage: Storage = localStorage): StoredDraft | null {
  try {
    const raw = storage.getItem(draftKey(articleId));
    if (!raw) return null;
    const v = JSON.parse(raw) as StoredDraft;
    return v && v.draft ? v : null;
  } catch {
    return null;
  }
}

export function clearDraft(articleId: string | null, storage: Storage = localStorage) {
  try {
    storage.removeItem(draftKey(articleId));
  } catch {
    /* ignore */
  }
}

const RETURN_KEY = 'vetted:returnTo';
export function setReturnTo(path: string) {
  try {
    sessionStorage.setItem(RETURN_KEY, path);
  } catch {
    /* ignore */
  }
}
export function takeReturnTo(): string | null {
  try {
    const v = sessionStorage.getItem(RETURN_KEY);
    sessionStorage.removeItem(RETURN_KEY);
    return v;
  } catch {
    return null;
  }
}
