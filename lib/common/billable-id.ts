import { CanActivate, ExecutionContext, Logger } from '@nestjs/common';
import { ResolvedPaymentsOptions } from '../payments.options';
import { PaymentsException } from './payments.exception';

const logger = new Logger('Payments:Auth');
/** Key sets already warned about, per app (its options): one line per shape of `req.user`, not one per request. */
const warnedKeySets = new WeakMap<object, Set<string>>();
const MAX_WARNED_KEY_SETS = 100;

/** The 401 of a signed-in user whose `req.user` yields no billable id: says which option to fix. */
export const NO_BILLABLE_ID_MESSAGE =
  'You are signed in, but getBillableId found no billable id in req.user; return an id (or sub) from your auth strategy, or set getBillableId in the PaymentsModule options.';

/** The caller's billable id from the request, as a string, or a 401 when there is none. */
export function requireBillableId(options: ResolvedPaymentsOptions, request: unknown): string {
  const id = billableIdOf(options, request);
  if (id === null) {
    if (hasUser(request)) throw new PaymentsException(401, 'unauthenticated', NO_BILLABLE_ID_MESSAGE);
    throw new PaymentsException(401, 'unauthenticated', 'Sign in to manage billing.');
  }
  return id;
}

/**
 * The billable id after authentication: when the app's own guard has not run on this route (no
 * `req.user` yet), the module's `authGuard` runs once first, as the access decorators do. Null
 * when the caller is not signed in or the guard refuses.
 */
export async function authenticatedBillableId(options: ResolvedPaymentsOptions, authGuard: CanActivate | null | undefined, context: ExecutionContext): Promise<string | null> {
  const request = httpRequest(context);
  const id = billableIdOf(options, request);
  if (id !== null || !authGuard || hasUser(request)) return id;
  try {
    if (!(await authGuard.canActivate(context))) return null;
  } catch {
    return null;
  }
  return billableIdOf(options, request);
}

/** `getBillableId(req)` as a string, or null; warns (once per key set) when `req.user` has no id. */
function billableIdOf(options: ResolvedPaymentsOptions, request: unknown): string | null {
  const id = options.getBillableId(request);
  if (id !== null && id !== undefined && id !== '') return String(id);
  if (hasUser(request)) warnNoBillableId(options, request.user);
  return null;
}

function hasUser(request: unknown): request is { user: object } {
  const user = (request as { user?: unknown } | null | undefined)?.user;
  return typeof user === 'object' && user !== null;
}

function warnNoBillableId(options: ResolvedPaymentsOptions, user: object): void {
  // Key names only: the values may be personal data or tokens.
  const keys = Object.keys(user).sort();
  const signature = keys.join(',');
  const warned = warnedKeySets.get(options) ?? new Set<string>();
  warnedKeySets.set(options, warned);
  if (warned.has(signature) || warned.size >= MAX_WARNED_KEY_SETS) return;
  warned.add(signature);
  logger.warn(
    `getBillableId returned no id for a signed-in request; req.user has the keys [${keys.join(', ')}]. The default reads req.user.id, then req.user.sub: return one of them from your auth strategy's validate(), or set getBillableId in the PaymentsModule options.`,
  );
}

/** The HTTP request of an execution context. */
export function httpRequest(context: ExecutionContext): any {
  return context.switchToHttp().getRequest();
}
