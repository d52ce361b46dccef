import { describe, expect, it } from 'vitest';
import { initialSaveState, saveReducer, saveStatus, shouldSave, type SaveState, type SaveAction } from './autosave';
import { contentOf, emptyContent } from './content';
import type { Article } from './types';

const article = (version: number, title: string, status: Article['status'] = 'draft'): Article => ({
  ...emptyContent(),
  id: 'a_1',
  version,
  rev: version,
  contentHash: 'h' + version,
  status,
  authorId: 'u_1',
  title,
  slug: 'x',
});

const run = (s: SaveState, ...actions: SaveAction[]) => actions.reduce(saveReducer, s);

describe('autosave reducer', () => {
  it('is clean after load and dirty after an edit', () => {
    const s0 = initialSaveState(article(1, 'A'));
    expect(shouldSave(s0)).toBe(false);
    const s1 = run(s0, { type: 'edit', draft: { ...s0.draft, title: 'B' } });
    expect(s1.dirty).toBe(true);
    expect(shouldSave(s1)).toBe(true);
    expect(saveStatus(s1).kind).toBe('unsaved');
  });
  it('editing back to the server content is clean again', () => {
    const s0 = initialSaveState(article(1, 'A'));
    const s1 = run(s0, { type: 'edit', draft: { ...s0.draft, title: 'B' } }, { type: 'edit', draft: { ...s0.draft, title: 'A' } });
    expect(s1.dirty).toBe(false);
  });
  it('saves with the new version and stays dirty when edited during the save', () => {
    const s0 = initialSaveState(article(1, 'A'));
    let s = run(s0, { type: 'edit', draft: { ...s0.draft, title: 'B' } }, { type: 'saveStart' });
    expect(shouldSave(s)).toBe(false);
    s = run(s, { type: 'edit', draft: { ...s.draft, title: 'BC' } });
    s = run(s, { type: 'saveSuccess', article: article(2, 'B'), at: 't' });
    expect(s.baseVersion).toBe(2);
    expect(s.dirty).toBe(true);
    expect(s.draft.title).toBe('BC');
    expect(shouldSave(s)).toBe(true);
  });
  it('parks work on conflict and never saves silently', () => {
    const s0 = initialSaveState(article(1, 'A'));
    let s = run(s0, { type: 'edit', draft: { ...s0.draft, title: 'Mine' } }, { type: 'saveStart' }, { type: 'saveConflict', current: article(3, 'Theirs') });
    expect(s.conflict?.current.version).toBe(3);
    expect(shouldSave(s)).toBe(false);
    expect(saveStatus(s).kind).toBe('conflict');
    // further edits still do not save until the user chooses
    s = run(s, { type: 'edit', draft: { ...s.draft, title: 'Mine 2' } });
    expect(shouldSave(s)).toBe(false);
  });
  it('keep mine: saves on top of the version the user saw', () => {
    const s0 = initialSaveState(article(1, 'A'));
    const s = run(s0, { type: 'edit', draft: { ...s0.draft, title: 'Mine' } }, { type: 'saveStart' }, { type: 'saveConflict', current: article(3, 'Theirs') }, { type: 'keepMine' });
    expect(s.conflict).toBeNull();
    expect(s.baseVersion).toBe(3);
    expect(s.draft.title).toBe('Mine');
    expect(shouldSave(s)).toBe(true);
  });
  it('take theirs: discards mine', () => {
    const s0 = initialSaveState(article(1, 'A'));
    const s = run(s0, { type: 'edit', draft: { ...s0.draft, title: 'Mine' } }, { type: 'saveStart' }, { type: 'saveConflict', current: article(3, 'Theirs') }, { type: 'takeTheirs' });
    expect(s.conflict).toBeNull();
    expect(s.draft.title).toBe('Theirs');
    expect(s.dirty).toBe(false);
    expect(s.baseVersion).toBe(3);
  });
  it('restored work keeps its old base version so a stale save meets 409', () => {
    const s0 = initialSaveState(article(5, 'Server'));
    const s = run(s0, { type: 'restore', draft: { ...contentOf(article(2, 'Old')), title: 'Offline edit' }, baseVersion: 2 });
    expect(s.baseVersion).toBe(2);
    expect(s.dirty).toBe(true);
    expect(shouldSave(s)).toBe(true);
  });
  it('does not save frozen or untitled new articles', () => {
    expect(shouldSave({ ...initialSaveState(article(1, 'A', 'in_review')), dirty: true })).toBe(false);
    const n = run(initialSaveState(null), { type: 'edit', draft: emptyContent() });
    expect(shouldSave(n)).toBe(false);
    const n2 = run(n, { type: 'edit', draft: { ...emptyContent(), title: 'T' } });
    expect(shouldSave(n2)).toBe(true);
  });
  it('keeps field errors until a successful save', () => {
    const s0 = initialSaveState(article(1, 'A'));
    let s = run(s0, { type: 'edit', draft: { ...s0.draft, slug: 'Bad Slug' } }, { type: 'saveStart' }, { type: 'saveInvalid', message: 'invalid', fields: { slug: 'bad' } });
    expect(s.fieldErrors).toEqual({ slug: 'bad' });
    expect(saveStatus(s).kind).toBe('error');
    s = run(s, { type: 'edit', draft: { ...s.draft, slug: 'good' } }, { type: 'saveStart' }, { type: 'saveSuccess', article: article(2, 'A'), at: 't' });
    expect(s.fieldErrors).toEqual({});
  });
});
