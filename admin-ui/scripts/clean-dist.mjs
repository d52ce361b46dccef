// Removes everything in dist/ except dist/.keep (the committed placeholder that
// lets `go:embed` compile before the UI is built), and makes sure .keep exists.
import { readdirSync, rmSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
mkdirSync(dist, { recursive: true });
if (!process.argv.includes('--keep')) {
  for (const name of readdirSync(dist)) {
    if (name !== '.keep') rmSync(join(dist, name), { recursive: true, force: true });
  }
}
const keep = join(dist, '.keep');
if (!existsSync(keep)) writeFileSync(keep, '');
