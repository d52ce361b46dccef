// Media library end to end (issue 15): upload by drag and drop and by the
// file input, a refused SVG says why and loses nothing, the image becomes an
// article's hero image and an inline image, the article is signed and
// published, and delivery serves it with a srcset and immutable bytes.
//
// Called from run.mjs (just before the narrow-screen test) with what it needs.
import { deflateSync } from 'node:zlib';

// A PNG made here (no files, no downloads): w×h RGB, a diagonal gradient
// with a seed so two images differ.
const CRC = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
function crc32(buf) {
  let c = -1;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
export function makePNG(w, h, seed = 0) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    const row = y * (w * 3 + 1);
    for (let x = 0; x < w; x++) {
      const i = row + 1 + x * 3;
      raw[i] = (x * 255) / w;
      raw[i + 1] = (y * 255) / h;
      raw[i + 2] = (seed * 97 + x + y) & 0xff;
    }
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

const SVG = Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>');

export async function run({ test, newUser, api, shot, base, assert, saved, writer, clinician, editor, admin, uniq, PW }) {
  const heroAlt = `A quiet bedroom at dusk ${uniq}`;
  const secondAlt = `A sleep diary on a desk ${uniq}`;
  let hero; // the uploaded hero image (management view)
  let inline;

  await test('media library: SVG refused with its reason (nothing lost), PNG uploaded by drag and drop and by the file input', async () => {
    const p = writer.page;
    await p.goto('/admin/');
    await p.getByRole('link', { name: 'Media', exact: true }).click();
    await p.getByRole('heading', { name: 'Media library' }).waitFor();
    const up = p.getByRole('group', { name: 'Upload an image' });

    // The alt counter counts and says when it is too long.
    await up.getByLabel('Alt text (required)').fill('x'.repeat(301));
    await up.getByText('301/300 — too long').waitFor();

    // Choosing a file moves the focus to the alt text, but never out of a
    // field the user is typing in (the next frame can come late).
    const focused = () => p.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(() => ok(document.activeElement?.getAttribute('aria-label') || document.activeElement?.labels?.[0]?.textContent || document.activeElement?.tagName)))));
    await up.getByLabel('Caption').focus();
    await up.getByLabel('Image file').setInputFiles({ name: 'first.svg', mimeType: 'image/svg+xml', buffer: SVG });
    assert.match(await focused(), /^Caption/, 'a chosen file took the focus out of the caption being typed');
    await p.evaluate(() => document.activeElement?.blur());
    await up.getByLabel('Image file').setInputFiles({ name: 'second.svg', mimeType: 'image/svg+xml', buffer: SVG });
    assert.match(await focused(), /^Alt text/, 'the alt text is focused once a file is chosen');

    // An SVG (with a script) is refused by the server with its reason; the typed texts stay.
    await up.getByLabel('Image file').setInputFiles({ name: 'logo.svg', mimeType: 'image/svg+xml', buffer: SVG });
    await up.getByLabel('Alt text (required)').fill(heroAlt);
    await up.getByLabel('Caption').fill('Dim light helps the body get ready for sleep.');
    await up.getByLabel('Credit').fill('Illustration: Vetted demo');
    await up.getByRole('button', { name: 'Upload image' }).click();
    const refusal = p.getByTestId('upload-refusal');
    await refusal.waitFor();
    const why = await refusal.innerText();
    assert.match(why, /“logo\.svg” is not an image Vetted accepts\. SVG is not accepted: it can carry scripts/, why);
    assert.equal(await up.getByLabel('Alt text (required)').inputValue(), heroAlt, 'alt text kept after the refusal');
    assert.equal(await up.getByLabel('Caption').inputValue(), 'Dim light helps the body get ready for sleep.');
    console.log(`    refusal shown: ${why}`);
    await shot(p, '30-media-svg-refused', false);

    // Drag and drop: a PNG made in this test, dropped as a DataTransfer file.
    const png = makePNG(900, 600, 1);
    await p.getByTestId('dropzone').evaluate((zone, b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'bedroom.png', { type: 'image/png' }));
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, png.toString('base64'));
    await up.getByText('bedroom.png').waitFor();
    assert.equal(await up.getByLabel('Image file').evaluate((i) => i.files[0]?.name), 'bedroom.png', 'the file input names the dropped file');
    await up.locator('img.upload-preview').waitFor();
    assert.equal(await refusal.count(), 0, 'the refusal is cleared when another file is chosen');
    await shot(p, '31-media-dropped');
    await up.getByRole('button', { name: 'Upload image' }).click();
    await up.getByText('“bedroom.png” uploaded.').waitFor();
    const card = p.locator('.media-card', { hasText: heroAlt });
    await card.waitFor();
    const list = await api(p, 'GET', `/media?q=${encodeURIComponent(uniq)}`);
    hero = list.json.items.find((m) => m.alt === heroAlt);
    assert.ok(hero, 'the dropped image is in the library');
    assert.equal(hero.width, 900);
    assert.deepEqual(hero.variants.map((v) => v.width), [320, 640, 900]);
    assert.equal(hero.caption, 'Dim light helps the body get ready for sleep.');
    assert.equal(await card.locator('img').getAttribute('src'), hero.variants[0].url, 'the thumbnail is the smallest rendition');
    assert.equal(await card.locator('img').getAttribute('alt'), heroAlt);

    // The file input.
    await up.getByLabel('Image file').setInputFiles({ name: 'diary.png', mimeType: 'image/png', buffer: makePNG(500, 400, 2) });
    await up.getByLabel('Alt text (required)').fill(secondAlt);
    await up.getByRole('button', { name: 'Upload image' }).click();
    await p.locator('.media-card', { hasText: secondAlt }).waitFor();
    inline = (await api(p, 'GET', `/media?q=${encodeURIComponent(secondAlt)}`)).json.items[0];
    assert.ok(inline, 'the chosen file is in the library');

    // Search narrows the grid; edit a description.
    await p.getByLabel('Search images').fill('sleep diary on a desk ' + uniq);
    await p.locator('.media-card', { hasText: heroAlt }).waitFor({ state: 'detached' });
    await p.getByRole('button', { name: `Edit ${secondAlt}` }).click();
    const dlg = p.getByRole('dialog', { name: 'Describe the image' });
    await dlg.getByLabel('Credit').fill('Photo: Vetted team');
    await dlg.getByRole('button', { name: 'Save description' }).click();
    await dlg.waitFor({ state: 'detached' });
    await p.locator('.media-card', { hasText: 'Credit: Photo: Vetted team' }).waitFor();
    await p.getByLabel('Search images').fill('');
    await shot(p, '32-media-library');
  });

  await test('media: hero and inline image from the library; signed, published, delivered with srcset; bytes immutable; delete refused while used', async () => {
    assert.ok(hero && inline, 'uploaded in the previous test');
    const p = writer.page;
    const slug = `sleep-and-light-${uniq}`;
    const created = await api(p, 'POST', '/articles', {
      title: `Sleep and light ${uniq}`,
      slug,
      summary: 'How light in the evening affects sleep, and what helps.',
      keyTakeaways: ['Dim the lights an hour before bed.'],
      sections: [{ heading: 'Light and the body clock', body: 'Bright evening light delays sleep.\n\nDim light helps.' }],
      topics: ['sleep'],
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const id = created.json.id;
    await p.goto(`/admin/articles/${id}`);

    // Hero image: picked from the library; the alt text is filled, then overridden for this article.
    await p.getByRole('button', { name: 'Choose from the media library' }).click();
    let dlg = p.getByRole('dialog', { name: 'Choose the hero image' });
    await dlg.locator('.media-pick').first().waitFor();
    await shot(p, '33a-picker', false);
    await dlg.getByLabel('Search the library').fill(heroAlt);
    await dlg.getByRole('button', { name: `Use image: ${heroAlt}` }).click();
    await dlg.waitFor({ state: 'detached' });
    const chosen = p.getByTestId('hero-chosen');
    await chosen.locator('img.hero-thumb').waitFor();
    assert.equal(await chosen.locator('img.hero-thumb').getAttribute('src'), hero.variants[0].url, 'hero thumbnail is the smallest rendition');
    const altField = p.getByLabel(/^Alt text/);
    assert.equal(await altField.inputValue(), heroAlt, 'alt text filled from the library');
    const override = `A dim bedroom lamp beside a bed ${uniq}`;
    await altField.fill(override);

    // Inline image by its library URL, written in section 1's Markdown view (the rich-text
    // toolbar's image button gets the picker, pickImage(), when the lead wires onPickImage).
    const inlineUrl = inline.variants[inline.variants.length - 1].url; // 500 px wide: the widest up to 1024
    const field = p.locator('.field').filter({ has: p.locator('label', { hasText: /^Section 1 body$/ }) });
    await field.getByRole('button', { name: 'Markdown', exact: true }).click();
    const md = field.getByLabel('Section 1 body (Markdown)');
    await md.fill(`Bright evening light delays sleep.\n\n![${secondAlt}](${inlineUrl})\n\nDim light helps.`);
    await field.getByRole('button', { name: 'Markdown', exact: true }).click();
    await p.getByLabel('Section 1 body', { exact: true }).locator(`img[src="${inlineUrl}"]`).waitFor();
    await saved(p);
    await shot(p, '33-editor-hero-inline');
    const art = (await api(p, 'GET', `/articles/${id}`)).json;
    assert.equal(art.heroImage.mediaId, hero.id);
    assert.equal(art.heroImage.alt, override, 'the per-article alt text is what is stored (and signed)');

    // Workflow steps not under test, through the API.
    const sub = await api(p, 'POST', `/articles/${id}/transitions`, { action: 'submit' });
    assert.equal(sub.status, 200, JSON.stringify(sub.json));
    const ap = await api(clinician.page, 'POST', `/articles/${id}/transitions`, { action: 'approve', password: PW, contentHash: sub.json.contentHash });
    assert.equal(ap.status, 200, JSON.stringify(ap.json));
    const pub = await api(editor.page, 'POST', `/articles/${id}/transitions`, { action: 'publish' });
    assert.equal(pub.status, 200, JSON.stringify(pub.json));

    // Delivered: hero with size and srcset, the article's alt, the inline image in the html, JSON-LD ImageObject.
    const tok = await api(admin.page, 'POST', '/tokens', { name: `media e2e ${uniq}` });
    assert.equal(tok.status, 201, JSON.stringify(tok.json));
    const r = await fetch(`${base}/api/v1/articles/${slug}`, { headers: { Authorization: `Bearer ${tok.json.token}` } });
    const text = await r.text();
    assert.equal(r.status, 200, text.slice(0, 300));
    const d = JSON.parse(text);
    assert.equal(d.heroImage.url, hero.url);
    assert.equal(d.heroImage.alt, override);
    assert.equal(d.heroImage.width, 900);
    assert.equal(d.heroImage.height, 600);
    assert.equal(d.heroImage.srcset, hero.variants.map((v) => `${v.url} ${v.width}w`).join(', '));
    assert.ok(d.sections[0].html.includes(`<img src="${inlineUrl}" alt="${secondAlt}"`), d.sections[0].html);
    assert.deepEqual({ type: d.jsonLd.image['@type'], url: d.jsonLd.image.url, width: d.jsonLd.image.width }, { type: 'ImageObject', url: hero.url, width: 900 });
    console.log(`    delivered srcset: ${d.heroImage.srcset}`);

    // The bytes: immutable, typed, never sniffed, a PNG without anything the upload carried.
    for (const u of [d.heroImage.url, inlineUrl]) {
      const f = await fetch(base + u);
      assert.equal(f.status, 200, u);
      assert.equal(f.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.equal(f.headers.get('content-type'), 'image/png');
      assert.equal(f.headers.get('x-content-type-options'), 'nosniff');
      assert.ok(f.headers.get('etag'), 'an ETag');
      const bytes = Buffer.from(await f.arrayBuffer());
      assert.deepEqual([...bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'PNG bytes');
      const again = await fetch(base + u, { headers: { 'If-None-Match': f.headers.get('etag') } });
      assert.equal(again.status, 304, 'revalidation answers 304');
    }

    // Delete while used: the server's refusal, naming the article, in the UI.
    const e = editor.page;
    await e.goto('/admin/media');
    await e.getByLabel('Search images').fill(heroAlt);
    await e.getByRole('button', { name: `Delete ${heroAlt}` }).click();
    const del = e.getByRole('dialog', { name: 'Delete this image?' });
    await del.getByRole('button', { name: 'Delete image' }).click();
    await del.getByTestId('delete-refusal').getByText('cannot be deleted while articles use it').waitFor();
    await del.getByRole('link', { name: `Sleep and light ${uniq}` }).waitFor();
    await shot(e, '34-media-delete-refused', false);
    await del.getByRole('button', { name: 'Close', exact: true }).click();
    assert.equal((await api(e, 'GET', `/media/${hero.id}`)).status, 200, 'still in the library');
    // A writer has no delete button (policy: editors and admins delete).
    await p.goto('/admin/media');
    await p.locator('.media-card').first().waitFor();
    assert.equal(await p.getByRole('button', { name: /^Delete / }).count(), 0, 'no delete for a writer');
  });

  await test('media screen and picker at 390 px', async () => {
    const m = await newUser('writer@vetted.local', { width: 390, height: 844 });
    try {
      await m.page.goto('/admin/media');
      await m.page.locator('.media-card').first().waitFor();
      const overflow = await m.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `horizontal overflow ${overflow}px`);
      await shot(m.page, '35-mobile-media');
      const a = await api(m.page, 'POST', '/articles', { title: `Narrow media ${uniq}`, slug: `narrow-media-${uniq}` });
      await m.page.goto(`/admin/articles/${a.json.id}`);
      await m.page.getByRole('button', { name: 'Choose from the media library' }).click();
      const dlg = m.page.getByRole('dialog', { name: 'Choose the hero image' });
      await dlg.locator('.media-pick').first().waitFor();
      await shot(m.page, '36-mobile-picker', false);
      await dlg.getByRole('button', { name: 'Upload a new image' }).click();
      await dlg.getByLabel('Alt text (required)').waitFor();
      await shot(m.page, '37-mobile-picker-upload', false);
      await m.page.keyboard.press('Escape');
      await dlg.waitFor({ state: 'detached' });
    } finally {
      await m.ctx.close();
    }
  });
}
