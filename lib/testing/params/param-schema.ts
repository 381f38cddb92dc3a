import { FormParams, FormValue } from '../form-body.parser';
import { StripeApiError, validationError } from '../stripe-api.error';

/**
 * What one endpoint accepts, key by key: a scalar (or a list of scalars such as `expand[]`), a
 * free-form map (`metadata`, `currency_options`), a nested object, or a list of objects.
 */
export type ParamSpec = 'scalar' | 'map' | { object: ParamSchema } | { list: ParamSchema };
export type ParamSchema = { readonly [key: string]: ParamSpec };

/** A string, number, boolean, timestamp or list of them; its value is the route's business. */
export const S: ParamSpec = 'scalar';
/** Free-form keys (metadata): anything below is accepted. */
export const MAP: ParamSpec = 'map';
export const obj = (schema: ParamSchema): ParamSpec => ({ object: schema });
export const list = (schema: ParamSchema): ParamSpec => ({ list: schema });

/** 400 `parameter_unknown` worded as Stripe words it. */
export function unknownParam(param: string): StripeApiError {
  return validationError(param, `Received unknown parameter: ${param}`, 'parameter_unknown');
}

/**
 * Refuses the first key the schema does not know, naming its full form path
 * (`subscription_data[trial_period_dayz]`, `items[0][pricee]`). `expand` is accepted everywhere,
 * and an empty string for an object or list means "unset", as in Stripe's form encoding.
 */
export function checkParams(schema: ParamSchema, raw: FormParams): void {
  checkObject({ expand: S, ...schema }, raw, '');
}

function checkObject(schema: ParamSchema, raw: { [key: string]: FormValue }, prefix: string): void {
  for (const [key, value] of Object.entries(raw)) {
    const name = prefix ? `${prefix}[${key}]` : key;
    const spec = Object.prototype.hasOwnProperty.call(schema, key) ? schema[key] : undefined;
    if (spec === undefined) throw unknownParam(name);
    checkValue(spec, value, name);
  }
}

function checkValue(spec: ParamSpec, value: FormValue, name: string): void {
  if (spec === 'scalar' || spec === 'map' || value === '') return;
  if ('object' in spec) {
    // A string is the scalar alternative some params allow (`trial_end=now`, `created=<ts>`).
    if (typeof value === 'string') return;
    if (Array.isArray(value)) throw invalid(name, `Invalid hash: ${name}`);
    checkObject(spec.object, value, name);
    return;
  }
  if (!Array.isArray(value)) throw invalid(name, `Invalid array: ${name}`);
  value.forEach((item, i) => {
    const at = `${name}[${i}]`;
    if (typeof item === 'string' || Array.isArray(item)) throw invalid(at, `Invalid hash: ${at}`);
    checkObject(spec.list, item, at);
  });
}

function invalid(param: string, message: string): StripeApiError {
  return validationError(param, message);
}
