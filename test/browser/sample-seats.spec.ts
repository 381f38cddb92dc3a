import { Page, Response } from 'playwright-core';
import { sampleInBrowser, STEP_MS } from './support/sample-in-browser';
import { SampleProcess } from './support/sample-process';

/**
 * The sample's organisation in a browser: the owner buys the per-seat Team plan with 2 seats on
 * the fake's hosted Checkout page, invites members until the seats run out, is refused the next
 * invite (403 `seat_limit_reached`, shown on the page), buys one more seat, and the invite then
 * works; the seat count reaches the fake Stripe's subscription quantity through the seat sync.
 */
const SEATS = 2;

describe('the sample organisation and its seats in a browser', () => {
  // A 1 s coalescing window: the quantity reaches the fake soon after each change.
  const ui = sampleInBrowser({ viewport: { width: 1100, height: 1200 }, sampleEnv: { SAMPLE_SEAT_COALESCE_SECONDS: '1' } });
  const { expectText, pageErrors } = ui;
  let sample: SampleProcess;
  let page: Page;
  beforeAll(() => ({ sample, page } = ui));
  const answerOf = (apiPath: string, method = 'POST') => ui.answerOf(apiPath, method);

  async function invite(email: string): Promise<Response> {
    await page.fill('#member-email', email);
    const [response] = await Promise.all([answerOf('/org/members'), page.click('#invite')]);
    return response;
  }

  /** GET /api/payments/seats with the page's own token, as the page's client would. */
  async function seatsOverHttp(): Promise<Record<string, unknown>> {
    // A string: the test is compiled without the DOM's types.
    const token = await page.evaluate<string | null>("sessionStorage.getItem('token')");
    const res = await fetch(`${sample.origin}/api/payments/seats`, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  }

  /** Reloads the seats section until Stripe's quantity reads `quantity` with no change pending (the seat sync ran). */
  async function expectStripeQuantity(quantity: number): Promise<void> {
    const deadline = Date.now() + STEP_MS;
    let shown: string | null = null;
    while (Date.now() < deadline) {
      await Promise.all([answerOf('/org/seats/stripe', 'GET'), page.click('#seats-reload')]);
      shown = await page.locator('#seats dd[data-field="At Stripe"]').textContent();
      if (shown === String(quantity)) break;
      await page.waitForTimeout(300);
    }
    expect(shown).toBe(String(quantity));
  }

  const field = (name: string) => `#seats dd[data-field="${name}"]`;

  it('signs in as the owner, who has no seats before subscribing', async () => {
    await page.goto(`${sample.origin}/`);
    await page.fill('#email', 'owner@example.com');
    await page.click('#login');
    await expectText('#subscription dd[data-field="Plan"]', /^Free$/);
    await expectText(field('seats'), 'Subscribe to Team to buy seats.');
    expect(await page.isVisible('#invite')).toBe(false);
  });

  it(`buys the per-seat Team plan with ${SEATS} seats on the hosted Checkout page`, async () => {
    await page.fill('#seat-count', String(SEATS));
    await page.click('#buy-team');
    await page.waitForURL(/\/checkout\/cs_/);
    await expectText('body', `Team × ${SEATS}: ${(49 * SEATS).toFixed(2)} USD / month`);
    const [status] = await Promise.all([
      page.waitForResponse((res) => new URL(res.url()).pathname === '/api/payments/checkout/status'),
      page.getByRole('button', { name: 'Pay with test card' }).click(),
    ]);
    expect(status.status()).toBe(200);
    await expectText('#flash', 'Welcome to Team!');
    await expectText(field('Purchased'), new RegExp(`^${SEATS}$`));
    await expectText(field('Used'), /^0$/);
    await expectText(field('Available'), new RegExp(`^${SEATS}$`));
    await expectStripeQuantity(SEATS);
  });

  it('invites members up to the paid seats', async () => {
    for (let n = 1; n <= SEATS; n++) {
      const response = await invite(`member${n}@example.com`);
      expect(response.status()).toBe(200);
      await expectText('#seat-result', `member${n}@example.com joined the organisation.`);
      await expectText(field('Used'), new RegExp(`^${n}$`));
    }
    await expectText(field('Available'), /^0$/);
    await expectText('#members', 'member1@example.com');
  });

  it('refuses the next invite with the seat-limit message', async () => {
    const refused = await invite('one-too-many@example.com');
    expect(refused.status()).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'seat_limit_reached', used: SEATS, purchased: SEATS });
    await expectText('#seat-result', /^403 Every seat of this organisation is taken; buy another seat first\. \(seat_limit_reached\)$/);
    expect(await page.getAttribute('#seat-result', 'class')).toBe('error');
    await expectText(field('Used'), new RegExp(`^${SEATS}$`));
    expect(await page.locator('#members li').count()).toBe(SEATS);
  });

  it('buys one more seat, after which the invite works', async () => {
    const [bought] = await Promise.all([answerOf('/payments/seats'), page.click('#buy-seat')]);
    expect(bought.status()).toBe(200);
    expect(await bought.json()).toMatchObject({ purchased: SEATS + 1, available: 1 });
    await expectText('#seat-result', `You now pay for ${SEATS + 1} seats.`);
    await expectText(field('Available'), /^1$/);
    const response = await invite('one-too-many@example.com');
    expect(response.status()).toBe(200);
    await expectText('#seat-result', 'one-too-many@example.com joined the organisation.');
    await expectText(field('Used'), new RegExp(`^${SEATS + 1}$`));
    expect(await page.locator('#members li').count()).toBe(SEATS + 1);
  });

  it('GET /seats shows the new count, and the fake Stripe subscription quantity follows after the seat sync', async () => {
    expect(await seatsOverHttp()).toMatchObject({ used: SEATS + 1, purchased: SEATS + 1, available: 0 });
    await expectStripeQuantity(SEATS + 1);
    expect(await seatsOverHttp()).toMatchObject({ purchased: SEATS + 1, pending: false });
    expect(pageErrors).toEqual([]);
  });
});
