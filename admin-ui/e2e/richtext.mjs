// Rich-text editing in Chromium (components/RichText.tsx): typing, formatting
// with the keyboard and the toolbar, a link through the link dialog (which
// refuses a javascript: address), an image with alt text, a paste of Google
// Docs HTML, and the Markdown the server stored for it. Called from run.mjs.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
// The same Google Docs clipboard payload the unit tests use (src/lib/richtext/fixtures/).
const GDOCS = readFileSync(join(HERE, '..', 'src', 'lib', 'richtext', 'fixtures', 'gdocs-paste.html'), 'utf8');

export async function run({ test, newUser, api, shot, saved, assert }) {
  let articleId = null;

  await test('rich text: type, bold, list and link from the toolbar, image with alt, paste from Google Docs; the server stores Markdown', async () => {
    const { ctx, page: p } = await newUser('writer@vetted.local');
    const uniq = Date.now().toString(36);
    const created = await api(p, 'POST', '/articles', {
      title: `Rich text ${uniq}`,
      slug: `rich-text-${uniq}`,
      sections: [{ heading: 'Try it', body: 'Start.' }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    articleId = created.json.id;
    await p.goto(`/admin/articles/${articleId}`);
    const body = p.getByLabel('Section 1 body', { exact: true });
    await body.waitFor();
    assert.equal(await body.getAttribute('contenteditable'), 'true');
    assert.equal(await body.getAttribute('role'), 'textbox');
    const field = p.locator('.field').filter({ has: p.locator('label', { hasText: /^Section 1 body$/ }) });
    const button = (name) => field.getByRole('button', { name, exact: true });

    // Opening the article changed nothing (no save until an edit).
    await p.waitForTimeout(1500); // longer than the autosave delay
    assert.match(await p.getByTestId('save-status').textContent(), /^Saved$/);
    const reread = await api(p, 'GET', `/articles/${articleId}`);
    assert.equal(reread.json.version, created.json.version, 'opening the article in the editor saved it');

    // Type over the text; bold with Ctrl+B.
    await body.click();
    await p.keyboard.press('Control+a');
    await p.keyboard.type('Panic passes ');
    await p.keyboard.press('Control+b');
    await p.keyboard.type('every time');
    await p.keyboard.press('Control+b');
    await p.keyboard.type(' and plain again.');
    assert.equal(await button('Bold').getAttribute('aria-pressed'), 'false');
    await p.keyboard.press('Enter');
    // A bulleted list from the toolbar.
    await button('Bulleted list').click();
    assert.equal(await button('Bulleted list').getAttribute('aria-pressed'), 'true');
    await p.keyboard.type('sweating');
    await p.keyboard.press('Enter');
    await p.keyboard.type('trembling');
    await p.keyboard.press('Enter');
    await p.keyboard.press('Enter'); // an empty item leaves the list
    await p.keyboard.type('Read the guide');
    // Select "the guide" and link it from the toolbar; a javascript: address is refused.
    for (let i = 0; i < 'the guide'.length; i++) await p.keyboard.press('Shift+ArrowLeft');
    await button('Link').click();
    const dlg = p.getByRole('dialog', { name: 'Add link' });
    await dlg.getByLabel('Link address').fill('javascript:alert(1)');
    await dlg.getByRole('button', { name: 'Apply link' }).click();
    await dlg.getByText('Links can go to web addresses').waitFor();
    await shot(p, 'rt-01-link-refused', false);
    await dlg.getByLabel('Link address').fill('https://example.org/panic-guide');
    await dlg.getByRole('button', { name: 'Apply link' }).click();
    await dlg.waitFor({ state: 'detached' });
    await body.locator('a[href="https://example.org/panic-guide"]', { hasText: 'the guide' }).waitFor();
    await p.keyboard.press('End');
    await p.keyboard.type('.');
    await p.keyboard.press('Enter');

    // An image from the media library: the Image button opens the picker; the
    // library's alt text comes with it.
    const media = await api(p, 'GET', '/media?limit=1');
    const first = media.json?.items?.[0];
    assert.ok(first, 'the demo has a media library image');
    // The rendition inserted inline (lib/media.ts inlineURL): the widest up to 1024 px.
    const vs = first.variants ?? [];
    let src = '';
    for (const v of vs) if (v.width <= 1024) src = v.url;
    src = src || vs[0]?.url || first.url;
    await button('Image').click();
    const picker = p.getByRole('dialog', { name: 'Insert an image' });
    await picker.getByRole('button', { name: `Use image: ${first.alt}` }).click();
    await picker.waitFor({ state: 'detached' });
    await body.getByText(`Alt text: ${first.alt}`).waitFor();
    await p.keyboard.press('Enter');

    // Paste what Google Docs puts on the clipboard (through ProseMirror's own paste handler).
    await body.evaluate((el, html) => {
      const dt = new DataTransfer();
      dt.setData('text/html', html);
      dt.setData('text/plain', 'When panic shows up at work');
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }, GDOCS);
    await body.locator('h2', { hasText: 'When panic shows up at work' }).waitFor();
    assert.equal(await body.locator('[style], font, b, [id^="docs-internal"], [dir]').count(), 0, 'no pasted styling in the editor');
    await saved(p);
    await shot(p, 'rt-02-editor-1280');
    await field.screenshot({ path: join(HERE, 'artifacts', 'rt-02b-field-1280.png') });

    const expected = [
      'Panic passes **every time** and plain again.',
      '',
      '- sweating',
      '- trembling',
      '',
      'Read [the guide](https://example.org/panic-guide).',
      '',
      `![${first.alt}](${src.replace(/[()]/g, '\\$&')})`,
      '',
      '## When panic shows up at work',
      '',
      'A panic attack is **frightening but not dangerous**, and it *always passes*. Read [the guide](https://example.org/panic-guide).',
      '',
      '- Breathe out slowly',
      '- Name five things you can see',
      '  - and four you can hear',
      '',
      '1. Notice the feeling',
      '2. **Let it pass**',
      '',
      'Styled red text in another font.',
    ].join('\n');
    const stored = await api(p, 'GET', `/articles/${articleId}`);
    assert.equal(stored.status, 200);
    assert.equal(stored.json.sections[0].body, expected);

    // The Markdown view shows exactly what is stored; the rich view comes back the same.
    await button('Markdown').click();
    const ta = field.getByLabel('Section 1 body (Markdown)');
    assert.equal(await ta.inputValue(), expected);
    await shot(p, 'rt-03-markdown-view', false);
    await button('Markdown').click();
    await body.locator('h2', { hasText: 'When panic shows up at work' }).waitFor();

    // Keyboard: Alt+F10 reaches the toolbar, arrows move along it, Escape returns to the text.
    await body.click();
    await p.keyboard.press('Alt+F10');
    assert.equal(await p.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Bold');
    await p.keyboard.press('ArrowRight');
    assert.equal(await p.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Italic');
    await p.keyboard.press('Escape');
    assert.equal(await p.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Section 1 body');
    await ctx.close();
  });

  await test('rich text at 390 px: the toolbar wraps, nothing overflows', async () => {
    assert.ok(articleId, 'needs the article from the test before');
    const { ctx, page: p } = await newUser('writer@vetted.local', { width: 390, height: 844 });
    await p.goto(`/admin/articles/${articleId}`);
    const body = p.getByLabel('Section 1 body', { exact: true });
    await body.waitFor();
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `horizontal overflow ${overflow}px`);
    const field = p.locator('.field').filter({ has: body });
    const box = await field.locator('.rt-toolbar').boundingBox();
    assert.ok(box && box.width <= 390, `toolbar ${box?.width}px wide`);
    await field.scrollIntoViewIfNeeded();
    await shot(p, 'rt-04-editor-390', false);
    await ctx.close();
  });
}
