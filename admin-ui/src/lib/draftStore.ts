import type { Content } from './types';

/** Unsaved editor work kept in localStorage (session expiry, reloads). */
export interface StoredDraft {
  key: string;
  draft: Content;
  baseVersion: number | null;
  savedAt: string;
  /** The browser tab that wrote it (tabs share localStorage). */
  tabId?: string;
}

/** Per-tab id, kept in sessionStorage so it survives reloads and sign-in in the same tab. */
export function tabId(storage: Storage | null = typeof sessionStorage === 'undefined' ? null : sessionStorage): string {
  const KEY = 'vetted:tab';
  try {
    let id = storage?.getItem(KEY);
    if (!id) {
      id = Math.random().toString(36).slice(2) + Date.now().toString(36);
      storage?.setItem(KEY, id);
    }
    return id;
  } catch {
    return 'tab';
  }
}

/** How long another tab's unsaved work counts as that tab's own (it may still be open). */
export const OTHER_TAB_GRACE_MS = 60_000;

/**
 * Whether this tab should restore a stored draft: its own work (same tab after
 * sign-in or reload), or work another tab left behind a while ago (closed or
 * crashed). Fresh work of another open tab is that tab's business.
 */
export function shouldRestore(stored: StoredDraft, myTab: string, now: number): boolean {
  if (!stored.tabId || stored.tabId === myTab) return true;
  const at = Date.parse(stored.savedAt);
  return Number.isNaN(at) || now - at > OTHER_TAB_GRACE_MS;
}

const PREFIX = 'vetted:unsaved:';

export function draftKey(articleId: string | null): string {
  return PREFIX + (articleId ?? 'new');
}

export function storeDraft(articleId: string | null, draft: Content, baseVersion: number | null, storage: Storage = localStorage) {
  const v: StoredDraft = { key: draftKey(articleId), draft, baseVersion, savedAt: new Date().toISOString(), tabId: tabId() };
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

/** Removes this tab's stored draft (another open tab's backup is left alone unless `force`). */
export function clearDraft(articleId: string | null, storage: Storage = localStorage, force = false) {
  try {
    const raw = storage.getItem(draftKey(articleId));
    if (!raw) return;
    const v = JSON.parse(raw) as StoredDraft;
    if (!force && v.tabId && v.tabId !== tabId() && !shouldRestore(v, tabId(), Date.now())) return;
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
