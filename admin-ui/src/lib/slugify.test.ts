import { describe, expect, it } from 'vitest';
import { isValidSlug, nextSlug, slugify } from './slugify';

describe('slugify', () => {
  it('makes lowercase kebab-case', () => {
    expect(slugify('Sleep & Anxiety: 5 Tips')).toBe('sleep-and-anxiety-5-tips');
    expect(slugify('  Hello,   World!  ')).toBe('hello-world');
  });
  it('strips accents and apostrophes', () => {
    expect(slugify('Café “Crème” Brûlée')).toBe('cafe-creme-brulee');
    expect(slugify("Don't panic")).toBe('dont-panic');
    expect(slugify('Don’t panic')).toBe('dont-panic');
  });
  it('handles empty and symbol-only titles', () => {
    expect(slugify('')).toBe('');
    expect(slugify('!!!')).toBe('');
  });
  it('cuts long titles at a word boundary', () => {
    const s = slugify('word '.repeat(40), 30);
    expect(s.length).toBeLessThanOrEqual(30);
    expect(s.endsWith('-')).toBe(false);
    expect(isValidSlug(s)).toBe(true);
  });
  it('produces valid slugs', () => {
    for (const t of ['ADHD in Adults', 'What is CBT?', '10 ways—to cope', 'ß and ø']) expect(isValidSlug(slugify(t)) || slugify(t) === '').toBe(true);
  });
  it('validates slugs', () => {
    expect(isValidSlug('a-b-1')).toBe(true);
    expect(isValidSlug('A-b')).toBe(false);
    expect(isValidSlug('a--b')).toBe(false);
    expect(isValidSlug('-a')).toBe(false);
  });
});

describe('nextSlug', () => {
  it('follows the title while not edited by hand', () => {
    expect(nextSlug('', 'H', '', false)).toBe('h');
    expect(nextSlug('Hello', 'Hello World', 'hello', false)).toBe('hello-world');
  });
  it('keeps a hand-edited slug', () => {
    expect(nextSlug('Hello', 'Hello World', 'custom', false)).toBe('custom');
  });
  it('never moves a locked (live) slug', () => {
    expect(nextSlug('Hello', 'Hello World', 'hello', true)).toBe('hello');
  });
});
