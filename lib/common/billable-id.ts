import { ExecutionContext } from '@nestjs/common';
import { ResolvedPaymentsOptions } from '../payments.options';
import { PaymentsException } from './payments.exception';

/** The caller's billable id from the request, as a string, or a 401 when there is none. */
export function requireBillableId(options: ResolvedPaymentsOptions, request: unknown): string {
  const id = options.getBillableId(request);
  if (id === null || id === undefined || id === '') {
    throw new PaymentsException(401, 'unauthenticated', 'Sign in to manage billing.');
  }
  return String(id);
}

/** The HTTP request of an execution context. */
export function httpRequest(context: ExecutionContext): any {
  return context.switchToHttp().getRequest();
}
