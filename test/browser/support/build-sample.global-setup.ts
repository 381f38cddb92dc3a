import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM_PATH } from './sample-process';

const root = join(__dirname, '..', '..', '..');

/** Newest modification time of the TypeScript sources under a folder (the sample's web page is served as is). */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Runs once before the browser test: checks Chromium is there, and builds the package and the sample
 * (`npm run build:sample`) only when the compiled files are missing or older than the sources, so the
 * journey runs what `npm start` runs without paying for a build on every run.
 */
export default function buildSample(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is missing at ${CHROMIUM_PATH}: run scripts/ensure-browser.sh (Debian package "chromium").`);
  }
  const outputs = ['dist/index.js', 'dist-sample/sample/main.js'].map((file) => join(root, file));
  const built = outputs.every((file) => existsSync(file)) ? Math.min(...outputs.map((file) => statSync(file).mtimeMs)) : 0;
  const sources = Math.max(newestSource(join(root, 'lib')), newestSource(join(root, 'sample')));
  if (built > sources) return;
  process.stdout.write('\nBuilding the sample (npm run build:sample)...\n');
  execFileSync('npm', ['run', 'build:sample'], { cwd: root, stdio: 'inherit', timeout: 240_000 });
}
