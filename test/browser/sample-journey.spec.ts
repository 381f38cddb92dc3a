import { tmpdir } from 'node:os';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Page, Response } from 'playwright-core';
import { sampleInBrowser } from './support/sample-in-browser';
import { SampleProcess } from './support/sample-process';

/**
 * The sample as a person sees it: the built sample app (FakeStripe, SQLite) driven in headless
 * Chromium from sign-in to resume, through the fake's hosted Checkout and portal pages. Each step
 * asserts what the page shows; the final page is saved as docs/screenshot.png for the README.
 */
// The README's picture is refreshed on purpose (`npm run screenshot`), so a test run leaves the tree clean.
const SCREENSHOT = process.env.SAMPLE_SCREENSHOT_PATH ?? join(tmpdir(), `nhp-sample-${process.pid}.png`);

describe('the sample app in a browser', () => {
  const ui = sampleInBrowser();
  const { expectText, answerOf, clickFor, pageErrors } = ui;
  let sample: SampleProcess;
  let page: Page;
  beforeAll(() => ({ sample, page } = ui));

  const field = (name: string) => `#subscription dd[data-field="${name}"]`;
  const meter = '#usage [data-metric="api_calls"]';

  it('signs in a demo user who starts on the free plan', async () => {
    await page.goto(`${sample.origin}/`);
    await expectText('#login-panel h2', 'Sign in');
    expect(await page.isVisible('#app')).toBe(false);
    await page.fill('#email', 'ada@example.com');
    await page.click('#login');
    await expectText(field('Plan'), /^Free$/);
    await expectText(field('Status'), /^none$/);
    await expectText('#who-email', 'ada@example.com');
    expect(await page.isVisible('#login-panel')).toBe(false);
    expect(await page.isDisabled('#portal')).toBe(true);
    expect(await page.isDisabled('#cancel')).toBe(true);
  });

  it('shows the plans with their prices, monthly and yearly', async () => {
    await expectText('[data-plan="free"] h3', 'Your plan');
    await expectText('[data-plan="pro"] .price', '$15.00 / month');
    await expectText('[data-plan="team"] .price', '$49.00 / month');
    await expectText('[data-plan="pro"]', '14-day free trial');
    await expectText('[data-plan="pro"] button', 'Subscribe to Pro');
    await page.check('#yearly');
    await expectText('[data-plan="pro"] .price', '$150.00 / year');
    await page.uncheck('#yearly');
    await expectText('[data-plan="pro"] .price', '$15.00 / month');
    await expectText(meter, '0 / 5 used');
  });

  it('refuses the feature-gated export on the free plan', async () => {
    const response = await clickFor('#export', '/demo/reports/export');
    expect(response.status()).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'feature_required', requiredFeatures: ['advanced_exports'] });
    await expectText('#result', 'feature_required');
    await expectText('#result', /^403 /);
  });

  it('subscribes to Pro through the hosted Checkout page and shows it without a reload', async () => {
    await page.click('[data-plan="pro"] button');
    await page.waitForURL(/\/checkout\/cs_/);
    await expectText('body', 'Pro × 1: 15.00 USD / month');
    await expectText('body', '14-day free trial');
    let loads = 0;
    page.on('load', () => loads++);
    const [status] = await Promise.all([
      page.waitForResponse((res) => new URL(res.url()).pathname === '/api/payments/checkout/status'),
      page.getByRole('button', { name: 'Pay with test card' }).click(),
    ]);
    expect(status.status()).toBe(200);
    expect(await status.json()).toMatchObject({ session: { status: 'complete' }, subscription: { plan: 'pro', active: true } });
    await expectText('#flash', 'Welcome to Pro!');
    await expectText(field('Plan'), /^Pro$/);
    await expectText(field('Status'), /^trialing$/);
    await expectText(field('Active'), /^yes$/);
    await expectText(field('On trial'), /^yes, until /);
    await expectText(field('Renewal'), /^renews /);
    await expectText(field('Features'), 'advanced_exports');
    await expectText('[data-plan="pro"] h3', 'Your plan');
    await expectText('[data-plan="team"] button', 'Switch to Team');
    // Only the return from Checkout loaded the page: nobody reloaded it by hand, and the URL lost its session id.
    expect(loads).toBe(1);
    expect(new URL(page.url()).search).toBe('');
  });

  it('allows the export on Pro', async () => {
    const response = await clickFor('#export', '/demo/reports/export');
    expect(response.status()).toBe(200);
    await expectText('#result', 'quarterly.csv');
    expect(await page.getAttribute('#result', 'class')).toBe('ok');
  });

  it('counts API calls until the meter is full, then answers 429', async () => {
    await expectText(meter, '0 / 20 used');
    for (let used = 1; used <= 20; used++) {
      const response = await clickFor('#api-call', '/demo/api-call');
      expect(response.status()).toBe(200);
      await expectText(`${meter} .used`, new RegExp(`^${used} / 20 used`));
    }
    await expectText(`${meter} .used`, /^20 \/ 20 used — limit reached, resets /);
    expect(await page.getAttribute(`${meter} .meter`, 'class')).toBe('meter full');
    const [refused, usage] = await Promise.all([answerOf('/demo/api-call'), answerOf('/payments/usage'), page.click('#api-call')]);
    expect(refused.status()).toBe(429);
    expect(await refused.json()).toMatchObject({ code: 'usage_limit_exceeded', limit: 20 });
    await expectText('#result', /^429 [\s\S]*usage_limit_exceeded/);
    // A refused call is not counted: the meter the page reloaded after it still says 20.
    expect((await usage.json()).usage).toEqual([expect.objectContaining({ metric: 'api_calls', used: 20, limit: 20, remaining: 0 })]);
    await expectText(`${meter} .used`, /^20 \/ 20 used/);
  });

  it('opens the billing portal and comes back', async () => {
    await page.click('#portal');
    await page.waitForURL(/\/portal\/[^/]+$/);
    await expectText('h1', 'Billing portal');
    await expectText('body', 'trialing');
    expect(await page.getByRole('button', { name: 'Cancel subscription' }).isVisible()).toBe(true);
    await page.getByRole('link', { name: 'Return' }).click();
    await page.waitForURL(`${sample.origin}/`);
    await expectText(field('Plan'), /^Pro$/);
    await expectText(field('Renewal'), /^renews /);
  });

  it('cancels at the period end and shows when the plan ends', async () => {
    const response = await clickFor('#cancel', '/payments/cancel');
    expect(response.status()).toBe(200);
    await expectText(field('Renewal'), /^ends /);
    await expectText('#flash', /^Your plan ends on /);
    await expectText(field('Plan'), /^Pro$/);
    expect(await page.isDisabled('#cancel')).toBe(true);
    expect(await page.isEnabled('#resume')).toBe(true);
  });

  it('resumes and renews again', async () => {
    const response = await clickFor('#resume', '/payments/resume');
    expect(response.status()).toBe(200);
    await expectText(field('Renewal'), /^renews /);
    await expectText('#flash', 'Welcome back: your plan continues.');
    expect(await page.isDisabled('#resume')).toBe(true);
    expect(await page.isEnabled('#cancel')).toBe(true);
  });

  it('still refuses API calls over the limit after the round trips, and saves the page as the README screenshot', async () => {
    await expectText('#result', /^$/);
    const refused = await clickFor('#api-call', '/demo/api-call');
    expect(refused.status()).toBe(429);
    await expectText('#result', /^429 [\s\S]*usage_limit_exceeded/);
    expect(await page.getAttribute(`${meter} .meter`, 'class')).toBe('meter full');
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(statSync(SCREENSHOT).size).toBeLessThan(300 * 1024);
    expect(pageErrors).toEqual([]);
  });
});
