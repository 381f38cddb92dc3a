import { Page, Response } from 'playwright-core';
import { sampleInBrowser } from './support/sample-in-browser';
import { SampleProcess } from './support/sample-process';

/**
 * Credits in the sample, as a person sees them: a Free user uses up the plan's API calls (429),
 * buys a credit pack on the fake's hosted Checkout page, spends past the allowance (admitted, the
 * balance goes down) and opens the purchase's invoice on the fake's hosted invoice page.
 */
describe('credits in the sample app, in a browser', () => {
  const ui = sampleInBrowser();
  const { expectText, answerOf, clickFor, pageErrors } = ui;
  let sample: SampleProcess;
  let page: Page;
  beforeAll(() => ({ sample, page } = ui));

  /** Calls the metered demo route once; the route's answer and the balance the page reloads after it. */
  async function callApi(): Promise<{ call: Response; balance: any }> {
    const [call, balance] = await Promise.all([answerOf('/demo/api-call'), answerOf('/payments/balance'), page.click('#api-call')]);
    return { call, balance: await balance.json() };
  }

  const meter = '#usage [data-metric="api_calls"] .used';
  const credits = '#balance [data-balance="api_calls"] .credits';

  it('signs in on Free: no credits, no invoices, a pack for sale', async () => {
    await page.goto(`${sample.origin}/`);
    await page.fill('#email', 'grace@example.com');
    await page.click('#login');
    await expectText('#subscription dd[data-field="Plan"]', /^Free$/);
    await expectText('[data-product="credits_1000"] h3', '1,000 API calls');
    await expectText('[data-product="credits_1000"] button', 'Buy 1,000 API calls');
    await expectText(credits, /^0$/);
    await expectText('#balance [data-balance="api_calls"] .allowance', '5 of 5 left this period');
    await expectText('#invoices', 'No invoices yet.');
  });

  it('uses up the Free allowance, then the route answers 429', async () => {
    for (let used = 1; used <= 5; used++) {
      const { call } = await callApi();
      expect(call.status()).toBe(200);
      await expectText(meter, new RegExp(`^${used} / 5 used`));
    }
    const { call, balance } = await callApi();
    expect(call.status()).toBe(429);
    expect(await call.json()).toMatchObject({ code: 'usage_limit_exceeded', limit: 5 });
    await expectText('#result', /^429 [\s\S]*usage_limit_exceeded/);
    expect(balance.balances).toEqual([expect.objectContaining({ metric: 'api_calls', used: 5, limit: 5, remaining: 0, creditsRemaining: 0, available: 0 })]);
    await expectText(meter, /^5 \/ 5 used — limit reached/);
    expect(await page.getAttribute('#usage [data-metric="api_calls"] .meter', 'class')).toBe('meter full');
  });

  it('buys a credit pack on the hosted Checkout page and sees the credits on return, without a reload', async () => {
    await page.click('[data-product="credits_1000"] button');
    await page.waitForURL(/\/checkout\/cs_/);
    await expectText('body', '1,000 API calls × 1: 10.00 USD');
    expect(await page.locator('body').textContent()).not.toContain('/ month');
    const [status] = await Promise.all([answerOf('/payments/checkout/status'), page.getByRole('button', { name: 'Pay with test card' }).click()]);
    expect(status.status()).toBe(200);
    expect(await status.json()).toMatchObject({ session: { status: 'complete' }, purchase: { product: 'credits_1000', quantity: 1, amountPaid: 1000, currency: 'usd', status: 'paid' } });
    await expectText('#flash', 'Thank you: 1 × credits_1000 added to your credits.');
    await expectText(credits, /^1000$/);
    await expectText('#balance [data-balance="api_calls"] .available', /^1000$/);
    // Buying credits changes no plan.
    await expectText('#subscription dd[data-field="Plan"]', /^Free$/);
    expect(new URL(page.url()).search).toBe('');
  });

  it('spends past the allowance: the calls are admitted and the balance goes down by one each', async () => {
    for (let spent = 1; spent <= 3; spent++) {
      const { call, balance } = await callApi();
      expect(call.status()).toBe(200);
      expect(balance.balances).toEqual([expect.objectContaining({ metric: 'api_calls', used: 5, remaining: 0, creditsRemaining: 1000 - spent })]);
      await expectText(credits, new RegExp(`^${1000 - spent}$`));
    }
    await expectText('#result', '"ok": true');
    await expectText(meter, '5 / 5 used — now spending credits (997 left)');
    // The allowance is used up, but the meter is not red while credits hold further calls.
    expect(await page.getAttribute('#usage [data-metric="api_calls"] .meter', 'class')).toBe('meter');
  });

  it('lists the purchase\'s invoice and opens it on the hosted invoice page, with its PDF', async () => {
    await expectText('#invoices li', /-0001 — paid — \$10\.00 — /);
    const href = await page.getAttribute('#invoices li a.open-invoice', 'href');
    expect(href).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/invoice\/in_\w+$/);
    await page.click('#invoices li a.open-invoice');
    await page.waitForURL(/\/invoice\/in_\w+$/);
    await expectText('h1', /^Invoice \w+-0001$/);
    await expectText('[data-status]', /^paid$/);
    await expectText('body', '1 × 1,000 API calls: 10.00 USD');
    await expectText('body', 'Amount paid: 10.00 USD');
    const pdf = await page.request.get(`${href}/pdf`);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('comes back to the app with the balance where it was, and no page errors', async () => {
    await page.goBack();
    await page.waitForURL(`${sample.origin}/`);
    await expectText(credits, /^997$/);
    await expectText('#invoices li', 'paid');
    expect(pageErrors).toEqual([]);
  });
});
