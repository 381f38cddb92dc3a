import { Browser, Page, Response } from 'playwright-core';
import { launchChromium, SampleProcess, startSample } from './sample-process';

/** How long one step of a journey waits for the page to show what it should. */
export const STEP_MS = 15_000;

export interface SampleInBrowserOptions {
  /** The page's size; default 1100 × 900. */
  viewport?: { width: number; height: number };
  /** Environment for the sample process on top of the offline defaults. */
  sampleEnv?: NodeJS.ProcessEnv;
}

/** The built sample and one Chromium page, for the `describe` that called `sampleInBrowser`. */
export interface SampleInBrowser {
  readonly sample: SampleProcess;
  readonly page: Page;
  /** Uncaught script errors of the page: a journey ends by asserting there were none. */
  readonly pageErrors: string[];
  /** Waits until `selector` shows `expected`, then asserts it (so a failure prints what the page really shows). */
  expectText(selector: string, expected: string | RegExp): Promise<void>;
  /** The next answer of an API route (`/payments/usage`, ...) seen by the browser; with `method`, only one of that method. */
  answerOf(apiPath: string, method?: string): Promise<Response>;
  /** Clicks and returns the answer of the API call the click makes. */
  clickFor(selector: string, apiPath: string): Promise<Response>;
}

/**
 * Starts the sample and Chromium in `beforeAll` and stops both in `afterAll` of the calling
 * `describe`; `sample` and `page` may be read from inside its tests.
 */
export function sampleInBrowser(options: SampleInBrowserOptions = {}): SampleInBrowser {
  let sample: SampleProcess | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // Assigned as each one starts, so afterAll stops whichever did even if the other failed.
    const starting = [startSample(30_000, options.sampleEnv).then((started) => (sample = started)), launchChromium().then((launched) => (browser = launched))];
    await Promise.all(starting.map((p) => p.catch(() => undefined)));
    await Promise.all(starting);
    page = await browser!.newPage({ viewport: options.viewport ?? { width: 1100, height: 900 } });
    page.setDefaultTimeout(STEP_MS);
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 60_000);

  afterAll(async () => {
    // Each one on its own: a failed close must not leave the other running.
    await browser?.close().catch(() => undefined);
    await sample?.stop();
  }, 20_000);

  const ui: SampleInBrowser = {
    get sample() {
      return sample!;
    },
    get page() {
      return page!;
    },
    pageErrors,
    async expectText(selector, expected) {
      const locator = ui.page.locator(selector).first();
      await locator.filter({ hasText: expected }).waitFor({ timeout: STEP_MS }).catch(() => undefined);
      expect(await locator.textContent()).toMatch(expected);
    },
    answerOf: (apiPath, method) =>
      ui.page.waitForResponse((res) => new URL(res.url()).pathname === `/api${apiPath}` && (method === undefined || res.request().method() === method)),
    async clickFor(selector, apiPath) {
      const [response] = await Promise.all([ui.answerOf(apiPath), ui.page.click(selector)]);
      return response;
    },
  };
  return ui;
}
