// A small in-memory stand-in for the Vetted server, following docs/api.md.
// Development aid only (UI work before the Go backend existed, and `npm run e2e`
// with VETTED_MOCK=1). The real end-to-end suite runs against the real binary.
import http from 'node:http';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { join, extname, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash, randomBytes } from 'node:crypto';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const [host, port] = (process.env.VETTED_ADDR || '127.0.0.1:8080').split(':');
const PW = 'vetted-demo-password';
const now = () => new Date().toISOString();
const id = (p) => p + randomBytes(6).toString('hex');
const sha = (s) => createHash('sha256').update(s).digest('hex');

const users = [
  { id: 'u_writer', email: 'writer@vetted.local', name: 'Wendy Writer', roles: ['writer'], bio: 'Health writer', credentials: '', active: true, license: null },
  { id: 'u_clin', email: 'clinician@vetted.local', name: 'Casey Clinician', roles: ['clinical_reviewer'], credentials: 'MA, LPC', active: true,
    license: { type: 'LPC', number: 'LPC-1234', jurisdiction: 'OR', expiresOn: '2027-06-30', verifiedAt: now(), verifiedBy: 'u_admin' } },
  { id: 'u_editor', email: 'editor@vetted.local', name: 'Eddie Editor', roles: ['editor'], active: true, license: null },
  { id: 'u_admin', email: 'admin@vetted.local', name: 'Ada Admin', roles: ['admin'], active: true, license: null },
].map((u) => ({ ...u, password: PW, createdAt: now(), updatedAt: now() }));
const sessions = new Map(); // sid -> {userId, csrf}
const articles = new Map();
const events = [];
const tokens = [];
const webhooks = [];
const CONTENT = ['slug', 'title', 'summary', 'keyTakeaways', 'sections', 'clinicianTake', 'heroImage', 'topics', 'related', 'cta', 'seo'];
const pub = (u) => { const { password, ...rest } = u; return rest; };
const contentOf = (a) => Object.fromEntries(CONTENT.map((k) => [k, a[k]]));

function addEvent(actor, action, a, from, to, comment) {
  const prev = events[events.length - 1];
  const e = { seq: events.length + 1, at: now(), actor: actor.id, actorName: actor.name, action, articleId: a?.id, rev: a?.rev, from, to, comment: comment || '', prevHash: prev?.hash || '' };
  e.hash = sha(JSON.stringify(e));
  events.push(e);
}

function allowed(a, u) {
  const r = (x) => u.roles.includes(x);
  const out = [];
  const add = (action, ok, reason) => out.push({ action, allowed: !!ok, reason: ok ? '' : reason });
  const author = a.authorId === u.id || a.revisions.some((rv) => rv.editedBy === u.id);
  add('submit', a.status === 'draft' && (r('editor') || a.authorId === u.id), 'only the author or an editor can submit a draft');
  add('withdraw', a.status === 'in_review' && (r('editor') || a.authorId === u.id), 'not in review');
  add('request_changes', a.status === 'in_review' && r('clinical_reviewer') && !author, author ? 'you wrote this article' : 'not in review');
  add('approve', a.status === 'in_review' && r('clinical_reviewer') && !author, author ? 'you wrote or edited this article' : 'not in review');
  add('publish', a.status === 'approved' && r('editor'), 'only editors publish approved articles');
  add('unpublish', !!a.live && r('editor'), 'not live');
  add('archive', ['draft', 'approved', 'unpublished'].includes(a.status) && !a.live && r('editor'), a.live ? 'unpublish first' : 'not allowed');
  add('recertify', a.status === 'published' && r('clinical_reviewer') && !author, 'not allowed');
  return out;
}
const view = (a, u) => { const { revisions, signatures, ...rest } = a; return { ...rest, allowedActions: allowed(a, u) }; };
const summary = (a) => ({ id: a.id, version: a.version, rev: a.rev, status: a.status, slug: a.slug, title: a.title, summary: a.summary, topics: a.topics, authorId: a.authorId, authorName: a.authorName, hasLive: !!a.live, scheduledAt: a.scheduledAt, nextReviewDue: a.nextReviewDue, updatedAt: a.updatedAt });

function validate(c, strict) {
  const f = {};
  if (c.slug !== undefined && c.slug !== '' && !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(c.slug)) f.slug = 'must be lowercase kebab-case';
  if (c.heroImage?.url && !c.heroImage?.alt) f['heroImage.alt'] = 'required when url is set';
  if ((c.related || []).length > 6) f.related = 'at most 6';
  if (strict) {
    if (!c.title) f.title = 'required';
    if (!c.slug) f.slug = 'required';
    if (!c.summary) f.summary = 'required';
    if (!(c.keyTakeaways || []).length) f.keyTakeaways = 'at least 1';
    if (!(c.sections || []).length) f.sections = 'at least 1';
    (c.sections || []).forEach((s, i) => { if (!s.heading) f[`sections[${i}].heading`] = 'required'; if (!s.body) f[`sections[${i}].body`] = 'required'; });
  }
  return f;
}
function slugTaken(slug, exceptId) { return [...articles.values()].some((a) => a.slug === slug && a.id !== exceptId); }
function newRevision(a, u) {
  a.rev += 1;
  a.contentHash = sha(JSON.stringify(contentOf(a)));
  a.revisions.push({ rev: a.rev, contentHash: a.contentHash, editedBy: u.id, editedByName: u.name, at: now(), content: structuredClone(contentOf(a)) });
}
function flat(v, p = '', o = {}) {
  if (Array.isArray(v)) v.forEach((x, i) => flat(x, `${p}[${i}]`, o));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) flat(x, p ? `${p}.${k}` : k, o);
  else if (p) o[p] = v == null ? '' : String(v);
  return o;
}
function diff(a, b) {
  const fa = flat(a), fb = flat(b), keys = [...new Set([...Object.keys(fa), ...Object.keys(fb)])], ch = [];
  for (const k of keys) {
    if ((fa[k] ?? '') === (fb[k] ?? '')) continue;
    const kind = !(k in fa) ? 'added' : !(k in fb) ? 'removed' : 'changed';
    const lines = [...(fa[k] ? fa[k].split('\n').map((t) => ({ op: '-', text: t })) : []), ...(fb[k] ? fb[k].split('\n').map((t) => ({ op: '+', text: t })) : [])];
    ch.push({ path: k, kind, before: fa[k], after: fb[k], lines });
  }
  return ch;
}

function seed() {
  const w = users[0];
  const a = { id: id('a_'), version: 1, rev: 0, status: 'draft', authorId: w.id, authorName: w.name, live: null, approval: null, scheduledAt: null, lastReviewed: null, nextReviewDue: null, createdAt: now(), updatedAt: now(), revisions: [], signatures: [],
    slug: 'understanding-anxiety', title: 'Understanding anxiety', summary: 'What anxiety is and when to seek help.', keyTakeaways: ['Anxiety is common'], sections: [{ heading: 'What is anxiety?', body: 'A normal *response* to stress.' }],
    clinicianTake: { body: '' }, heroImage: { url: '', alt: '' }, topics: ['anxiety'], related: [], cta: { heading: '', body: '', label: '', url: '' }, seo: { title: '', description: '', canonicalUrl: '' } };
  newRevision(a, w); articles.set(a.id, a); addEvent(w, 'create', a, '', 'draft');
}
seed();

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}
const err = (res, status, code, message, extra = {}) => send(res, status, { error: { code, message, fields: extra.fields || {} }, ...(extra.current ? { current: extra.current } : {}) });
const MIME = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png', '.svg': 'image/svg+xml' };

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  const p = url.pathname;
  if (p === '/readyz' || p === '/healthz') return send(res, 200, { ok: true });
  if (p === '/admin' || p.startsWith('/admin/')) {
    let f = join(DIST, p.slice('/admin/'.length));
    if (!p.startsWith('/admin/assets/') || !existsSync(f) || !statSync(f).isFile()) f = join(DIST, 'index.html');
    if (!existsSync(f)) return send(res, 503, { error: { code: 'unavailable', message: 'UI not built' } });
    res.writeHead(200, { 'Content-Type': MIME[extname(f)] || 'application/octet-stream', 'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:" });
    return res.end(readFileSync(f));
  }
  let body = {};
  if (req.method !== 'GET') {
    const chunks = []; for await (const c of req) chunks.push(c);
    try { body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : {}; } catch { return err(res, 400, 'invalid', 'bad json'); }
  }
  if (p.startsWith('/api/v1/articles/')) {
    const auth = (req.headers.authorization || '').replace('Bearer ', '');
    if (!tokens.some((t) => t.token === auth && !t.revokedAt)) return err(res, 401, 'unauthenticated', 'token required');
    const a = [...articles.values()].find((x) => x.live && x.live.snapshot.slug === decodeURIComponent(p.split('/').pop()));
    if (!a) return err(res, 404, 'not_found', 'not found');
    const s = a.live.snapshot;
    return send(res, 200, { ...s, review: { reviewer: { name: a.live.signature.signerName, credentials: a.live.signature.credentials }, reviewedAt: a.live.signature.at } });
  }
  if (!p.startsWith('/api/admin')) return err(res, 404, 'not_found', 'not found');
  const path = p.slice('/api/admin'.length);
  const sid = /vetted_session=([^;]+)/.exec(req.headers.cookie || '')?.[1];
  const sess = sid && sessions.get(sid);
  const me = sess && users.find((u) => u.id === sess.userId);
  if (path === '/session' && req.method === 'POST') {
    const u = users.find((x) => x.email === body.email && x.password === body.password && x.active);
    if (!u) return err(res, 401, 'unauthenticated', 'invalid email or password');
    const nsid = randomBytes(16).toString('hex'), csrf = randomBytes(16).toString('hex');
    sessions.set(nsid, { userId: u.id, csrf });
    return send(res, 200, { token: nsid, csrfToken: csrf, user: pub(u) }, { 'Set-Cookie': `vetted_session=${nsid}; HttpOnly; SameSite=Strict; Path=/` });
  }
  if (!me) return err(res, 401, 'unauthenticated', 'sign in');
  if (req.method !== 'GET' && req.headers['x-csrf-token'] !== sess.csrf) return err(res, 403, 'forbidden', 'bad csrf token');
  const isRole = (...r) => r.some((x) => me.roles.includes(x));
  let m;
  if (path === '/session' && req.method === 'DELETE') { sessions.delete(sid); return send(res, 204); }
  if (path === '/me') return send(res, 200, { user: pub(me), csrfToken: sess.csrf });
  if (path === '/articles' && req.method === 'GET') {
    let items = [...articles.values()];
    const q = url.searchParams;
    if (q.get('status')) items = items.filter((a) => a.status === q.get('status'));
    if (q.get('author')) items = items.filter((a) => a.authorId === (q.get('author') === 'me' ? me.id : q.get('author')));
    if (q.get('topic')) items = items.filter((a) => a.topics.includes(q.get('topic')));
    if (q.get('q')) items = items.filter((a) => (a.title + ' ' + a.slug).toLowerCase().includes(q.get('q').toLowerCase()));
    const page = +(q.get('page') || 1), limit = +(q.get('limit') || 20);
    return send(res, 200, { items: items.slice((page - 1) * limit, page * limit).map(summary), page, limit, total: items.length });
  }
  if (path === '/articles' && req.method === 'POST') {
    if (!isRole('writer', 'editor')) return err(res, 403, 'forbidden', 'not allowed');
    const f = validate(body, false);
    if (body.slug && slugTaken(body.slug)) f.slug = 'already used';
    if (Object.keys(f).length) return err(res, 400, 'invalid', 'invalid content', { fields: f });
    const a = { id: id('a_'), version: 1, rev: 0, status: 'draft', authorId: me.id, authorName: me.name, live: null, approval: null, scheduledAt: null, lastReviewed: null, nextReviewDue: null, createdAt: now(), updatedAt: now(), revisions: [], signatures: [], ...Object.fromEntries(CONTENT.map((k) => [k, body[k]])) };
    newRevision(a, me); articles.set(a.id, a); addEvent(me, 'create', a, '', 'draft');
    return send(res, 201, view(a, me), { ETag: `"${a.version}"` });
  }
  if ((m = /^\/articles\/([^/]+)(\/.*)?$/.exec(path))) {
    const a = articles.get(m[1]);
    if (!a) return err(res, 404, 'not_found', 'no such article');
    const sub = m[2] || '';
    if (!sub && req.method === 'GET') return send(res, 200, view(a, me), { ETag: `"${a.version}"` });
    if (!sub && req.method === 'PUT') {
      if (!(isRole('editor') || (isRole('writer') && a.authorId === me.id))) return err(res, 403, 'forbidden', 'not allowed');
      const im = req.headers['if-match'];
      if (!im) return err(res, 428, 'precondition_required', 'If-Match required');
      if (im.replace(/"/g, '') !== String(a.version)) return err(res, 409, 'conflict', 'stale version', { current: view(a, me) });
      if (a.status === 'in_review' || a.status === 'archived') return err(res, 409, 'conflict', 'content is frozen', { current: view(a, me) });
      const f = validate(body, false);
      if (body.slug && slugTaken(body.slug, a.id)) f.slug = 'already used';
      if (Object.keys(f).length) return err(res, 400, 'invalid', 'invalid content', { fields: f });
      const from = a.status;
      for (const k of CONTENT) a[k] = body[k];
      if (a.status === 'approved') { a.status = 'draft'; a.approval = null; }
      if (a.status === 'published' || a.status === 'unpublished') a.status = 'draft';
      a.version++; a.updatedAt = now(); newRevision(a, me); addEvent(me, 'update', a, from, a.status);
      return send(res, 200, view(a, me), { ETag: `"${a.version}"` });
    }
    if (sub === '/revisions') return send(res, 200, { items: a.revisions.map(({ content, ...r }) => r) });
    if (sub === '/events') return send(res, 200, { items: events.filter((e) => e.articleId === a.id) });
    if (sub === '/signatures') return send(res, 200, { items: a.signatures });
    if (sub === '/diff') {
      let from = url.searchParams.get('from'), to = +url.searchParams.get('to');
      if (from === 'signed') { const s = a.signatures[a.signatures.length - 1]; if (!s) return err(res, 404, 'not_found', 'never signed'); from = s.rev; }
      const ra = a.revisions.find((r) => r.rev === +from), rb = a.revisions.find((r) => r.rev === to);
      if (!ra || !rb) return err(res, 404, 'not_found', 'no such revision');
      return send(res, 200, { from: +from, to, changes: diff(ra.content, rb.content) });
    }
    if (sub === '/transitions' && req.method === 'POST') {
      const act = allowed(a, me).find((x) => x.action === body.action);
      if (!act) return err(res, 400, 'invalid', 'unknown action');
      const roleOk = { submit: isRole('writer', 'editor'), withdraw: isRole('writer', 'editor'), request_changes: isRole('clinical_reviewer'), approve: isRole('clinical_reviewer'), recertify: isRole('clinical_reviewer'), publish: isRole('editor'), unpublish: isRole('editor'), archive: isRole('editor') }[body.action];
      if (!roleOk) return err(res, 403, 'forbidden', `your role may not ${body.action}`);
      if (!act.allowed) return err(res, 409, 'conflict', act.reason);
      const from = a.status;
      if (body.action === 'submit') { const f = validate(contentOf(a), true); if (Object.keys(f).length) return err(res, 400, 'invalid', 'not ready for review', { fields: f }); a.status = 'in_review'; }
      if (body.action === 'withdraw') a.status = 'draft';
      if (body.action === 'request_changes') { if (!body.comment) return err(res, 400, 'invalid', 'comment required', { fields: { comment: 'required' } }); a.status = 'draft'; }
      if (body.action === 'approve' || body.action === 'recertify') {
        if (body.password !== me.password) return err(res, 401, 'unauthenticated', 'wrong password');
        if (body.contentHash !== a.contentHash) return err(res, 409, 'conflict', 'content changed', { current: view(a, me) });
        const sig = { id: id('s_'), action: body.action, signerId: me.id, signerName: me.name, credentials: me.credentials, license: me.license, meaning: 'clinically reviewed and approved', at: now(), rev: a.rev, contentHash: a.contentHash };
        a.signatures.push(sig); a.approval = { signature: sig }; a.lastReviewed = sig.at;
        if (body.action === 'approve') a.status = 'approved';
      }
      if (body.action === 'publish') {
        if (body.publishAt) a.scheduledAt = body.publishAt;
        else { a.status = 'published'; a.live = { rev: a.rev, contentHash: a.contentHash, publishedAt: now(), signature: a.approval.signature, snapshot: structuredClone(contentOf(a)) }; }
      }
      if (body.action === 'unpublish') { a.live = null; if (a.status === 'published') a.status = 'unpublished'; }
      if (body.action === 'archive') a.status = 'archived';
      a.version++; a.updatedAt = now(); addEvent(me, body.action, a, from, a.status, body.comment);
      return send(res, 200, view(a, me));
    }
  }
  if (path === '/reviews/due') return send(res, 200, { items: [] });
  if (!isRole('admin')) return err(res, 403, 'forbidden', 'admins only');
  if (path === '/users' && req.method === 'GET') return send(res, 200, { items: users.map(pub) });
  if (path === '/users' && req.method === 'POST') { const u = { id: id('u_'), active: true, createdAt: now(), updatedAt: now(), ...body }; users.push(u); return send(res, 201, pub(u)); }
  if ((m = /^\/users\/([^/]+)$/.exec(path)) && req.method === 'PATCH') { const u = users.find((x) => x.id === m[1]); Object.assign(u, body); return send(res, 200, pub(u)); }
  if ((m = /^\/users\/([^/]+)\/license\/verify$/.exec(path))) { const u = users.find((x) => x.id === m[1]); u.license.verifiedAt = now(); u.license.verifiedBy = me.id; return send(res, 200, pub(u)); }
  if (path === '/tokens' && req.method === 'GET') return send(res, 200, { items: tokens.map(({ token, ...t }) => t) });
  if (path === '/tokens' && req.method === 'POST') { const t = { id: id('t_'), name: body.name, token: 'vt_' + randomBytes(16).toString('hex'), createdAt: now(), lastUsedAt: null, revokedAt: null }; tokens.push(t); return send(res, 201, t); }
  if ((m = /^\/tokens\/([^/]+)$/.exec(path)) && req.method === 'DELETE') { tokens.find((t) => t.id === m[1]).revokedAt = now(); return send(res, 204); }
  if (path === '/webhooks' && req.method === 'GET') return send(res, 200, { items: webhooks.map(({ secret, ...w }) => w) });
  if (path === '/webhooks' && req.method === 'POST') { const w = { id: id('w_'), url: body.url, events: body.events, createdAt: now(), secret: randomBytes(12).toString('hex') }; webhooks.push(w); return send(res, 201, w); }
  if ((m = /^\/webhooks\/([^/]+)\/deliveries$/.exec(path))) return send(res, 200, { items: [{ id: 'd1', event: 'article.published', status: 'failed', attempts: 3, lastError: 'connection refused', at: now() }] });
  if ((m = /^\/webhooks\/([^/]+)$/.exec(path)) && req.method === 'DELETE') { webhooks.splice(webhooks.findIndex((w) => w.id === m[1]), 1); return send(res, 204); }
  if (path === '/audit') return send(res, 200, { items: events });
  if (path === '/audit/verify') return send(res, 200, { ok: true, events: events.length });
  return err(res, 404, 'not_found', 'no route');
});
server.listen(+port, host, () => {
  console.log(`mock vetted listening on http://${host}:${port}`);
  for (const u of users) console.log(`demo login: ${u.email} / ${PW} (${u.roles.join(',')})`);
});
