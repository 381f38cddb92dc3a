import type { PaymentsModuleOptions, ResolvedPaymentsOptions } from '../payments.options';

/** The default `authorizeBilling`: the signed-in billable may do everything to its own billing (it is its own). */
const allowOwnBillable = () => true;

/** Validates and defaults the organisation options (`authorizeBilling`, `customerDetails`). */
export function resolveTeamsOptions(
  options: PaymentsModuleOptions,
  fail: (sentence: string) => never,
): Pick<ResolvedPaymentsOptions, 'authorizeBilling' | 'customerDetails'> {
  if (options.authorizeBilling !== undefined && typeof options.authorizeBilling !== 'function') {
    fail('authorizeBilling must be a function (req, action, billableId) => boolean | Promise<boolean>, e.g. one that allows owners and admins.');
  }
  if (options.customerDetails !== undefined && typeof options.customerDetails !== 'function') {
    fail("customerDetails must be a function (billableId) => ({ email, name, address, metadata }), e.g. one that reads the organisation's billing e-mail.");
  }
  return { authorizeBilling: options.authorizeBilling ?? allowOwnBillable, ...(options.customerDetails ? { customerDetails: options.customerDetails } : {}) };
}
