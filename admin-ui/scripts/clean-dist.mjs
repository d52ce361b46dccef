// Keeps dist/ consistent without ever leaving it empty (the Go binary embeds
// dist/ with go:embed, and a build may read it at any moment):
//   node scripts/clean-dist.mjs          → ensure dist/.keep exists (before vite build)
//   node scripts/clean-dist.mjs --prune  → after vite build: delete assets that the new
//                                          index.html no longer references
// Vite runs with emptyOutDir: false so the committed dist/.keep survives.
import { readdirSync, rmSync, mkdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
mkdirSync(dist, { recursive: true });
const keep = join(dist, '.keep');
if (!existsSync(keep)) writeFileSync(keep, '');

if (process.argv.includes('--prune')) {
  const index = readFileSync(join(dist, 'index.html'), 'utf8');
  const assets = join(dist, 'assets');
  const referenced = new Set();
  for (const m of index.matchAll(/\/admin\/assets\/([^"']+)/g)) referenced.add(m[1]);
  // Also keep files referenced from the referenced JS/CSS (lazy chunks, fonts, images).
  for (const f of [...referenced]) {
    const p = join(assets, f);
    if (!existsSync(p)) continue;
    const text = readFileSync(p, 'utf8');
    for (const m of text.matchAll(/(?:assets\/|\.\/)([\w.-]+\.(?:js|css|woff2?|png|svg|jpg|webp))/g)) referenced.add(m[1]);
  }
  for (const name of existsSync(assets) ? readdirSync(assets) : []) {
    if (!referenced.has(name)) rmSync(join(assets, name), { force: true });
  }
  for (const name of readdirSync(dist)) {
    if (!['.keep', 'index.html', 'assets'].includes(name)) rmSync(join(dist, name), { recursive: true, force: true });
  }
}
