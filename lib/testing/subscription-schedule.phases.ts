import type Stripe from 'stripe';
import { addInterval, Interval } from './billing-period';
import { clone, FakeContext } from './fake-context';
import { buildPhase } from './objects/subscription-schedule.factory';
import { RequestParams } from './request-params';
import { badParam } from './stripe-api.error';
import { SubscriptionEngine } from './subscription.engine';
import { discountRequests } from './tax-and-discounts';

type Phase = Stripe.SubscriptionSchedule.Phase;
type Proration = 'create_prorations' | 'always_invoice' | 'none';

const INTERVALS = ['day', 'week', 'month', 'year'] as const;

/** Builds and validates schedule phases the way Stripe resolves them: contiguous, dated, priced. */
export class PhasePlanner {
  constructor(private readonly ctx: FakeContext, private readonly engine: SubscriptionEngine) {}

  /** The single phase `from_subscription` creates: the current items over the current period. */
  mirrorOf(sub: Stripe.Subscription): Phase {
    const item0 = sub.items.data[0];
    return buildPhase({
      startDate: item0.current_period_start,
      endDate: item0.current_period_end,
      currency: sub.currency,
      items: sub.items.data.map((it) => ({ price: clone(it.price), quantity: it.quantity ?? 1 })),
      prorationBehavior: 'create_prorations',
    });
  }

  /**
   * The phases of an update. Past phases may be left out, but the current phase must be there with
   * its start date unchanged; each later phase starts where the previous one ends.
   */
  parse(schedule: Stripe.SubscriptionSchedule, sub: Stripe.Subscription | undefined, list: RequestParams[], fallback: Proration): Phase[] {
    const now = this.ctx.now();
    const currentStart = schedule.current_phase?.start_date;
    const out: Phase[] = [];
    list.forEach((p, i) => {
      const name = `phases[${i}]`;
      const prev = out[i - 1];
      const start = i === 0 ? this.firstStart(p, currentStart, name) : prev.end_date;
      if (i > 0 && p.has('start_date') && Number(p.str('start_date')) !== start) {
        throw badParam(`${name}[start_date]`, 'Phases must be contiguous: a phase must start when the previous phase ends.');
      }
      const items = p.list('items').map((it, j) => ({
        price: clone(this.engine.recurringPrice(it.reqStr('price'), `${name}[items][${j}][price]`)),
        quantity: it.int('quantity', 0) ?? 1,
        metadata: it.metadata(),
      }));
      if (items.length === 0) throw badParam(`${name}[items]`, `Missing required param: ${name}[items].`, 'parameter_missing');
      const end = this.endOf(p, start, items[0].price, name, i === list.length - 1);
      if (end <= start) throw badParam(`${name}[end_date]`, 'The end date of a phase must be after its start date.');
      const discounts = discountRequests(this.ctx, p, 'discounts');
      out.push(
        buildPhase({
          startDate: start,
          endDate: end,
          currency: items[0].price.currency ?? sub?.currency ?? 'usd',
          items,
          prorationBehavior: p.oneOf('proration_behavior', ['create_prorations', 'always_invoice', 'none'] as const) ?? fallback,
          metadata: p.metadata(),
        }),
      );
      // Redeemed when the phase starts (`switchItems`), as Stripe applies a phase's discounts then.
      if (discounts.length > 0) out[out.length - 1].discounts = discounts.map((d) => ({ ...d, discount: null })) as unknown as Phase['discounts'];
    });
    if (schedule.status === 'active' && currentStart !== undefined) {
      const current = out.find((ph) => ph.start_date <= now && now < ph.end_date);
      if (!current) throw badParam('phases', 'The phases must include the current phase of an active schedule.');
      if (current.start_date !== currentStart) {
        throw badParam('phases', 'You cannot change the `start_date` of the current phase.');
      }
    }
    return out;
  }

  private firstStart(p: RequestParams, currentStart: number | undefined, name: string): number {
    const raw = p.str('start_date');
    if (raw === undefined) {
      if (currentStart === undefined) throw badParam(`${name}[start_date]`, `Missing required param: ${name}[start_date].`, 'parameter_missing');
      return currentStart;
    }
    if (raw === 'now') return this.ctx.now();
    if (!/^\d+$/.test(raw)) throw badParam(`${name}[start_date]`, `Invalid timestamp: ${raw}`);
    return Number(raw);
  }

  /** `end_date`, `duration`, `iterations` (legacy), or one billing interval for the last phase. */
  private endOf(p: RequestParams, start: number, price: Stripe.Price, name: string, last: boolean): number {
    const set = ['end_date', 'duration', 'iterations'].filter((k) => p.has(k));
    if (set.length > 1) throw badParam(`${name}[${set[1]}]`, `You may only specify one of these parameters: ${set.join(', ')}.`);
    const endDate = p.int('end_date');
    if (endDate !== undefined) return endDate;
    const duration = p.obj('duration');
    if (duration) {
      const interval = duration.oneOf('interval', INTERVALS);
      if (!interval) throw badParam(`${name}[duration][interval]`, `Missing required param: ${name}[duration][interval].`, 'parameter_missing');
      return addInterval(start, interval, duration.int('interval_count', 1) ?? 1);
    }
    const recurring = price.recurring!;
    const iterations = p.int('iterations', 1);
    if (iterations === undefined && !last) {
      throw badParam(`${name}[end_date]`, 'Every phase but the last needs an `end_date`, a `duration` or `iterations`.', 'parameter_missing');
    }
    return addInterval(start, recurring.interval as Interval, recurring.interval_count * (iterations ?? 1));
  }
}
