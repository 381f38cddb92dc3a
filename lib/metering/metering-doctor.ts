import type Stripe from 'stripe';
import type { PlanCatalog } from '../plans/plan-catalog';

/** A doctor line (same shape as lib/cli/doctor.ts's DoctorCheck). */
interface Check {
  ok: boolean;
  warning?: boolean;
  message: string;
}

/**
 * `doctor` checks of metered metrics: the meter exists and is active at Stripe, the price is a
 * metered price of that meter, and `included` units are free in the price's first tier (Stripe
 * bills every reported unit, so otherwise the included units would be billed).
 */
export async function checkMeteredMetrics(stripe: Stripe, catalog: PlanCatalog): Promise<Check[]> {
  const metered = catalog.list().flatMap((plan) => Object.values(plan.metered).map((m) => ({ plan: plan.key, ...m })));
  if (metered.length === 0) return [];
  const meters = new Map<string, Stripe.Billing.Meter>();
  try {
    for await (const meter of stripe.billing.meters.list({ status: 'active', limit: 100 })) meters.set(meter.event_name, meter);
  } catch (error) {
    return [{ ok: false, message: `Billing meters could not be listed (Stripe answered ${(error as { statusCode?: number }).statusCode ?? 'an error'}).` }];
  }
  const checks: Check[] = [];
  for (const m of metered) {
    const where = `plan '${m.plan}' metered '${m.metric}'`;
    const meter = meters.get(m.meter);
    if (!meter) {
      checks.push({ ok: false, message: `${where}: no active meter with event_name '${m.meter}' at Stripe; create it (Billing → Meters) or fix the name — usage would be refused.` });
      continue;
    }
    let price: Stripe.Price;
    try {
      price = await stripe.prices.retrieve(m.priceId, { expand: ['tiers'] });
    } catch {
      checks.push({ ok: false, message: `${where}: price ${m.priceId} could not be read at Stripe (wrong id, or a live id with a test key?).` });
      continue;
    }
    if (price.recurring?.usage_type !== 'metered' || price.recurring.meter !== meter.id) {
      checks.push({ ok: false, message: `${where}: price ${m.priceId} is not a metered price of meter ${meter.id} ('${m.meter}').` });
      continue;
    }
    const firstTier = price.billing_scheme === 'tiered' ? price.tiers?.[0] : undefined;
    const freeIncluded = m.included === 0 || (firstTier && firstTier.up_to === m.included && !firstTier.unit_amount && !firstTier.flat_amount);
    checks.push(
      freeIncluded
        ? { ok: true, message: `${where}: meter '${m.meter}', price ${m.priceId}.` }
        : { ok: true, warning: true, message: `${where}: included is ${m.included} but the price's first tier does not make ${m.included} units free; Stripe will bill them.` },
    );
  }
  return checks;
}
