// End-to-end suite: starts the real `vetted` binary on a fresh embedded
// database with demo data, drives headless Chromium through the whole clinical
// workflow, and writes screenshots to e2e/artifacts/.
//
//   VETTED_BIN=../bin/vetted npm run e2e      (default binary path)
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, createWriteStream, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import http from 'node:http';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const ART = join(HERE, 'artifacts');
const PW = 'vetted-demo-password';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const BIN = resolve(HERE, '..', process.env.VETTED_BIN || '../bin/vetted');
const STEP_TIMEOUT = 20_000;
rmSync(ART, { recursive: true, force: true });
mkdirSync(ART, { recursive: true });

const freePort = () =>
  new Promise((res, rej) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
    s.on('error', rej);
  });

const results = [];
const cleanups = [];
let server;
let browser;

async function test(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`  ✔ ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.push({ name, ok: false, error: e });
    // Failure evidence: a screenshot of every open page.
    let i = 0;
    for (const ctx of browser?.contexts() ?? [])
      for (const pg of ctx.pages())
        await pg.screenshot({ path: join(ART, `FAILED-${results.length}-${i++}.png`), fullPage: true }).catch(() => {});
    console.log(`  ✘ ${name}\n    ${String(e?.stack || e).split('\n').slice(0, 6).join('\n    ')}`);
  }
}


// The leaf fields of an OpenAPI schema as paths ("seo.title", "sections[].body"),
// following $ref, nullable unions and array items: the same derivation as
// handlers/content_schema_test.go, which holds the Content schema to exactly
// the fields of models.Content (all of them hashed).
function schemaLeaves(schemas, s, prefix = '') {
  if (s.$ref) return schemaLeaves(schemas, schemas[s.$ref.replace('#/components/schemas/', '')], prefix);
  for (const k of ['oneOf', 'anyOf']) if (s[k]) return schemaLeaves(schemas, s[k].find((x) => x.type !== 'null'), prefix);
  if (s.properties) return Object.entries(s.properties).flatMap(([n, p]) => schemaLeaves(schemas, p, prefix ? `${prefix}.${n}` : n));
  if (s.items) return schemaLeaves(schemas, s.items, prefix + '[]');
  return [prefix];
}
function setPath(obj, path, value) {
  const parts = path.split('.');
  let o = obj;
  parts.forEach((part, i) => {
    const list = part.endsWith('[]');
    const key = list ? part.slice(0, -2) : part;
    const last = i === parts.length - 1;
    if (list) {
      o[key] ??= [];
      if (last) o[key][0] = value;
      else o = o[key][0] ??= {};
    } else if (last) o[key] = value;
    else o = o[key] ??= {};
  });
}

async function main() {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'vetted-e2e-'));
  // Remove the database files afterwards (after the server stopped) unless asked to keep them.
  if (process.env.KEEP_DATA !== '1') cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  // A local webhook receiver (the server must be allowed to call loopback for it).
  const hooks = [];
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hooks.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  cleanups.push(() => receiver.close());
  const hookUrl = `http://127.0.0.1:${receiver.address().port}/hook`;
  // A stub of the publisher's website: its draft page reads the working copy
  // from the preview API with a preview token and renders it in "its layout".
  let previewToken = '';
  const sitePages = [];
  const esc = (v) => String(v ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
  const site = http.createServer(async (req, res) => {
    const u = new URL(req.url, 'http://site.invalid');
    if (u.pathname !== '/draft') return res.writeHead(404).end();
    const id = u.searchParams.get('id') ?? '';
    try {
      const r = await fetch(`${base}/api/v1/preview/articles/${encodeURIComponent(id)}`, { headers: { Authorization: `Bearer ${previewToken}` } });
      const text = await r.text();
      sitePages.push({ id, slug: u.searchParams.get('slug'), status: r.status, cacheControl: r.headers.get('cache-control'), robots: r.headers.get('x-robots-tag'), body: text });
      if (!r.ok) return res.writeHead(502, { 'Content-Type': 'text/html; charset=utf-8' }).end(`<p>The preview failed: ${r.status}</p>`);
      const a = JSON.parse(text);
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(
        `<!doctype html><html lang="en"><title>${esc(a.title)}</title><body><p class="marker"><strong>Preview</strong></p><h1>${esc(a.title)}</h1><p>${esc(a.summary)}</p>` +
          `<p class="review">${esc(a.review?.statement)}</p>${(a.sections ?? []).map((x) => `<h2>${esc(x.heading)}</h2><div>${esc(x.body)}</div>`).join('')}</body></html>`,
      );
    } catch (e) {
      res.writeHead(500).end(String(e));
    }
  });
  await new Promise((r) => site.listen(0, '127.0.0.1', r));
  cleanups.push(() => site.close());
  const siteUrl = `http://127.0.0.1:${site.address().port}`;
  // The audit key and anchor live outside the data dir, as docs/audit.md asks.
  const auditDir = mkdtempSync(join(tmpdir(), 'vetted-e2e-audit-'));
  if (process.env.KEEP_DATA !== '1') cleanups.push(() => rmSync(auditDir, { recursive: true, force: true }));
  const env = {
    ...process.env,
    VETTED_ADDR: `127.0.0.1:${port}`,
    VETTED_DATA_DIR: dataDir,
    VETTED_DEMO: '1',
    VETTED_WEBHOOK_ALLOW_PRIVATE: '1',
    VETTED_AUDIT_KEY: join(auditDir, 'audit.key'),
    VETTED_AUDIT_ANCHOR: join(auditDir, 'anchor.jsonl'),
    VETTED_AUDIT_INTERVAL: '1s',
  };
  const log = createWriteStream(join(ART, 'server.log'));
  if (!existsSync(BIN)) throw new Error(`binary not found: ${BIN} (build it with \`make build\` or set VETTED_BIN)`);
  server = spawn(BIN, [], { env });
  server.stdout.pipe(log);
  server.stderr.pipe(log);
  let exited = null;
  server.on('exit', (code) => (exited = code));
  console.log(`server: ${BIN} on ${base}, data ${dataDir}`);

  const deadline = Date.now() + 180_000;
  for (;;) {
    if (exited !== null) throw new Error(`server exited with ${exited}; see e2e/artifacts/server.log`);
    try {
      const r = await fetch(base + '/readyz');
      if (r.ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error('server not ready after 180 s');
    await new Promise((r) => setTimeout(r, 300));
  }
  console.log('server ready');

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const consoleErrors = [];
  const newUser = async (email, viewport = { width: 1280, height: 900 }) => {
    const ctx = await browser.newContext({ viewport, baseURL: base });
    ctx.setDefaultTimeout(STEP_TIMEOUT);
    const page = await ctx.newPage();
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(`[${email}] ${m.text()}`));
    page.on('pageerror', (e) => consoleErrors.push(`[${email}] pageerror ${e.message}`));
    await login(page, email);
    return { ctx, page };
  };
  const login = async (page, email) => {
    await page.goto('/admin/login');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PW);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  };
  // Every form control must have an accessible label.
  const unlabeled = (page) =>
    page.evaluate(() =>
      [...document.querySelectorAll('input:not([type=hidden]), textarea, select')]
        .filter((el) => {
          if (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')) return false;
          if (el.closest('label')) return false;
          return !(el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`));
        })
        .map((el) => el.outerHTML.slice(0, 120)),
    );
  const shot = async (page, name, full = true) => {
    await page.waitForTimeout(150);
    const bad = await unlabeled(page);
    assert.deepEqual(bad, [], `unlabelled form controls on ${name}`);
    await page.screenshot({ path: join(ART, `${name}.png`), fullPage: full });
  };
  const saved = (page) => page.getByTestId('save-status').filter({ hasText: /^(All changes saved|Saved)$/ }).waitFor();
  // A rich-text field's Markdown view (components/RichText.tsx): switch to it, set the
  // Markdown (a string, or a function of the current Markdown), switch back.
  const setMarkdown = async (page, label, md) => {
    const field = page.locator('.field').filter({ has: page.locator('label', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) });
    await field.getByRole('button', { name: 'Markdown' }).click();
    const ta = field.getByLabel(`${label} (Markdown)`);
    await ta.fill(typeof md === 'function' ? md(await ta.inputValue()) : md);
    await field.getByRole('button', { name: 'Markdown' }).click();
    await field.getByLabel(label, { exact: true }).waitFor();
  };
  const api = async (page, method, path, body) =>
    page.evaluate(
      async ({ method, path, body }) => {
        const me = await (await fetch('/api/admin/me')).json();
        const r = await fetch('/api/admin' + path, {
          method,
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrfToken },
          body: body ? JSON.stringify(body) : undefined,
        });
        let json = null;
        try {
          json = await r.json();
        } catch {}
        return { status: r.status, json };
      },
      { method, path, body },
    );

  // Selects `text` inside the rendered passage `[data-path=path]`, as a reader's mouse would.
  const selectText = (page, path, text) =>
    page.evaluate(
      ({ path, text }) => {
        const el = document.querySelector(`[data-path="${CSS.escape(path)}"]`);
        if (!el) throw new Error(`no passage ${path}`);
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        const nodes = [];
        let all = '';
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          nodes.push([n, all.length]);
          all += n.data;
        }
        const i = all.indexOf(text);
        if (i < 0) throw new Error(`"${text}" is not in ${path}: ${all}`);
        const at = (off, end) => {
          for (const [n, s0] of nodes) if (end ? off <= s0 + n.data.length : off < s0 + n.data.length) return [n, off - s0];
        };
        const r = document.createRange();
        r.setStart(...at(i, false));
        r.setEnd(...at(i + text.length, true));
        const sel = getSelection();
        sel.removeAllRanges();
        sel.addRange(r);
      },
      { path, text },
    );
  const highlights = (page) => page.evaluate(() => Number(document.querySelector('[data-testid=commentable]')?.dataset.highlights ?? -1));
  const comments = async (page, id) => (await api(page, 'GET', `/articles/${id}/comments`)).json?.items ?? [];

  const uniq = Date.now().toString(36);
  const title = `Managing panic attacks at work ${uniq}`;
  const slug = `managing-panic-attacks-at-work-${uniq}`;
  let articleId;
  let token;

  const writer = await newUser('writer@vetted.local');
  const clinician = await newUser('clinician@vetted.local');
  const editor = await newUser('editor@vetted.local');
  const admin = await newUser('admin@vetted.local');

  console.log('story: draft → review → changes → sign-off → publish → delivery');
  let storyOk = true;
  const storyStep = async (name, fn, { soft = false } = {}) => {
    if (!storyOk) {
      results.push({ name, ok: false, error: new Error('skipped: an earlier story step failed') });
      console.log(`  - ${name} (skipped)`);
      return;
    }
    await test(name, fn);
    if (!soft && !results[results.length - 1].ok) storyOk = false;
  };

  await test('admin adds a webhook (secret shown once)', async () => {
    const p = admin.page;
    await p.goto('/admin/webhooks');
    // A refused address: the form shows the server's reason for the field, not only "not valid".
    await p.getByLabel('Endpoint URL').fill('ftp://example.com/hook');
    await p.getByRole('button', { name: 'Add webhook' }).click();
    const refused = p.locator('.alert-error', { hasText: 'Endpoint URL:' });
    await refused.waitFor();
    console.log(`    webhook form shows: "${await refused.innerText()}"`);
    await p.getByLabel('Endpoint URL').fill(hookUrl);
    await p.getByRole('button', { name: 'Add webhook' }).click();
    const wd = p.getByRole('dialog', { name: 'Webhook added' });
    assert.ok((await wd.getByLabel('Secret').inputValue()).length >= 8, 'secret shown once');
    await wd.getByRole('button', { name: 'Copy secret' }).waitFor();
    await shot(p, '00-webhook-secret', false);
    await wd.getByRole('button', { name: 'Done' }).click();
  });

  await test('admin points the site preview URL at the site and creates a preview token', async () => {
    const p = admin.page;
    const cur = await api(p, 'GET', '/settings');
    assert.equal(cur.status, 200, JSON.stringify(cur.json));
    const put = await api(p, 'PUT', '/settings', { ...cur.json, previewUrl: `${siteUrl}/draft?id={id}&slug={slug}` });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    await p.goto('/admin/tokens');
    await p.getByLabel('Token name').fill(`site preview ${uniq}`);
    await p.getByLabel('Scope').selectOption('preview');
    await p.getByRole('button', { name: 'Create token' }).click();
    const dlg = p.getByRole('dialog', { name: 'Token created' });
    await dlg.getByText('preview token').waitFor();
    previewToken = await dlg.getByLabel('Token').inputValue();
    assert.ok(previewToken.length > 10);
    await dlg.getByRole('button', { name: 'Done' }).click();
    await p.getByRole('row', { name: new RegExp(`site preview ${uniq}`) }).getByText('preview', { exact: true }).waitFor();
    await shot(p, '10b-tokens-preview-scope');
    // A preview token reads nothing but the preview route.
    const r = await fetch(`${base}/api/v1/articles?limit=1`, { headers: { Authorization: `Bearer ${previewToken}` } });
    assert.equal(r.status, 403, 'a preview token on the delivery list');
  });

  await storyStep('writer dashboard shows counts for their role', async () => {
    const p = writer.page;
    await p.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await p.getByRole('heading', { name: /My drafts/ }).waitFor();
    await shot(p, '01-dashboard-writer');
  });

  await storyStep('writer drafts an article (autosave, slug from title, markdown preview)', async () => {
    const p = writer.page;
    await p.getByRole('link', { name: 'New article' }).first().click();
    await p.getByLabel('Title', { exact: true }).fill(title);
    assert.equal(await p.getByLabel('Slug').inputValue(), slug);
    await p.getByLabel('Summary', { exact: true }).fill('How to recognise a panic attack at work and what helps in the moment.');
    await p.getByLabel('Key takeaway 1', { exact: true }).fill('Panic attacks peak within minutes and pass.');
    await p.getByRole('button', { name: 'Add key takeaway' }).click();
    await p.getByLabel('Key takeaway 2', { exact: true }).fill('Slow breathing helps your body settle.');
    await p.getByLabel('Section 1 heading').fill('What a panic attack feels like');
    await setMarkdown(p, 'Section 1 body', 'A racing heart, **shortness of breath** and a sense of dread.\n\n- sweating\n- trembling');
    await p.getByLabel('Section 1 body', { exact: true }).locator('strong', { hasText: 'shortness of breath' }).waitFor();
    await p.getByRole('button', { name: 'Add section' }).click();
    await p.getByLabel('Section 2 heading').fill('What helps');
    await p.getByLabel('Section 2 body', { exact: true }).fill('Breathe out slowly. Name five things you can see.');
    // Reorder with the keyboard-usable buttons, then back; focus follows the moved item.
    await p.getByRole('button', { name: 'Move Section 2 up' }).click();
    assert.equal(await p.getByLabel('Section 1 heading').inputValue(), 'What helps');
    await p.getByRole('button', { name: 'Move Section 1 down' }).click();
    assert.equal(await p.getByLabel('Section 1 heading').inputValue(), 'What a panic attack feels like');
    await p.getByLabel("Clinician's take", { exact: true }).fill('Panic is frightening but not dangerous. If attacks keep coming back, talk to a clinician.');
    // Whose words: the clinician (a select where the session can list clinicians, else their user id).
    const casey = (await api(clinician.page, 'GET', '/me')).json.user;
    const picker = p.getByLabel('Whose words (clinician)');
    if ((await picker.evaluate((el) => el.tagName)) === 'SELECT') await picker.selectOption(casey.id);
    else await picker.fill(casey.id);
    await p.getByLabel('Image URL').fill('https://images.example.com/calm.jpg');
    await p.getByLabel(/^Alt text/).fill('A person breathing calmly at a desk');
    await p.getByLabel('Caption').fill('Slow breathing at a desk.');
    await p.getByLabel('Credit').fill('Photo: Vetted demo');
    await p.getByLabel('Add topic').fill('anxiety');
    await p.getByLabel('Add topic').press('Enter');
    await p.getByLabel('CTA heading').fill('Need to talk?');
    await p.getByLabel('Button label').fill('Find a therapist');
    await p.getByLabel('Button URL').fill('https://example.com/find');
    await p.getByLabel('SEO title').fill('Panic attacks at work: what helps');
    await p.getByText(/^\d+\/60$/).waitFor();
    await p.getByLabel('SEO description').fill('Signs of a panic attack at work and simple steps that help, reviewed by a licensed clinician.');
    await saved(p);
    await p.waitForURL(/\/admin\/articles\/(?!new$)[^/]+$/);
    articleId = new URL(p.url()).pathname.split('/').pop();
    assert.ok(articleId && articleId !== 'new');
    await shot(p, '02-editor-draft');
  });

  await storyStep('related articles: search and pick via the list endpoint', async () => {
    const p = writer.page;
    const search = p.getByLabel('Search articles to add');
    await search.fill('a');
    const add = p.locator('#related-results button', { hasText: 'Add' }).first();
    if (!(await add.waitFor({ timeout: 4000 }).then(() => true, () => false)))
      throw new Error('no other article matched "a" in the related-articles search: the demo data must hold another article to pick');
    await add.click();
    await p.getByRole('list', { name: 'Picked related articles' }).waitFor();
    await saved(p);
  });

  await storyStep('writer sees no publish control and submits for review', async () => {
    const p = writer.page;
    assert.equal(await p.locator('button[data-action="publish"]').count(), 0);
    assert.equal(await p.getByRole('button', { name: /^Publish/ }).count(), 0);
    await p.getByRole('button', { name: 'Submit for clinical review' }).click();
    await p.locator('.box-draft .badge', { hasText: 'In review' }).waitFor();
    await p.locator('.alert', { hasText: 'content is frozen' }).waitFor();
  });

  await storyStep('clinician sees it awaiting review and requests changes (comment required)', async () => {
    const p = clinician.page;
    await p.goto('/admin/');
    await p.getByRole('heading', { name: /Awaiting my review/ }).waitFor();
    await p.getByRole('link', { name: title }).first().waitFor();
    await shot(p, '03-dashboard-clinician');
    await p.goto(`/admin/articles/${articleId}/review`);
    await p.getByRole('heading', { name: 'The article as readers will see it' }).waitFor();
    await p.getByText('Verified, valid until').first().waitFor(); // own license status from /me
    // A comment on a passage: select text that crosses the bold markup, then comment.
    await selectText(p, 'sections[0].body', 'shortness of breath and a sense');
    await p.getByTestId('comment-selection').click();
    let form = p.getByRole('form', { name: 'New comment' });
    await form.getByText('shortness of breath and a sense').waitFor();
    await form.getByLabel('Your comment').fill('Cite a source for this list of symptoms.');
    await form.getByRole('button', { name: 'Post comment' }).click();
    await p.locator('.comment', { hasText: 'Cite a source' }).waitFor();
    await selectText(p, 'sections[1].body', 'Name five things you can see');
    await p.getByTestId('comment-selection').click();
    form = p.getByRole('form', { name: 'New comment' });
    await form.getByLabel('Your comment').fill('Which five?');
    await form.getByRole('button', { name: 'Post comment' }).click();
    const second = p.locator('.comment', { hasText: 'Which five?' });
    await second.waitFor();
    // Its author edits it while nobody has replied.
    await second.getByRole('button', { name: 'Edit' }).click();
    await second.getByLabel('Edit your comment').fill('Which five? Give an example, e.g. a window or a plant.');
    await second.getByRole('button', { name: 'Save comment' }).click();
    await second.getByText('e.g. a window or a plant').waitFor();
    await p.waitForFunction(() => document.querySelector('[data-testid=commentable]')?.dataset.highlights === '2');
    const stored = await comments(p, articleId);
    assert.deepEqual(stored.map((c) => [c.anchor.path, c.anchor.quote]), [
      ['sections[0].body', 'shortness of breath** and a sense'],
      ['sections[1].body', 'Name five things you can see'],
    ]);
    assert.equal(await p.evaluate(() => CSS.highlights.get('vetted-comment')?.size), 2, 'both passages highlighted');
    await p.locator('.comment', { hasText: 'Cite a source' }).getByRole('button', { name: 'Show passage' }).click();
    await shot(p, '04-review');
    // Narrow: the article, then its comments, then the decision.
    await p.setViewportSize({ width: 390, height: 844 });
    const top = (sel) => p.locator(sel).evaluate((el) => el.getBoundingClientRect().top + window.scrollY);
    const [art, com, dec] = [await top('#render-h'), await top('#comments-h'), await top('#rev-actions-h')];
    assert.ok(art < com && com < dec, `order at 390 px: article ${art}, comments ${com}, decision ${dec}`);
    await shot(p, '04b-review-comments-390');
    await p.setViewportSize({ width: 1280, height: 900 });
    // The clinician's Edit tab offers nothing they cannot do: no withdraw, no reordering, a way to the review.
    await p.goto(`/admin/articles/${articleId}`);
    await p.getByText('content is frozen').first().waitFor();
    assert.equal(await p.getByText(/Withdraw/).count(), 0, 'withdraw offered to a clinician');
    assert.equal(await p.getByRole('button', { name: /^Move / }).count(), 0, 'reorder buttons offered to a clinician');
    assert.equal(await p.getByRole('button', { name: /^Add / }).count(), 0, 'add buttons offered to a clinician');
    await shot(p, '04c-clinician-edit-tab');
    await p.getByRole('link', { name: 'Open the review' }).first().click();
    await p.getByRole('heading', { name: 'The article as readers will see it' }).waitFor();
    await p.getByRole('button', { name: 'Request changes' }).click();
    const dlg = p.getByRole('dialog', { name: 'Request changes' });
    await dlg.getByRole('button', { name: 'Send request for changes' }).click();
    await dlg.getByText('A comment is required').waitFor();
    await dlg.getByLabel('Comment (required)').fill('Please add when to seek urgent care. Suggested wording for the Clinician\'s take: "Chest pain that does not pass needs urgent care."');
    await dlg.getByRole('button', { name: 'Send request for changes' }).click();
    await p.getByText('Changes requested.').waitFor();
  });

  await storyStep('writer sees the change request and revises', async () => {
    const p = writer.page;
    await p.goto('/admin/');
    await p.getByRole('heading', { name: /Changes requested of me/ }).waitFor();
    const n = await p.getByTestId('count-changesRequested').textContent();
    assert.ok(Number(n) >= 1, `changes requested count ${n}`);
    await p.goto(`/admin/articles/${articleId}`);
    // The requested changes stay at the top of the editor until resubmitting.
    const banner = p.getByRole('status').filter({ has: p.getByRole('heading', { name: 'Changes requested' }) });
    await banner.getByText('Please add when to seek urgent care').waitFor();
    await banner.getByText(/Casey|clinician/i).first().waitFor();
    // The comments beside their passages, and in the panel to reply and resolve.
    await p.getByRole('list', { name: 'Comments on Section 1 body' }).getByText('Cite a source').waitFor();
    await p.getByRole('list', { name: 'Comments on Section 2 body' }).getByText('Which five?').waitFor();
    assert.doesNotMatch(await p.getByTestId('next-bar').innerText(), /sections\[|keyTakeaways|version \d|[0-9a-f]{12}/, 'no field paths, versions or hashes in the bar');
    await shot(p, '02b-editor-changes-requested');
    const first = p.locator('#editor-side .comment', { hasText: 'Cite a source' });
    await first.getByRole('button', { name: 'Reply' }).click();
    await first.getByLabel('Your reply').fill('Added a source: the NHS page on panic disorder.');
    await first.getByRole('button', { name: 'Post reply' }).click();
    await first.getByText('Added a source').waitFor();
    assert.equal(await first.getByRole('button', { name: 'Edit' }).count(), 0, 'only its author edits a comment');
    await first.getByRole('button', { name: 'Resolve' }).click();
    await first.waitFor({ state: 'detached' });
    // Rewriting the commented passage: the comment says its passage changed.
    await setMarkdown(p, 'Section 2 body', 'Breathe out slowly. Look around and name three things you can see.');
    await saved(p);
    const moved = p.locator('#editor-side .comment', { hasText: 'Which five?' });
    await moved.getByText('passage changed').waitFor();
    await shot(p, '02c-editor-comment-passage-changed');
    await moved.getByRole('button', { name: 'Resolve' }).click();
    await moved.waitFor({ state: 'detached' });
    const after = await comments(p, articleId);
    assert.deepEqual(after.map((c) => c.resolved), [true, true]);
    assert.equal(after[0].replies.length, 1);
    assert.equal(after[1].passageChanged, true);
    await setMarkdown(p, "Clinician's take", (md) => md + '\n\nChest pain that does not pass needs urgent care.');
    await saved(p);
    await p.getByRole('button', { name: 'Submit for clinical review' }).click();
    await p.locator('.box-draft .badge', { hasText: 'In review' }).waitFor();
    await p.getByRole('heading', { name: 'Changes requested' }).waitFor({ state: 'detached' });
    // The writer's view of the review screen names the changes in words:
    // no revision numbers, no compare-any-two-revisions tab.
    await p.goto(`/admin/articles/${articleId}/review`);
    const changes = p.locator('section', { has: p.getByRole('heading', { name: 'What changed' }) });
    await changes.getByText('From when changes were last requested').waitFor();
    assert.doesNotMatch(await changes.innerText(), /revision \d/i, 'a writer sees no revision numbers');
    assert.equal(await changes.getByRole('button', { name: 'Between any two revisions' }).count(), 0);
  });

  await storyStep('clinician sees the diff, the sign-off dialog refuses a wrong password, then signs', async () => {
    const p = clinician.page;
    // The review queue: oldest first, waiting since, resubmissions marked.
    await p.goto('/admin/');
    const queued = p.locator('#b-awaitingReview li', { hasText: title });
    await queued.getByText('Resubmitted').waitFor();
    await queued.getByText('waiting since').waitFor();
    const waits = await p.locator('#b-awaitingReview li time').evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime')));
    const ms = waits.map((w) => Date.parse(w));
    assert.deepEqual(ms, [...ms].sort((x, y) => x - y), `oldest first: ${waits}`);
    await shot(p, '03b-review-queue');
    await p.goto(`/admin/articles/${articleId}/review`);
    // Re-review: the default comparison is since changes were last requested.
    const since = p.getByRole('button', { name: 'Since changes were last requested' });
    await since.waitFor();
    assert.equal(await since.getAttribute('aria-pressed'), 'true', 'the default comparison');
    await p.locator('.diff-add', { hasText: 'urgent care' }).first().waitFor();
    await p.getByRole('button', { name: 'Between any two revisions' }).click();
    await p.locator('.diff-add', { hasText: 'urgent care' }).first().waitFor();
    await p.getByRole('button', { name: 'Sign off' }).click();
    const dlg = p.getByRole('dialog', { name: /Sign off/ });
    await dlg.getByText('clinically reviewed and approved', { exact: false }).first().waitFor();
    await dlg.getByLabel('Your password').fill('not-the-password');
    await shot(p, '05-signoff-dialog', false);
    await dlg.getByRole('button', { name: 'Sign', exact: true }).click();
    await dlg.getByText('The password is not right').waitFor();
    assert.ok(await dlg.isVisible(), 'dialog stays open');
    await shot(p, '06-signoff-wrong-password', false);
    const still = await api(p, 'GET', `/articles/${articleId}`);
    assert.equal(still.json.status, 'in_review');
    await dlg.getByLabel('Your password').fill(PW);
    await dlg.getByRole('button', { name: 'Sign', exact: true }).click();
    await p.locator('.alert', { hasText: 'Signed off.' }).waitFor();
    await p.locator('.box-draft .badge', { hasText: 'Approved' }).waitFor();
  });

  await storyStep('writer: no publish control on the approved article; forged publish is refused 403', async () => {
    const p = writer.page;
    await p.goto(`/admin/articles/${articleId}`);
    await p.locator('.box-draft .badge', { hasText: 'Approved' }).waitFor();
    assert.equal(await p.locator('button[data-action="publish"]').count(), 0);
    const r = await api(p, 'POST', `/articles/${articleId}/transitions`, { action: 'publish' });
    assert.equal(r.status, 403, `forged publish answered ${r.status} ${JSON.stringify(r.json)}`);
    const after = await api(p, 'GET', `/articles/${articleId}`);
    assert.equal(after.json.status, 'approved');
    assert.equal(after.json.live ?? null, null);
  });

  await storyStep('editor previews it on the site, schedules, reschedules, cancels, then publishes', async () => {
    const p = editor.page;
    await p.goto('/admin/');
    await p.getByRole('heading', { name: /Approved, awaiting publish/ }).waitFor();
    await p.getByRole('link', { name: title }).first().waitFor();
    await shot(p, '07-dashboard-editor');
    await p.goto(`/admin/articles/${articleId}`);
    // Preview on the site's own page (the stub site reads the preview API).
    const [sitePage] = await Promise.all([p.context().waitForEvent('page'), p.getByTestId('preview-on-site').click()]);
    await sitePage.getByText('Preview', { exact: true }).waitFor();
    await sitePage.getByRole('heading', { name: title }).waitFor();
    await shot(sitePage, '08a-site-preview', false);
    await sitePage.close();
    const hit = sitePages.at(-1);
    // The editor comments on a passage from the editor itself (a selection in a text field).
    // A selection in the rich-text field, then the field's own "Comment on selection".
    const body1 = p.getByLabel('Section 1 body', { exact: true });
    await body1.evaluate((el) => {
      el.focus();
      const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        const i = n.data.indexOf('racing heart');
        if (i < 0) continue;
        const r = document.createRange();
        r.setStart(n, i);
        r.setEnd(n, i + 'racing heart'.length);
        getSelection().removeAllRanges();
        getSelection().addRange(r);
        return;
      }
      throw new Error('"racing heart" is not in Section 1 body');
    });
    await p.locator('.rt', { has: body1 }).getByRole('button', { name: 'Comment on selection' }).click();
    const form = p.getByRole('form', { name: 'New comment' });
    await form.getByLabel('Your comment').fill('Consider "a pounding heart": readers use both.');
    await form.getByRole('button', { name: 'Post comment' }).click();
    await p.getByRole('list', { name: 'Comments on Section 1 body' }).getByText('a pounding heart').waitFor();
    assert.equal(hit.status, 200, hit.body.slice(0, 300));
    assert.equal(hit.slug, slug);
    assert.equal(JSON.parse(hit.body).preview, true);
    assert.match(hit.cacheControl ?? '', /no-store/);
    // Schedule, change the time, cancel; then publish now.
    await p.locator('button[data-action="publish"]').click();
    let dlg = p.getByRole('dialog', { name: 'Publish' });
    await dlg.getByLabel('Schedule').check();
    await dlg.getByLabel('Publish at (your local time)').fill('2031-05-04T09:30');
    await shot(p, '08-publish-dialog', false);
    await dlg.getByRole('button', { name: 'Schedule' }).click();
    await p.getByTestId('next-bar').getByTestId('scheduled-badge').waitFor();
    await shot(p, '08b-editor-scheduled');
    await p.locator('button[data-action="publish"]', { hasText: 'Change the publish time' }).click();
    dlg = p.getByRole('dialog', { name: 'Change the publish time' });
    await dlg.getByLabel('Publish at (your local time)').fill('2031-06-01T10:00');
    await dlg.getByRole('button', { name: 'Save the new time' }).click();
    await dlg.waitFor({ state: 'detached' });
    const moved = await api(p, 'GET', `/articles/${articleId}`);
    assert.equal(new Date(moved.json.scheduledAt).getTime(), new Date('2031-06-01T10:00').getTime(), `rescheduled: ${moved.json.scheduledAt}`);
    await p.locator('button[data-action="unschedule"]').click();
    dlg = p.getByRole('dialog', { name: 'Cancel the schedule?' });
    await dlg.getByRole('button', { name: 'Cancel the schedule' }).click();
    await p.getByTestId('next-bar').getByTestId('scheduled-badge').waitFor({ state: 'detached' });
    const cancelled = await api(p, 'GET', `/articles/${articleId}`);
    assert.equal(cancelled.json.status, 'approved');
    assert.equal(cancelled.json.scheduledAt ?? null, null);
    await p.locator('button[data-action="publish"]').click();
    dlg = p.getByRole('dialog', { name: 'Publish' });
    await dlg.getByLabel('Publish now').check();
    await dlg.getByRole('button', { name: 'Publish now' }).click();
    await p.locator('.box-live .live-badge').waitFor();
    await p.getByText('Same content as the live version.').waitFor();
    await shot(p, '09-editor-published');
  });

  await storyStep('admin creates a delivery token (shown once)', async () => {
    const p = admin.page;
    await p.goto('/admin/tokens');
    await p.getByLabel('Token name').fill(`e2e ${uniq}`);
    await p.getByRole('button', { name: 'Create token' }).click();
    const dlg = p.getByRole('dialog', { name: 'Token created' });
    token = await dlg.getByLabel('Token').inputValue();
    assert.ok(token.length > 10);
    await shot(p, '10-token-created', false);
    await dlg.getByRole('button', { name: 'Done' }).click();
  });

  await storyStep('delivery API returns the published article', async () => {
    const r = await fetch(`${base}/api/v1/articles/${slug}`, { headers: { Authorization: `Bearer ${token}` } });
    const body = await r.text();
    assert.equal(r.status, 200, body.slice(0, 300));
    const a = JSON.parse(body);
    assert.equal(a.title, title);
    assert.equal(a.slug, slug);
    assert.match(JSON.stringify(a.review ?? {}), /Casey|clinician|LPC/i);
    assert.match(JSON.stringify(a.clinicianTake ?? {}), /urgent care/);
  }, { soft: true });

  await storyStep('history shows revisions, diff and signatures as signed', async () => {
    const p = editor.page;
    await p.goto(`/admin/articles/${articleId}/history`);
    const sigs = p.getByRole('region', { name: 'Signatures' });
    await sigs.getByText('Signed:').first().waitFor();
    await sigs.getByText('clinically reviewed and approved').first().waitFor();
    await sigs.getByText('MA, LPC').first().waitFor();
    await p.getByRole('heading', { name: 'Audit timeline' }).waitFor();
    await p.getByText('requested changes').first().waitFor();
    await shot(p, '11-history');
  });

  await storyStep('editor unpublishes: live version cleared, delivery answers 410', async () => {
    const p = editor.page;
    await p.goto(`/admin/articles/${articleId}`);
    await p.locator('button[data-action="unpublish"]').click();
    const dlg = p.getByRole('dialog', { name: 'Unpublish this article?' });
    await dlg.getByRole('button', { name: 'Unpublish' }).click();
    await p.locator('.box-notlive').waitFor();
    const r = await fetch(`${base}/api/v1/articles/${slug}`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(r.status, 410);
    await shot(p, '12b-editor-unpublished');
  }, { soft: true });

  await storyStep('unchanged signed content is published again without a new sign-off', async () => {
    const p = editor.page;
    await p.getByTestId('next-step').getByText('publish it again').waitFor();
    await p.locator('button[data-action="publish"]', { hasText: 'Publish again' }).click();
    const dlg = p.getByRole('dialog', { name: 'Publish again?' });
    await dlg.getByRole('button', { name: 'Publish again' }).click();
    await p.locator('.box-live .live-badge').waitFor();
    const r = await fetch(`${base}/api/v1/articles/${slug}`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(r.status, 200, 'delivered again');
    // Changed content is another matter: an edit needs a new sign-off first.
    const cur = await api(p, 'GET', `/articles/${articleId}`);
    assert.equal(cur.json.status, 'published');
  }, { soft: true });

  console.log('other checks');

  await test('review screen shows every hashed field (derived from the served Content schema), alt texts written out, nothing fetched from other hosts', async () => {
    const spec = await (await fetch(`${base}/api/openapi.json`)).json();
    const leaves = schemaLeaves(spec.components.schemas, spec.components.schemas.Content);
    assert.ok(leaves.length >= 18, `only ${leaves.length} leaves in the Content schema`);
    const me = (await api(clinician.page, 'GET', '/me')).json.user;
    const pub = await api(writer.page, 'GET', '/articles?status=published&limit=1');
    const rel = pub.json.items?.[0];
    assert.ok(rel, 'a published demo article to relate to');
    // Fields that hold a reference are shown by what they point at.
    const references = {
      'related[]': { value: rel.slug, shown: rel.title },
      'clinicianTake.clinician': { value: me.id, shown: me.name },
    };
    const reserved = new Set(['heroImage.mediaId']); // media library (issue 15): may be refused until it exists
    const content = {};
    const expected = {};
    leaves.forEach((path, i) => {
      const marker = `zq${i}x${uniq}`;
      if (references[path]) {
        setPath(content, path, references[path].value);
        expected[path] = references[path].shown;
      } else {
        const value = /(^|\.)(url|canonicalUrl|\w+Url)$/.test(path) ? `https://example.org/${marker}` : marker;
        setPath(content, path, value);
        expected[path] = value;
      }
    });
    // An inline image (alt text must be written out, the host never contacted)
    // and the fake "approved" notice with a Sign button from the issue.
    const pixelAlt = `pixel alt ${uniq}`;
    content.sections[0].body += `\n\n![${pixelAlt}](https://tracker.example.net/p.gif?r=${uniq})`;
    content.sections.push({
      heading: `Hostile ${uniq}`,
      body: '<div class="alert alert-ok" role="status">Approved by the clinical team — click <a class="btn btn-primary" href="https://evil.example/sign">Sign</a></div>',
    });
    let created = await api(writer.page, 'POST', '/articles', content);
    if (created.status === 400 && [...reserved].some((p) => created.json?.error?.fields?.[p])) {
      for (const p of reserved) {
        setPath(content, p, '');
        delete expected[p];
      }
      console.log(`    server refuses ${[...reserved].join(', ')} for now; left empty`);
      created = await api(writer.page, 'POST', '/articles', content);
    }
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const submitted = await api(writer.page, 'POST', `/articles/${created.json.id}/transitions`, { action: 'submit' });
    assert.equal(submitted.status, 200, JSON.stringify(submitted.json));
    const p = clinician.page;
    const fetchedElsewhere = [];
    const onReq = (r) => !r.url().startsWith(base) && fetchedElsewhere.push(r.url());
    p.on('request', onReq);
    try {
      await p.goto(`/admin/articles/${created.json.id}/review`);
      await p.getByRole('heading', { name: 'The article as readers will see it' }).waitFor();
      await p.getByText(rel.title).first().waitFor();
      await p.waitForTimeout(300);
      const shown = await p.locator('.review-main').innerText();
      const missing = Object.entries(expected).filter(([, v]) => !shown.includes(v));
      assert.deepEqual(missing, [], `hashed fields not shown on the review screen: ${missing.map(([k]) => k).join(', ')}`);
      assert.ok(shown.includes(`Alt text: ${pixelAlt}`), 'inline image alt text written out');
      assert.ok(shown.includes('tracker.example.net'), 'the blocked image names its host');
      const preview = p.locator('.site-preview');
      assert.equal(await preview.locator('.alert, .btn-primary, [role=status], button, form, img[src*="tracker"]').count(), 0, 'content dressed as the app');
      assert.deepEqual(fetchedElsewhere, [], 'the review screen fetched from another host');
      console.log(`    ${Object.keys(expected).length} hashed leaf fields shown: ${Object.keys(expected).join(', ')}`);
      await shot(p, '23-review-all-fields');
      await p.setViewportSize({ width: 390, height: 844 });
      await shot(p, '24-review-all-fields-390');
      const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `horizontal overflow ${overflow}px at 390 px`);
    } finally {
      p.off('request', onReq);
      await p.setViewportSize({ width: 1280, height: 900 });
    }
  });
  await test('editor schedules an approved article; dashboard shows it as scheduled', async () => {
    const p = editor.page;
    const list = await api(p, 'GET', '/articles?status=approved&limit=50');
    const target = (list.json.items ?? []).find((a) => a.id !== articleId && !a.scheduledAt);
    if (!target) throw new Error('no other unscheduled approved article in the demo data to schedule');
    await p.goto(`/admin/articles/${target.id}`);
    await p.locator('button[data-action="publish"]').click();
    const dlg = p.getByRole('dialog', { name: 'Publish' });
    await dlg.getByLabel('Schedule').check();
    await dlg.getByLabel('Publish at (your local time)').fill('2031-05-04T09:30');
    await dlg.getByRole('button', { name: 'Schedule' }).click();
    await p.getByText('Scheduled to publish').waitFor();
    const after = await api(p, 'GET', `/articles/${target.id}`);
    assert.ok(after.json.scheduledAt, 'scheduledAt set');
    assert.equal(after.json.live ?? null, null, 'not live yet');
    await p.goto('/admin/');
    await p.getByRole('heading', { name: /^Scheduled/ }).waitFor();
    assert.ok(Number(await p.getByTestId('count-scheduled').textContent()) >= 1);
  });

  await test('two tabs editing one draft show the conflict', async () => {
    const ctx = writer.ctx;
    const a = await api(writer.page, 'POST', '/articles', { title: `Conflict test ${uniq}`, slug: `conflict-test-${uniq}`, summary: 'start' });
    assert.equal(a.status, 201, JSON.stringify(a.json));
    const cid = a.json.id;
    const t1 = await ctx.newPage();
    const t2 = await ctx.newPage();
    await t1.goto(`/admin/articles/${cid}`);
    await t2.goto(`/admin/articles/${cid}`);
    await t1.getByLabel('Summary', { exact: true }).fill('Tab one wrote this.');
    await saved(t1);
    await t2.getByLabel('Summary', { exact: true }).fill('Tab two wrote that.');
    const dlg = t2.getByRole('dialog', { name: 'This article was changed elsewhere' });
    await dlg.waitFor();
    await dlg.getByText('Tab one wrote this.').first().waitFor();
    await shot(t2, '12-conflict', false);
    const server1 = await api(t2, 'GET', `/articles/${cid}`);
    assert.equal(server1.json.summary, 'Tab one wrote this.', 'nothing overwritten silently');
    await dlg.getByRole('button', { name: 'Keep my version (save over theirs)' }).click();
    await saved(t2);
    const server2 = await api(t2, 'GET', `/articles/${cid}`);
    assert.equal(server2.json.summary, 'Tab two wrote that.');
    await t1.close();
    await t2.close();
  });

  await test('field errors from the server appear beside their fields; submit disabled with the reason', async () => {
    const p = writer.page;
    const a = await api(p, 'POST', '/articles', { title: `Incomplete ${uniq}`, slug: `incomplete-${uniq}` });
    assert.equal(a.status, 201, JSON.stringify(a.json));
    await p.goto(`/admin/articles/${a.json.id}`);
    // Not ready for review: the server's allowedActions disables submit and says why.
    const submit = p.locator('button[data-action="submit"]');
    await submit.waitFor();
    assert.ok(await submit.isDisabled(), 'submit must be disabled on an incomplete draft');
    await p.locator('#why-submit').waitFor();
    assert.doesNotMatch(await p.locator('#why-submit').innerText(), /keyTakeaways|sections/, 'reasons in plain words');
    // The bar says why, in plain words, each reason linked to its field; required fields are marked before any attempt.
    const bar = p.getByTestId('next-bar');
    const barText = await bar.innerText();
    assert.doesNotMatch(barText, /keyTakeaways|sections\[|summary,/, `field paths in the bar: ${barText}`);
    await bar.getByRole('link', { name: 'Write a summary.' }).click();
    assert.equal(await p.evaluate(() => document.activeElement?.id), 'f-summary', 'the link focuses the field');
    await bar.getByRole('link', { name: 'Add at least one section.' }).waitFor();
    assert.ok((await p.locator('.req-mark').count()) >= 4, 'fields needed for review are marked');
    await shot(p, '13a-next-step-blocked');
    // A field error from a save: image URL without alt text.
    await p.getByLabel('Image URL').fill('https://images.example.com/x.jpg');
    const saveErr = p.getByTestId('save-status').filter({ hasText: /^Not saved/ });
    await saveErr.waitFor();
    const err = p.locator('#f-heroImage-alt-err');
    await err.waitFor();
    console.log(`    alt error beside the field: "${await err.textContent()}"`);
    await p.locator('.error-summary').waitFor();
    await shot(p, '13-field-errors');
  });

  await test('session expiry keeps unsaved work and restores it after sign-in', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: base });
    ctx.setDefaultTimeout(STEP_TIMEOUT);
    const p = await ctx.newPage();
    await login(p, 'writer@vetted.local');
    const a = await api(p, 'POST', '/articles', { title: `Expiry ${uniq}`, slug: `expiry-${uniq}` });
    await p.goto(`/admin/articles/${a.json.id}`);
    await p.getByLabel('Summary', { exact: true }).waitFor();
    await ctx.clearCookies();
    await p.getByLabel('Summary', { exact: true }).fill('Typed after the session ended.');
    await p.getByRole('heading', { name: 'Sign in to Vetted' }).waitFor();
    await p.getByText('Your session expired').waitFor();
    await shot(p, '14-session-expired', false);
    await p.getByLabel('Email').fill('writer@vetted.local');
    await p.getByLabel('Password').fill(PW);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByText('Restored your unsaved changes').waitFor();
    assert.equal(await p.getByLabel('Summary', { exact: true }).inputValue(), 'Typed after the session ended.');
    await saved(p);
    const r = await api(p, 'GET', `/articles/${a.json.id}`);
    assert.equal(r.json.summary, 'Typed after the session ended.');
    await ctx.close();
  });

  await test('admin screens: users and licenses', async () => {
    const p = admin.page;
    await p.goto('/admin/users');
    await p.getByRole('cell', { name: /Casey|clinician/i }).first().waitFor();
    await p.getByRole('button', { name: /verify license of/i }).first().waitFor();
    await shot(p, '15-users');
    // A new clinician whose license expires in 20 days: warning, then verify.
    const soon = new Date(Date.now() + 20 * 86400e3).toISOString().slice(0, 10);
    await p.getByRole('button', { name: 'New user' }).click();
    const nd = p.getByRole('dialog', { name: 'New user' });
    await nd.getByLabel('Email').fill(`pat-${uniq}@vetted.local`);
    await nd.getByLabel('Name').fill(`Pat Expiring ${uniq}`);
    await nd.getByLabel('Password').fill('a-long-enough-password-123');
    await nd.getByLabel('Writer').uncheck();
    await nd.getByLabel('Clinical reviewer').check();
    await nd.getByLabel(/^Credentials/).fill('LCSW');
    await nd.getByLabel('Has a license on file').check();
    await nd.getByLabel('License type').fill('LCSW');
    await nd.getByLabel('License number').fill(`L-${uniq}`);
    await nd.getByLabel('Jurisdiction').fill('WA');
    await nd.getByLabel('Expires on').fill(soon);
    await nd.getByRole('button', { name: 'Create user' }).click();
    await nd.waitFor({ state: 'detached' });
    const row = p.getByRole('row', { name: new RegExp(`Pat Expiring ${uniq}`) });
    await row.getByText('Not verified yet').waitFor();
    await row.getByRole('button', { name: /^Verify license of/ }).click();
    await row.getByText(/Expires in 2\d days/).waitFor();
    await p.getByRole('heading', { name: 'License expiry warnings' }).waitFor();
    await p.locator(".alert-warn li", { hasText: `Pat Expiring ${uniq}` }).waitFor();
    await shot(p, '15b-users-expiry-warning');
    await p.getByRole('button', { name: /^Edit / }).first().click();
    await p.getByRole('dialog').getByLabel('Name').waitFor();
    await shot(p, '16-user-dialog', false);
    await p.keyboard.press('Escape');
  });


  await test('admin edits the site settings; other roles get 403', async () => {
    const p = admin.page;
    await p.goto('/admin/');
    await p.getByRole('link', { name: 'Settings' }).click();
    await p.getByRole('heading', { name: 'Site settings' }).waitFor();
    await p.getByLabel('Publisher name').fill(`Vetted Health ${uniq}`);
    await p.getByLabel('Publisher website').fill('https://health.example.org');
    await p.getByLabel('Logo URL').fill('https://health.example.org/logo.png');
    await p.getByLabel('Statement shown to readers').fill('Every piece of content is reviewed by a licensed clinician before publishing.');
    await p.getByLabel('Editorial policy page URL').fill('https://health.example.org/editorial-policy');
    await p.getByLabel('Site preview URL').fill('https://health.example.org/preview');
    await p.getByText('neither {id} nor {slug}').waitFor();
    await p.getByLabel('Site preview URL').fill('https://health.example.org/preview?id={id}&slug={slug}');
    await p.getByRole('button', { name: 'Save settings' }).click();
    await p.getByText('Settings saved.').waitFor();
    await shot(p, '25-settings');
    await p.reload();
    assert.equal(await p.getByLabel('Publisher name').inputValue(), `Vetted Health ${uniq}`);
    for (const u of [writer, clinician, editor]) {
      const r = await api(u.page, 'GET', '/settings');
      assert.equal(r.status, 403, `settings read by a non-admin: ${r.status}`);
    }
    assert.equal(await writer.page.getByRole('link', { name: 'Settings' }).count(), 0, 'no Settings link for a writer');
  });

  await test('a user edits their own profile; the admin sees it on the Users screen', async () => {
    const p = clinician.page;
    await p.goto('/admin/profile');
    await p.getByRole('heading', { name: 'Your profile' }).waitFor();
    await p.getByLabel('Role label').fill('Clinical reviewer');
    await p.getByLabel('Profile page URL').fill(`https://health.example.org/people/casey-${uniq}`);
    await p.getByLabel('Photo URL').fill('https://health.example.org/people/casey.jpg');
    await p.getByLabel(/^Photo alt text/).fill('Casey smiling in a sunlit office');
    await p.getByRole('button', { name: 'Save profile' }).click();
    await p.getByText('Your profile is saved.').waitFor();
    await shot(p, '26-profile');
    const me = (await api(p, 'GET', '/me')).json.user;
    const got = await api(p, 'GET', `/users/${me.id}`);
    assert.equal(got.json.url, `https://health.example.org/people/casey-${uniq}`);
    assert.equal(got.json.photoAlt, 'Casey smiling in a sunlit office');
    const a = admin.page;
    await a.goto('/admin/users');
    await a.getByRole('button', { name: `Edit ${me.name}` }).click();
    const dlg = a.getByRole('dialog', { name: `Edit ${me.name}` });
    assert.equal(await dlg.getByLabel('Profile page URL').inputValue(), `https://health.example.org/people/casey-${uniq}`);
    await dlg.getByLabel('Role label').fill('Clinical reviewer, anxiety');
    await dlg.getByRole('button', { name: 'Save' }).click();
    await dlg.waitFor({ state: 'detached' });
    assert.equal((await api(a, 'GET', `/users/${me.id}`)).json.title, 'Clinical reviewer, anxiety');
  });

  await test('webhook delivery log shows the publish and unpublish', async () => {
    const p = admin.page;
    let ok = false;
    for (let i = 0; i < 20 && !ok; i++) {
      await p.goto('/admin/webhooks');
      await p.getByRole('button', { name: 'Show delivery log' }).first().click();
      const log = p.getByRole('table');
      ok = (await log.count()) > 0 && (await log.getByText('article.published').count()) > 0;
      if (!ok) await p.waitForTimeout(500);
    }
    assert.ok(ok, 'article.published in the delivery log');
    await shot(p, '17-webhooks');
    const got = hooks.map((h) => JSON.parse(h.body || '{}'));
    assert.ok(hooks.length >= 1, 'the receiver got a POST');
    assert.ok(Object.keys(hooks[0].headers).some((h) => /signature/i.test(h)), `signature header in ${Object.keys(hooks[0].headers)}`);
    console.log(`    receiver got ${hooks.length} POST(s): ${got.map((g) => g.event ?? g.type ?? '?').join(', ')}`);
  });

  await test('admin screens: audit chain verification', async () => {
    const p = admin.page;
    await p.goto('/admin/audit');
    assert.match(await p.getByTestId('audit-public-key').innerText(), /^ed25519:[A-Za-z0-9+/]{43}=$/, 'the checkpoint public key is shown');
    await p.getByText('The anchor agrees').waitFor();
    assert.match(await p.getByTestId('audit-newest-checkpoint').innerText(), /event #\d+/);
    // Rows name their object: the token and the webhook by name and address.
    await p.getByRole('cell', { name: `site preview ${uniq}` }).first().waitFor();
    await p.getByRole('cell', { name: hookUrl }).first().waitFor();
    await p.getByRole('button', { name: 'Verify audit chain' }).click();
    await p.getByText('The audit chain is intact').waitFor();
    await p.getByText(/signed checkpoints agree with it/).waitFor();
    await shot(p, '18-audit');
  });

  await test('dialogs trap focus and return it', async () => {
    const p = admin.page;
    await p.goto('/admin/tokens');
    const opener = p.getByRole('button', { name: 'Create token' });
    await p.getByLabel('Token name').fill(`focus ${uniq}`);
    await opener.focus();
    await p.keyboard.press('Enter');
    const dlg = p.getByRole('dialog', { name: 'Token created' });
    await dlg.waitFor();
    for (let i = 0; i < 6; i++) {
      await p.keyboard.press('Tab');
      assert.ok(await dlg.evaluate((d) => d.contains(document.activeElement)), 'focus stays in the dialog');
    }
    await p.keyboard.press('Escape');
    await dlg.waitFor({ state: 'detached' });
    assert.equal(await opener.evaluate((b) => b === document.activeElement), true, 'focus returns to the opener');
  });

  await (await import('./richtext.mjs')).run({ test, newUser, api, shot, saved, assert });
  // Media library (issue 15): upload, refusals, hero and inline images, delivery (e2e/media.mjs).
  await (await import('./media.mjs')).run({ test, newUser, api, shot, base, assert, saved, writer, clinician, editor, admin, uniq, PW });

  await test('narrow screen (390 px): dashboard, editor and review are usable', async () => {
    const m = await newUser('writer@vetted.local', { width: 390, height: 844 });
    await m.page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await shot(m.page, '19-mobile-dashboard');
    await m.page.getByRole('button', { name: 'Menu' }).click();
    await m.page.getByRole('link', { name: 'Articles', exact: true }).waitFor();
    await shot(m.page, '20-mobile-menu', false);
    await m.page.goto(`/admin/articles/${articleId}`);
    await m.page.getByLabel('Title', { exact: true }).waitFor();
    const overflow = await m.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `horizontal overflow ${overflow}px`);
    await shot(m.page, '21-mobile-editor');
    // The next-step bar stays on screen while the writer scrolls.
    await m.page.evaluate(() => window.scrollTo(0, 2500));
    await m.page.waitForTimeout(200);
    const barTop = await m.page.getByTestId('next-bar').evaluate((el) => el.getBoundingClientRect().top);
    assert.ok(barTop >= 0 && barTop < 5, `the bar scrolled away (top ${barTop})`);
    await shot(m.page, '21b-mobile-editor-scrolled', false);
    await m.page.goto(`/admin/articles/${articleId}/review`);
    await m.page.getByRole('heading', { name: 'The article as readers will see it' }).waitFor();
    await shot(m.page, '22-mobile-review');
    await m.page.locator('[data-path="sections[0].body"]').scrollIntoViewIfNeeded();
    await shot(m.page, '22b-mobile-review-scrolled', false);
    await m.ctx.close();
  });

  await test('sign out ends the session; protected pages go to sign-in', async () => {
    const u = await newUser('editor@vetted.local');
    await u.page.getByRole('button', { name: 'Sign out' }).click();
    await u.page.getByRole('heading', { name: 'Sign in to Vetted' }).waitFor();
    const me = await u.page.evaluate(async () => (await fetch('/api/admin/me')).status);
    assert.equal(me, 401);
    await u.page.goto('/admin/articles');
    await u.page.waitForURL(/\/admin\/login$/);
    await u.ctx.close();
  });

  if (consoleErrors.length) {
    const relevant = consoleErrors.filter((e) => !/401|403|409|400|Failed to load resource/.test(e));
    console.log(`browser console errors: ${consoleErrors.length} (${relevant.length} not from expected HTTP errors)`);
    for (const e of relevant.slice(0, 20)) console.log('   ', e);
    await test('no unexpected browser errors (CSP, exceptions)', async () => assert.deepEqual(relevant, []));
  }
}

let fatal = null;
try {
  await main();
} catch (e) {
  fatal = e;
  console.error('fatal:', e?.stack || e);
  let i = 0;
  for (const ctx of browser?.contexts() ?? [])
    for (const pg of ctx.pages()) {
      console.error(`  page ${pg.url()}: ${(await pg.content().catch(() => '')).slice(0, 400)}`);
      await pg.screenshot({ path: join(ART, `FATAL-${i++}.png`), fullPage: true }).catch(() => {});
    }
} finally {
  await browser?.close().catch(() => {});
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => {
      const t = setTimeout(() => (server.kill('SIGKILL'), r()), 5000);
      server.on('exit', () => (clearTimeout(t), r()));
    });
  }
  for (const c of cleanups) {
    try {
      await c();
    } catch {}
  }
}
const failed = results.filter((r) => !r.ok);
console.log(`\n${results.length - failed.length}/${results.length} passed; screenshots in e2e/artifacts/`);
process.exit(fatal || failed.length ? 1 : 0);
