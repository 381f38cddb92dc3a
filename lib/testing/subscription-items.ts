import type Stripe from 'stripe';
import { clone, FakeContext } from './fake-context';
import { buildPlanFromPrice } from './objects/catalog.factory';
import { buildSubscriptionItem } from './objects/subscription.factory';

export interface ItemChangeSpec {
  id: string;
  price: string;
  quantity: number;
}

/** Writes item changes onto a subscription; prices are embedded copies, as Stripe returns them. */
export function applyItemChanges(ctx: FakeContext, sub: Stripe.Subscription, changes: ItemChangeSpec[]): void {
  const item0 = sub.items.data[0];
  for (const change of changes) {
    const price = clone(ctx.store.prices.get(change.price)!);
    const item = sub.items.data.find((x) => x.id === change.id);
    if (item) {
      item.price = price;
      item.plan = buildPlanFromPrice(price);
      item.quantity = change.quantity;
    } else {
      sub.items.data.push(
        buildSubscriptionItem({
          id: change.id,
          subscription: sub.id,
          created: ctx.now(),
          price,
          quantity: change.quantity,
          periodStart: item0.current_period_start,
          periodEnd: item0.current_period_end,
        }),
      );
    }
  }
}
