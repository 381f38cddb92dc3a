import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/** Loads the built package in a plain Node process, by its own name, as a CommonJS app would. */
function exportedNames(entry: string): string[] {
  const script = `process.stdout.write(JSON.stringify(Object.keys(require(${JSON.stringify(entry)})).sort()))`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' }));
}

describe('the published package', () => {
  beforeAll(() => {
    if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
  });

  it('loads with require() and exports exactly the curated names', () => {
    expect(exportedNames('nestjs-headless-payments')).toMatchSnapshot();
  });

  it('loads ./testing with require() and exports exactly the curated names', () => {
    expect(exportedNames('nestjs-headless-payments/testing')).toMatchSnapshot();
  });

  it('ships type declarations for both entry points', () => {
    expect(existsSync(join(root, 'dist', 'index.d.ts'))).toBe(true);
    expect(existsSync(join(root, 'dist', 'testing', 'index.d.ts'))).toBe(true);
  });
});
