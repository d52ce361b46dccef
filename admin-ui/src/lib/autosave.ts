import type { Article, Content } from './types';
import { contentEqual, contentOf } from './content';
import type { FieldErrors } from './fields';

/**
 * Autosave state machine for the article editor. The rule: the server copy is
 * never overwritten without the user seeing it. A stale save (409) parks the
 * user's work in `conflict` and stops autosaving until the user chooses.
 */
export interface SaveState {
  /** Last article state known from the server (null: not created yet). */
  base: Article | null;
  /** Version sent as If-Match; normally base.version. */
  baseVersion: number | null;
  draft: Content;
  dirty: boolean;
  saving: boolean;
  /** The draft being saved (to know whether edits came in meanwhile). */
  inFlight: Content | null;
  conflict: { current: Article } | null;
  error: string | null;
  fieldErrors: FieldErrors;
  lastSavedAt: string | null;
}

export type SaveAction =
  | { type: 'load'; article: Article }
  | { type: 'restore'; draft: Content; baseVersion: number | null }
  | { type: 'edit'; draft: Content }
  | { type: 'saveStart' }
  | { type: 'saveSuccess'; article: Article; at: string }
  | { type: 'saveConflict'; current: Article }
  | { type: 'saveInvalid'; message: string; fields: FieldErrors }
  | { type: 'saveError'; message: string }
  | { type: 'keepMine' }
  | { type: 'takeTheirs' }
  | { type: 'serverUpdate'; article: Article };

export function initialSaveState(article: Article | null, draft?: Content): SaveState {
  return {
    base: article,
    baseVersion: article ? article.version : null,
    draft: draft ?? contentOf(article),
    dirty: false,
    saving: false,
    inFlight: null,
    conflict: null,
    error: null,
    fieldErrors: {},
    lastSavedAt: null,
  };
}

export function saveReducer(s: SaveState, a: SaveAction): SaveState {
  switch (a.type) {
    case 'load':
      return initialSaveState(a.article);
    case 'restore':
      // Unsaved work kept across a sign-out: its base version is the one it was
      // edited from, so a save meets a 409 if someone else changed it meanwhile.
      return { ...s, draft: a.draft, baseVersion: a.baseVersion ?? s.baseVersion, dirty: true };
    case 'edit':
      return { ...s, draft: a.draft, dirty: s.base ? !contentEqual(a.draft, contentOf(s.base)) || s.baseVersion !== s.base.version : true };
    case 'saveStart':
      return { ...s, saving: true, inFlight: s.draft, error: null };
    case 'saveSuccess': {
      const editedMeanwhile = s.inFlight ? !contentEqual(s.draft, s.inFlight) : false;
      return {
        ...s,
        base: a.article,
        baseVersion: a.article.version,
        saving: false,
        inFlight: null,
        dirty: editedMeanwhile,
        error: null,
        fieldErrors: {},
        lastSavedAt: a.at,
      };
    }
    case 'saveConflict':
      return { ...s, saving: false, inFlight: null, conflict: { current: a.current }, error: null };
    case 'saveInvalid':
      // Stay dirty; the next edit retries.
      return { ...s, saving: false, inFlight: null, error: a.message, fieldErrors: a.fields, dirty: true };
    case 'saveError':
      return { ...s, saving: false, inFlight: null, error: a.message, dirty: true };
    case 'keepMine':
      if (!s.conflict) return s;
      // The user saw the other version and chose theirs-over: save mine on top of it.
      return {
        ...s,
        base: s.conflict.current,
        baseVersion: s.conflict.current.version,
        draft: s.draft,
        conflict: null,
        dirty: true,
      };
    case 'takeTheirs':
      if (!s.conflict) return s;
      return { ...initialSaveState(s.conflict.current), lastSavedAt: s.lastSavedAt };
    case 'serverUpdate':
      // A transition answered with a new article: adopt it if nothing is pending.
      if (s.dirty || s.saving) return { ...s, base: a.article, baseVersion: s.baseVersion };
      return { ...initialSaveState(a.article), lastSavedAt: s.lastSavedAt };
  }
}

/** Whether the editor should send a save now. */
export function shouldSave(s: SaveState): boolean {
  if (!s.dirty || s.saving || s.conflict) return false;
  if (!s.base) return s.draft.title.trim() !== '';
  return isEditable(s.base.status);
}

export function isEditable(status: string): boolean {
  return status !== 'in_review' && status !== 'archived';
}

export type SaveStatusKind = 'saved' | 'saving' | 'unsaved' | 'conflict' | 'error' | 'new';

export function saveStatus(s: SaveState): { kind: SaveStatusKind; text: string } {
  if (s.conflict) return { kind: 'conflict', text: 'Not saved: someone else changed this article' };
  if (s.saving) return { kind: 'saving', text: 'Saving…' };
  if (s.error) return { kind: 'error', text: `Not saved: ${s.error}` };
  if (!s.base) return { kind: 'new', text: s.dirty ? 'Not saved yet (add a title to create the draft)' : 'New article' };
  if (s.dirty) return { kind: 'unsaved', text: 'Unsaved changes' };
  return { kind: 'saved', text: s.lastSavedAt ? 'All changes saved' : 'Saved' };
}
