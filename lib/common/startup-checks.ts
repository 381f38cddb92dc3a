import { Logger } from '@nestjs/common';
import { createRequire } from 'node:module';
import { ResolvedPaymentsOptions } from '../payments.options';
import { PaymentsConfigError } from '../payments-options.validator';

/** The warning of an app started without `webhookSecret`: it boots, but refuses every delivery. */
export const NO_WEBHOOK_SECRET_WARNING =
  'webhookSecret is not set: every Stripe webhook delivery will be refused and billing state will not follow Stripe; set webhookSecret (STRIPE_WEBHOOK_SECRET, whsec_...).';
/** The warning of an app started without `urls`: checkout and the portal answer 503 `billing_not_configured`. */
export const NO_URLS_WARNING =
  'urls is not set: POST checkout and portal answer 503 billing_not_configured; set urls { success, cancel, portalReturn } in the PaymentsModule options.';

/** Options that leave part of the module unusable but the app still worth starting: one warning each. */
export function warnIncompleteOptions(options: ResolvedPaymentsOptions, logger: Logger): void {
  if (options.webhookSecrets.length === 0) logger.warn(NO_WEBHOOK_SECRET_WARNING);
  if (!options.urls) logger.warn(NO_URLS_WARNING);
}

/**
 * Refuses to start when the default `authGuard` (`AuthGuard('jwt')`) has no passport strategy
 * named 'jwt' to run: otherwise every billing request answers 500 `Unknown authentication strategy`.
 * Runs after every provider is built, so the app's strategy (registered in its constructor) exists.
 */
export function assertDefaultAuthStrategy(options: ResolvedPaymentsOptions): void {
  if (options.authGuard !== undefined) return;
  const passport = loadPassport();
  // Without passport itself the guard's import fails with its own message; nothing to add here.
  if (!passport || typeof passport._strategy !== 'function' || passport._strategy('jwt')) return;
  throw new PaymentsConfigError(
    "nestjs-headless-payments: the default authGuard is AuthGuard('jwt'), but no passport strategy named 'jwt' is registered; add your JwtStrategy (extends PassportStrategy(Strategy)) to the providers of a module, or set authGuard in the PaymentsModule options (null for none).",
  );
}

interface PassportLike {
  _strategy?: (name: string) => unknown;
}

/**
 * The passport instance @nestjs/passport uses: ours when both resolve to the same (hoisted) copy,
 * else the one next to @nestjs/passport (strict layouts such as pnpm); null without passport.
 */
function loadPassport(): PassportLike | null {
  try {
    return require('passport') as PassportLike;
  } catch {
    try {
      return createRequire(require.resolve('@nestjs/passport/package.json'))('passport') as PassportLike;
    } catch {
      return null;
    }
  }
}
