/**
 * What a user gets from `npm pack`: source maps that carry their sources, a CLI whose --help
 * succeeds, `./testing` usable without the optional peer @nestjs/testing, and a README whose peer
 * ranges are package.json's.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));

describe('the packed package', () => {
  beforeAll(() => {
    if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
  });

  it('ships source maps whose sources are inlined, since lib/ is not in the tarball', () => {
    const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }))[0];
    const paths: string[] = packed.files.map((f: { path: string }) => f.path);
    expect(paths.filter((p) => p.startsWith('lib/'))).toEqual([]);
    const maps = paths.filter((p) => p.endsWith('.js.map'));
    expect(maps.length).toBeGreaterThan(50);
    const withoutSources = maps.filter((p) => {
      const map = JSON.parse(readFileSync(join(root, p), 'utf8'));
      return !Array.isArray(map.sourcesContent) || map.sourcesContent.length !== map.sources.length || map.sourcesContent.some((s: unknown) => typeof s !== 'string' || s.length === 0);
    });
    expect(withoutSources).toEqual([]);
    // Every built file is in the tarball (nothing in dist/ is left out by "files").
    const built = filesUnder(join(root, 'dist')).map((f) => relative(root, f));
    expect(built.filter((f) => !paths.includes(f))).toEqual([]);
  });

  it('`nestjs-headless-payments --help` exits 0 and lists the commands', () => {
    const bin = join(root, pkg.bin['nestjs-headless-payments']);
    const run = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Usage: nestjs-headless-payments <command> --module <file>#<ExportName>');
    for (const command of ['events:failed', 'events:replay <evt_id>', 'events:replay --all-failed', 'sync <billableId>', 'sync --all']) {
      expect(run.stdout).toContain(`  ${command} `);
    }
    // Without a command it is still a usage error.
    expect(spawnSync(process.execPath, [bin], { encoding: 'utf8' }).status).toBe(2);
  });

  it('loads ./testing and runs FakeStripe without @nestjs/testing; the helper that needs it says so', () => {
    // A child process where @nestjs/testing cannot be resolved, as in an app that never installed it.
    const script = `
      const Module = require('node:module');
      const resolve = Module._resolveFilename;
      Module._resolveFilename = function (request, ...rest) {
        if (request === '@nestjs/testing' || request.startsWith('@nestjs/testing/')) {
          throw Object.assign(new Error("Cannot find module '@nestjs/testing'"), { code: 'MODULE_NOT_FOUND' });
        }
        return resolve.call(this, request, ...rest);
      };
      (async () => {
        const testing = require('nestjs-headless-payments/testing');
        const fake = await testing.FakeStripe.start({ seed: 1 });
        const customer = await fake.client().customers.create({ email: 'a@example.com' });
        await fake.stop();
        const refused = await testing.startPaymentsTestApp({ payments: {} }).then(() => 'started', (e) => e.message);
        process.stdout.write(JSON.stringify({ customer: customer.id.slice(0, 4), refused }));
      })().catch((e) => { process.stderr.write(String(e && e.stack)); process.exit(1); });
    `;
    const run = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      customer: 'cus_',
      refused: 'startPaymentsTestApp needs @nestjs/testing: npm install --save-dev @nestjs/testing',
    });
  });

  it("README's peer dependency table is package.json's peerDependencies", () => {
    // The table right after the README's "Peer dependencies" line, and only that table.
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('\nPeer dependencies')).split('\n\n').find((block) => block.startsWith('| package |')) ?? '';
    const rows = new Map([...table.matchAll(/^\| `([@\w/.-]+)` \| `([^`]+)` \|/gm)].map((m) => [m[1], m[2].replace(/\\\|/g, '|')])); // `\|` is a pipe escaped for the table
    expect(rows.size).toBe(table.split('\n').length - 2);
    const peers = pkg.peerDependencies as Record<string, string>;
    expect(Object.fromEntries(Object.keys(peers).map((name) => [name, rows.get(name)]))).toEqual(peers);
  });
});
