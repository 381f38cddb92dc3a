import { ServerResponse } from 'node:http';
import type Stripe from 'stripe';
import { CheckoutFlow } from './checkout.flow';
import { FakeContext } from './fake-context';
import { serveInvoicePage } from './invoice-pages';
import { TestCard } from './fake-stripe.types';
import { PageHandler } from './fake-http.server';
import { parseFormBody } from './form-body.parser';
import { priceAmount } from './objects/catalog.factory';
import { RequestParams } from './request-params';
import { StripeApiError } from './stripe-api.error';
import { SubscriptionUpdater } from './subscription-update';

const esc = (s: unknown): string =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

const money = (amount: number | null, currency: string | null): string =>
  `${((amount ?? 0) / 100).toFixed(2)} ${(currency ?? 'usd').toUpperCase()}`;

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title></head><body><h1>${esc(title)}</h1>${body}</body></html>`;
}

const button = (action: string, fields: Record<string, string>, label: string): string =>
  `<form method="post" action="${esc(action)}">${Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('')}<button type="submit">${esc(label)}</button></form>`;

/** Plain-HTML twins of Stripe Checkout and the customer portal (forms only, no JavaScript). */
export class HostedPages implements PageHandler {
  constructor(
    private readonly ctx: FakeContext,
    private readonly checkout: CheckoutFlow,
    private readonly updater: SubscriptionUpdater,
  ) {}

  handle(method: string, url: URL, body: string, res: ServerResponse): void {
    const m = /^\/(checkout|portal|invoice)\/([^/]+)(\/[a-z]+)?$/.exec(url.pathname);
    const form = parseFormBody(body);
    try {
      if (m?.[1] === 'checkout' && method === 'GET' && !m[3]) return this.html(res, 200, this.checkoutPage(m[2]));
      if (m?.[1] === 'checkout' && method === 'POST' && m[3] === '/pay') return this.pay(m[2], form, res);
      if (m?.[1] === 'portal' && method === 'GET' && !m[3]) return this.html(res, 200, this.portalPage(m[2]));
      if (m?.[1] === 'portal' && method === 'POST' && m[3] === '/action') return this.portalAction(m[2], form, res);
      if (m?.[1] === 'invoice' && method === 'GET' && (!m[3] || m[3] === '/pdf')) return serveInvoicePage(this.ctx, m[2], m[3] === '/pdf', res);
      this.html(res, 404, page('Not found', '<p>FakeStripe has no page here.</p>'));
    } catch (err) {
      const status = err instanceof StripeApiError ? err.status : 500;
      this.html(res, status, page('Error', `<p>${esc(err instanceof Error ? err.message : String(err))}</p>`));
    }
  }

  private checkoutPage(id: string): string {
    const session = this.checkout.session(id);
    const extras = this.ctx.store.sessionExtras.get(id)!;
    if (session.status !== 'open') return page('Checkout', `<p>This checkout session is ${esc(session.status)}.</p>`);
    const lines = extras.lines
      .map((l) => {
        const price = this.ctx.store.prices.get(l.price) as Stripe.Price;
        const product = this.ctx.store.products.get(price.product as string);
        const every = price.recurring ? ` / ${price.recurring.interval}` : '';
        return `<li>${esc(product?.name ?? price.id)} × ${l.quantity}: ${money(priceAmount(price, l.quantity), price.currency)}${every}</li>`;
      })
      .join('');
    const trial = extras.trialPeriodDays ? `<p>Includes a ${extras.trialPeriodDays}-day free trial.</p>` : '';
    const error = extras.lastError ? `<p role="alert" class="error">${esc(extras.lastError)}</p>` : '';
    const action = `/checkout/${id}/pay`;
    const cancel = session.cancel_url ? `<p><a href="${esc(session.cancel_url)}">Cancel and go back</a></p>` : '';
    return page(
      'Checkout',
      `<ul>${lines}</ul><p>Total: ${money(session.amount_total, session.currency)}</p>${trial}${error}` +
        button(action, { card: 'success' }, 'Pay with test card') +
        button(action, { card: 'decline' }, 'Decline') +
        button(action, { card: 'requires_action' }, 'Requires action') +
        cancel,
    );
  }

  private pay(id: string, form: Record<string, unknown>, res: ServerResponse): void {
    const card = (['success', 'decline', 'requires_action'].includes(String(form.card)) ? form.card : 'success') as TestCard;
    if (card === 'requires_action' && form.authenticate === undefined) {
      const action = `/checkout/${id}/pay`;
      return this.html(
        res,
        200,
        page('Authenticate payment', '<p>Your bank asks you to confirm this payment (3-D Secure test).</p>' +
          button(action, { card, authenticate: 'true' }, 'Complete authentication') +
          button(action, { card, authenticate: 'false' }, 'Fail authentication')),
      );
    }
    const result = this.checkout.complete(id, { card, authenticate: form.authenticate === 'true' });
    if (result.redirectUrl) return this.redirect(res, result.redirectUrl);
    if (result.error) return this.html(res, 402, this.checkoutPage(id));
    this.html(res, 200, page('Thank you', '<p>Payment complete.</p>'));
  }

  private portalPage(id: string): string {
    const session = this.portalSession(id);
    const subs = [...this.ctx.store.subscriptions.values()].filter((s) => s.customer === session.customer && s.status !== 'canceled' && s.status !== 'incomplete_expired');
    const action = `/portal/${id}/action`;
    const recurring = [...this.ctx.store.prices.values()].filter((p) => p.recurring && p.active);
    const rows = subs.map((sub) => {
      const item = sub.items.data[0];
      const ends = sub.cancel_at ? `<p>Cancels on ${new Date(sub.cancel_at * 1000).toISOString().slice(0, 10)}</p>` : '';
      const toggle = sub.cancel_at
        ? button(action, { op: 'resume', subscription: sub.id }, 'Renew subscription')
        : button(action, { op: 'cancel', subscription: sub.id }, 'Cancel subscription');
      const switches = recurring
        .filter((p) => p.id !== item.price.id)
        .map((p) => button(action, { op: 'switch', subscription: sub.id, price: p.id }, `Switch to ${p.nickname ?? p.lookup_key ?? p.id} (${money(priceAmount(p), p.currency)}/${p.recurring!.interval})`))
        .join('');
      return `<section data-subscription="${esc(sub.id)}"><h2>${esc(item.price.nickname ?? item.price.id)}: ${esc(sub.status)}</h2>${ends}${toggle}${switches}</section>`;
    });
    const back = session.return_url ? `<p><a href="${esc(session.return_url)}">Return</a></p>` : '';
    return page('Billing portal', (rows.join('') || '<p>No subscriptions.</p>') + back);
  }

  private portalAction(id: string, form: Record<string, unknown>, res: ServerResponse): void {
    const session = this.portalSession(id);
    const sub = this.ctx.store.subscriptions.get(String(form.subscription));
    if (!sub || sub.customer !== session.customer) return this.html(res, 404, page('Not found', '<p>No such subscription.</p>'));
    const cancelAt = this.ctx.options.portalCancelMode === 'cancel_at';
    const op = String(form.op);
    if (op === 'cancel') this.updater.update(sub, new RequestParams(cancelAt ? { cancel_at: 'min_period_end' } : { cancel_at_period_end: 'true' }));
    else if (op === 'resume') this.updater.update(sub, new RequestParams(sub.cancel_at_period_end ? { cancel_at_period_end: 'false' } : { cancel_at: '' }));
    else if (op === 'switch') {
      this.updater.update(sub, new RequestParams({ items: [{ id: sub.items.data[0].id, price: String(form.price) }], proration_behavior: 'create_prorations' }));
    } else return this.html(res, 400, page('Error', '<p>Unknown action.</p>'));
    this.redirect(res, `/portal/${id}`);
  }

  private portalSession(id: string): Stripe.BillingPortal.Session {
    const session = this.ctx.store.portalSessions.get(id);
    if (!session) throw new StripeApiError(404, 'invalid_request_error', 'This portal session does not exist.');
    return session;
  }

  private html(res: ServerResponse, status: number, html: string): void {
    res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(html);
  }

  private redirect(res: ServerResponse, location: string): void {
    res.writeHead(303, { Location: location });
    res.end();
  }
}
