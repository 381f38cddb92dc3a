import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** `ci` runs reduced sizes (the whole suite in a few minutes); `full` runs the sizes of RELIABILITY.md. */
export type Scale = 'ci' | 'full';

/** RELIABILITY_SCALE wins; otherwise CI=true means `ci` and a developer's run means `full`. */
export const SCALE: Scale = ((): Scale => {
  const wanted = process.env.RELIABILITY_SCALE;
  if (wanted === 'ci' || wanted === 'full') return wanted;
  if (wanted) throw new Error(`RELIABILITY_SCALE must be 'ci' or 'full', not '${wanted}'`);
  return process.env.CI === 'true' ? 'ci' : 'full';
})();

/** How the apps process webhooks: RELIABILITY_WEBHOOK_MODE=queued|inline (default queued, the module's default). */
export const WEBHOOK_MODE: 'queued' | 'inline' = ((): 'queued' | 'inline' => {
  const wanted = process.env.RELIABILITY_WEBHOOK_MODE ?? 'queued';
  if (wanted !== 'queued' && wanted !== 'inline') throw new Error(`RELIABILITY_WEBHOOK_MODE must be 'queued' or 'inline', not '${wanted}'`);
  return wanted;
})();

/** App instances behind the proxy: RELIABILITY_INSTANCES=3 adds a third (default 2). */
export const INSTANCES: 2 | 3 = ((): 2 | 3 => {
  const wanted = process.env.RELIABILITY_INSTANCES ?? '2';
  if (wanted !== '2' && wanted !== '3') throw new Error(`RELIABILITY_INSTANCES must be 2 or 3, not '${wanted}'`);
  return Number(wanted) as 2 | 3;
})();

/** Picks the size of a scenario for the current scale. */
export const sized = <T>(sizes: { ci: T; full: T }): T => sizes[SCALE];

/** The run's seed: RELIABILITY_SEED replays a run; otherwise random, printed at the start and on failure. */
export const SEED: number = process.env.RELIABILITY_SEED ? Number(process.env.RELIABILITY_SEED) : Math.floor(Math.random() * 2 ** 31);
if (!Number.isSafeInteger(SEED)) throw new Error('RELIABILITY_SEED must be an integer');

/** The suite's generator is the FakeStripe's own, so one seeded algorithm serves both. */
export { SeededRandom as Rng } from '../../../lib/testing/seeded-random';
import { SeededRandom as Rng } from '../../../lib/testing/seeded-random';

/** A generator for one scenario, derived from SEED and the scenario id so scenarios replay independently. */
export function rngFor(scenario: string): Rng {
  let h = SEED >>> 0;
  for (const ch of scenario) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return new Rng(h);
}

/** One scenario's figures, as printed and written to results/last-run.json. */
export interface Figure {
  id: string;
  title: string;
  values: Record<string, number | string>;
  seconds: number;
}

const figures: Figure[] = [];
const RESULTS_FILE = join(__dirname, '..', 'results', 'last-run.json');

/** Prints a scenario's figures as one line and rewrites results/last-run.json with all figures so far. */
export function report(id: string, title: string, values: Record<string, number | string>, startedAt: number): void {
  const seconds = Math.round((Date.now() - startedAt) / 100) / 10;
  figures.push({ id, title, values, seconds });
  const parts = Object.entries(values).map(([k, v]) => `${k}=${v}`);
  process.stdout.write(`${id} ${title}: ${parts.join(' ')} seed=${SEED} (scale=${SCALE}, webhooks=${WEBHOOK_MODE}, instances=${INSTANCES}, ${seconds}s)\n`);
  mkdirSync(join(__dirname, '..', 'results'), { recursive: true });
  const run = { command: 'npm run test:reliability', scale: SCALE, webhookMode: WEBHOOK_MODE, instances: INSTANCES, seed: SEED, node: process.version, finishedAt: new Date().toISOString(), figures };
  writeFileSync(RESULTS_FILE, `${JSON.stringify(run, null, 2)}\n`);
}

/** Runs a scenario body; a failure names the seed and scale to replay it. */
export async function scenario(id: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const replay = `[${id} failed: replay with RELIABILITY_SEED=${SEED} RELIABILITY_SCALE=${SCALE} RELIABILITY_WEBHOOK_MODE=${WEBHOOK_MODE} RELIABILITY_INSTANCES=${INSTANCES}]`;
    if (error instanceof Error) error.message = `${replay}\n${error.message}`;
    throw error;
  }
}
