import type Stripe from 'stripe';
import { FakeContext } from './fake-context';
import { finalizeInvoice, voidInvoice } from './invoicing';
import { RequestParams } from './request-params';
import { badParam } from './stripe-api.error';

/** `pause_collection[behavior]` (`void`, `keep_as_draft`, `mark_uncollectible`) and `[resumes_at]` of an update; an empty value resumes. */
export function applyPauseCollection(ctx: FakeContext, sub: Stripe.Subscription, params: RequestParams): void {
  if (params.raw.pause_collection === '') {
    sub.pause_collection = null;
    return;
  }
  const pause = params.obj('pause_collection')!;
  const behavior = pause.oneOf('behavior', ['void', 'keep_as_draft', 'mark_uncollectible'] as const);
  if (!behavior) throw badParam('pause_collection[behavior]', 'Missing required param: pause_collection[behavior].', 'parameter_missing');
  const resumesAt = pause.int('resumes_at') ?? null;
  if (resumesAt !== null && resumesAt <= ctx.now()) throw badParam('pause_collection[resumes_at]', 'resumes_at must be in the future.');
  sub.pause_collection = { behavior, resumes_at: resumesAt } as Stripe.Subscription.PauseCollection;
}

/** A pause that has reached its `resumes_at` by `at` ends there, as at Stripe. */
export function liftEndedPause(sub: Stripe.Subscription, at: number): void {
  const resumesAt = sub.pause_collection?.resumes_at;
  if (resumesAt && resumesAt <= at) sub.pause_collection = null;
}

/**
 * A renewal invoice while collection is paused: `void` finalizes and voids it, `keep_as_draft`
 * leaves it a draft, `mark_uncollectible` finalizes it as uncollectible. False when not paused
 * (the invoice is to be charged as usual).
 */
export function settlePausedInvoice(ctx: FakeContext, sub: Stripe.Subscription, invoice: Stripe.Invoice): boolean {
  const behavior = sub.pause_collection?.behavior;
  if (!behavior) return false;
  if (behavior === 'keep_as_draft') return true;
  finalizeInvoice(ctx, invoice);
  if (behavior === 'void') {
    voidInvoice(ctx, invoice);
    return true;
  }
  invoice.status = 'uncollectible';
  invoice.status_transitions.marked_uncollectible_at = ctx.now();
  ctx.emit('invoice.marked_uncollectible', invoice);
  return true;
}
