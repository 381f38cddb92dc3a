import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import * as classTransformer from 'class-transformer';
import * as classValidator from 'class-validator';
import { PaymentsException } from '../common/payments.exception';

/** One invalid field of a request, as the 400 body lists it. */
export interface InvalidField {
  field: string;
  messages: string[];
}

/**
 * The billing routes' own pipe, so unknown fields are refused (R10: no client-set trials, coupons
 * or prices) whatever the app configures globally. Errors answer 400 `invalid_request`.
 */
export function billingValidationPipe(): ValidationPipe {
  return new BillingValidationPipe({
    // Passed in rather than loaded by Nest with a dynamic import, which some runners and bundlers miss.
    validatorPackage: classValidator,
    transformerPackage: classTransformer,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) =>
      new PaymentsException(400, 'invalid_request', 'The request has invalid or unknown fields.', { errors: flatten(errors) }),
  });
}

function flatten(errors: ValidationError[], prefix = ''): InvalidField[] {
  return errors.flatMap((error) => {
    const field = prefix + error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], `${field}.`)];
  });
}

/** Keys that could reach an object's prototype: class-transformer drops them silently, we refuse them. */
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'];

/** Deepest nesting a billing body or query may have; every DTO is flat, so this is generous. */
export const MAX_INPUT_DEPTH = 16;

class BillingValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // class-transformer and class-validator recurse: thousands of levels overflow the stack (a 500
    // and a stack trace per request). Refused first, at a cost bounded by the body's size.
    if (nestedDeeperThan(value, MAX_INPUT_DEPTH)) {
      throw new PaymentsException(400, 'invalid_request', `The request is nested too deeply (more than ${MAX_INPUT_DEPTH} levels).`, { maxDepth: MAX_INPUT_DEPTH });
    }
    const found = typeof value === 'object' && value !== null ? PROTOTYPE_KEYS.filter((key) => Object.prototype.hasOwnProperty.call(value, key)) : [];
    if (found.length > 0) {
      throw new PaymentsException(400, 'invalid_request', 'The request has invalid or unknown fields.', {
        errors: found.map((field) => ({ field, messages: [`property ${field} should not exist`] })),
      });
    }
    return super.transform(value, metadata);
  }
}

/** True when objects or arrays in `value` nest more than `max` levels; iterative, so depth cannot overflow it. */
function nestedDeeperThan(value: unknown, max: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(node)) {
      if (typeof child === 'object' && child !== null) pending.push([child, depth + 1]);
    }
  }
  return false;
}
