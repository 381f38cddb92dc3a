import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const fixture = join(__dirname, 'fixtures', 'without-optional-peers.js');

/** Runs the fixture in its own Node process with the given optional peers made unresolvable. */
function runWithout(hidden: string[]): any {
  return JSON.parse(execFileSync(process.execPath, [fixture], { cwd: root, env: { ...process.env, HIDE_PACKAGES: hidden.join(',') }, encoding: 'utf8', timeout: 60_000 }));
}

// Each test boots an app in its own Node process: slow on a loaded machine.
jest.setTimeout(90_000);

describe('the built package and its optional peers (Swagger, Terminus, Fastify)', () => {
  beforeAll(() => {
    if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  });

  it('loads and serves its routes, webhook and health indicator when none of them is installed', () => {
    const result = runWithout(['@nestjs/swagger', '@nestjs/terminus', '@nestjs/platform-fastify']);
    expect(result).toEqual({
      afterLoad: [],
      afterRun: [],
      plans: { status: 200, body: { plans: [expect.objectContaining({ key: 'free', free: true })] } },
      webhook: { status: 400, code: 'invalid_signature' },
      health: 'up',
    });
  });

  it('never loads Terminus or Fastify on its own when they are installed (Swagger only for its decorators)', () => {
    const result = runWithout([]);
    expect(result.afterLoad).toEqual(['@nestjs/swagger']);
    expect(result.afterRun).toEqual(['@nestjs/swagger']);
    expect(result.plans.status).toBe(200);
  });
});
