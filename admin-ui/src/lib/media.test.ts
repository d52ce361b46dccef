import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { checkFile, inlineURL, thumbURL, uploadRefusal, usedBy, MAX_BYTES } from './media';

const item = {
  url: '/media/abc/1800.jpg',
  variants: [
    { width: 320, url: '/media/abc/320.jpg' },
    { width: 640, url: '/media/abc/640.jpg' },
    { width: 1024, url: '/media/abc/1024.jpg' },
    { width: 1600, url: '/media/abc/1600.jpg' },
    { width: 1800, url: '/media/abc/1800.jpg' },
  ],
};

describe('renditions', () => {
  it('thumbnails load the smallest rendition, inline images the widest up to 1024', () => {
    expect(thumbURL(item)).toBe('/media/abc/320.jpg');
    expect(inlineURL(item)).toBe('/media/abc/1024.jpg');
    const small = { url: '/media/s/200.png', variants: [{ width: 200, url: '/media/s/200.png' }] };
    expect(thumbURL(small)).toBe('/media/s/200.png');
    expect(inlineURL(small)).toBe('/media/s/200.png');
    expect(inlineURL({ url: '/media/w/3000.jpg', variants: [{ width: 3000, url: '/media/w/3000.jpg' }] })).toBe('/media/w/3000.jpg');
  });
});

describe('refusals in plain words', () => {
  const err = (status: number, message: string, fields?: Record<string, string>) => new ApiError(status, { error: { code: 'x', message, fields } });
  it('names the file and says why', () => {
    expect(uploadRefusal(err(415, 'SVG is not accepted: it can carry scripts; upload a JPEG, PNG or WebP'), 'logo.svg')).toBe(
      '“logo.svg” is not an image Vetted accepts. SVG is not accepted: it can carry scripts; upload a JPEG, PNG or WebP.',
    );
    expect(uploadRefusal(err(413, 'the file is over 20 MB'), 'big.jpg')).toBe('“big.jpg” is too large: The file is over 20 MB.');
    const dmg = 'the JPEG image is damaged or truncated (unexpected EOF)';
    expect(uploadRefusal(err(400, dmg, { file: dmg }), 'cut.jpg')).toBe('“cut.jpg” was not accepted: The JPEG image is damaged or truncated (unexpected EOF).');
    expect(uploadRefusal(new ApiError(0, { error: { message: 'The server could not be reached' } }), 'a.png')).toMatch(/could not be reached.*Nothing you typed is lost/);
  });
  it('leaves field problems to their fields', () => {
    expect(uploadRefusal(err(400, 'the upload is not valid', { alt: 'required' }), 'a.png')).toBe('');
  });
  it('refuses what the server would refuse before sending', () => {
    expect(checkFile({ name: 'a.jpg', size: 1000 })).toBe('');
    expect(checkFile({ name: 'huge.jpg', size: MAX_BYTES + 1 })).toMatch(/^“huge\.jpg” is 20\.0 MB; at most 20 MB/);
    expect(checkFile({ name: 'empty.png', size: 0 })).toMatch(/empty/);
  });
  it('lists the articles a refused delete names', () => {
    const e = new ApiError(409, { error: { code: 'conflict', message: 'the image is used by …' }, current: { usedBy: [{ id: 'a_1', title: 'Sleep', slug: 'sleep' }] } });
    expect(usedBy(e)).toEqual([{ id: 'a_1', title: 'Sleep', slug: 'sleep' }]);
    expect(usedBy(err(404, 'gone'))).toEqual([]);
  });
});
