import { FormParams, FormValue } from './form-body.parser';
import { missingParam, validationError } from './stripe-api.error';

/** Typed readers over decoded form params; each one fails with Stripe's 400 naming the param. */
export class RequestParams {
  constructor(readonly raw: FormParams, private readonly prefix = '') {}

  private name(key: string): string {
    return this.prefix ? `${this.prefix}[${key}]` : key;
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined;
  }

  str(key: string): string | undefined {
    const v = this.raw[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw validationError(this.name(key), `Invalid string: ${this.name(key)}`);
    return v;
  }

  reqStr(key: string): string {
    const v = this.str(key);
    if (v === undefined || v === '') throw missingParam(this.name(key));
    return v;
  }

  /** Empty string means "unset" in Stripe's form encoding (null from the SDK). */
  nullableStr(key: string): string | null | undefined {
    const v = this.str(key);
    return v === '' ? null : v;
  }

  int(key: string, min = -Infinity): number | undefined {
    const v = this.str(key);
    if (v === undefined || v === '') return undefined;
    if (!/^-?\d+$/.test(v)) throw validationError(this.name(key), `Invalid integer: ${v}`);
    const n = Number(v);
    if (n < min) throw validationError(this.name(key), `This value must be greater than or equal to ${min}.`);
    return n;
  }

  bool(key: string): boolean | undefined {
    const v = this.str(key);
    if (v === undefined) return undefined;
    if (v !== 'true' && v !== 'false') throw validationError(this.name(key), `Invalid boolean: ${v}`);
    return v === 'true';
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const v = this.str(key);
    if (v === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(v)) {
      throw validationError(this.name(key), `Invalid ${this.name(key)}: must be one of ${allowed.join(', ')}`);
    }
    return v as T;
  }

  obj(key: string): RequestParams | undefined {
    const v = this.raw[key];
    if (v === undefined || v === '') return undefined;
    if (typeof v === 'string' || Array.isArray(v)) throw validationError(this.name(key), `Invalid object: ${this.name(key)}`);
    return new RequestParams(v, this.name(key));
  }

  list(key: string): RequestParams[] {
    const v = this.raw[key];
    if (v === undefined || v === '') return [];
    if (!Array.isArray(v)) throw validationError(this.name(key), `Invalid array: ${this.name(key)}`);
    return v.map((item, i) => {
      if (typeof item === 'string' || Array.isArray(item)) throw validationError(`${this.name(key)}[${i}]`, 'Invalid object');
      return new RequestParams(item, `${this.name(key)}[${i}]`);
    });
  }

  strings(key: string): string[] {
    const v: FormValue | undefined = this.raw[key];
    if (v === undefined || v === '') return [];
    if (typeof v === 'string') return [v];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw validationError(this.name(key), 'Invalid array');
    return v as string[];
  }

  /** metadata[k]=v; an empty value deletes the key, as Stripe does on update. */
  metadata(current: Record<string, string> = {}): Record<string, string> {
    const m = this.obj('metadata');
    if (this.raw.metadata === '') return {};
    if (!m) return current;
    const out = { ...current };
    for (const [k, v] of Object.entries(m.raw)) {
      if (typeof v !== 'string') throw validationError(`metadata[${k}]`, 'Invalid metadata value');
      if (v === '') delete out[k];
      else out[k] = v;
    }
    return out;
  }

  expand(): string[] {
    return this.strings('expand');
  }
}
