/** The parts of a Stripe price that decide what metered units cost. */
export interface MeteredPriceShape {
  billing_scheme?: string | null;
  tiers_mode?: string | null;
  tiers?: { up_to: number | null; unit_amount: number | null; unit_amount_decimal?: string | null; flat_amount: number | null }[] | null;
  unit_amount: number | null;
  unit_amount_decimal?: string | null;
}

/**
 * What `units` of a metered price cost in minor units, as Stripe invoices them: per unit, or by
 * tiers (graduated: each tier prices its own units; volume: the tier the total falls in prices all).
 */
export function meteredAmount(price: MeteredPriceShape, units: number): number {
  if (units <= 0) return 0;
  const tiers = price.billing_scheme === 'tiered' ? price.tiers ?? [] : [];
  if (tiers.length === 0) return Math.round(unitOf(price) * units);
  if (price.tiers_mode === 'volume') {
    const tier = tiers.find((t) => t.up_to === null || units <= t.up_to) ?? tiers[tiers.length - 1];
    return Math.round(unitOf(tier) * units + (tier.flat_amount ?? 0));
  }
  let amount = 0;
  let from = 0;
  for (const tier of tiers) {
    if (units <= from) break;
    const upTo = tier.up_to ?? Infinity;
    const inTier = Math.min(units, upTo) - from;
    amount += unitOf(tier) * inTier + (tier.flat_amount ?? 0);
    from = upTo;
  }
  return Math.round(amount);
}

function unitOf(p: { unit_amount: number | null; unit_amount_decimal?: string | null }): number {
  return p.unit_amount ?? Number(p.unit_amount_decimal ?? 0);
}
