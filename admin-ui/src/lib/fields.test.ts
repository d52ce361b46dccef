import { describe, expect, it } from 'vitest';
import { errorFor, fieldId, focusTargetFor, normalizeErrors, normalizePath, parsePath, pathLabel } from './fields';

describe('field paths', () => {
  it('parses bracket and dot paths', () => {
    expect(parsePath('sections[2].heading')).toEqual(['sections', 2, 'heading']);
    expect(parsePath('sections.2.heading')).toEqual(['sections', 2, 'heading']);
    expect(parsePath('keyTakeaways[0]')).toEqual(['keyTakeaways', 0]);
    expect(parsePath('heroImage.alt')).toEqual(['heroImage', 'alt']);
  });
  it('normalizes to bracket form', () => {
    expect(normalizePath('sections.2.heading')).toBe('sections[2].heading');
    expect(normalizePath('seo.title')).toBe('seo.title');
    expect(normalizePath('related[5]')).toBe('related[5]');
  });
  it('maps paths to DOM ids', () => {
    expect(fieldId('sections[2].heading')).toBe('f-sections-2-heading');
    expect(fieldId('heroImage.alt')).toBe('f-heroImage-alt');
  });
  it('finds the error of a field whatever the server path style', () => {
    const errs = normalizeErrors({ 'sections.2.heading': 'required', 'heroImage.alt': 'required when url is set' });
    expect(errorFor(errs, 'sections[2].heading')).toBe('required');
    expect(errorFor(errs, 'heroImage.alt')).toBe('required when url is set');
    expect(errorFor(errs, 'title')).toBeUndefined();
  });
  it('labels paths for people (1-based)', () => {
    expect(pathLabel('sections[2].heading')).toBe('Sections › 3 › heading');
    expect(pathLabel('keyTakeaways[0]')).toBe('Key takeaways › 1');
    expect(pathLabel('seo.description')).toBe('SEO › description');
  });
  it('focuses the nearest rendered ancestor of an error', () => {
    const known = ['title', 'sections', 'sections[0].heading', 'sections[0].body'];
    expect(focusTargetFor('sections[7].body', known)).toBe('f-sections');
    expect(focusTargetFor('sections[0].body', known)).toBe('f-sections-0-body');
    expect(focusTargetFor('weird', known)).toBeUndefined();
  });
});
