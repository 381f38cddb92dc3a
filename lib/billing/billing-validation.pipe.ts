import { ValidationError, ValidationPipe } from '@nestjs/common';
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
  return new ValidationPipe({
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
