/** A decoded Stripe request: nested objects, arrays and string leaves, as stripe-node encodes them. */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormParams = { [key: string]: FormValue };

/**
 * Parses `a[b][0][c]=x&expand[]=y` into nested objects. Stripe's SDK sends indexed arrays
 * (`items[0][price]`), other clients send `[]`; both become arrays. Objects whose keys are all
 * integers are turned into arrays afterwards, ordered by index.
 */
export function parseFormBody(body: string): FormParams {
  const root: FormParams = {};
  if (!body) return root;
  for (const pair of body.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const rawKey = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decode(pair.slice(eq + 1));
    const path = splitKey(rawKey);
    if (path.length === 0) continue;
    assign(root, path, value);
  }
  return normalizeArrays(root) as FormParams;
}

function decode(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, ' '));
}

function splitKey(key: string): string[] {
  const first = key.indexOf('[');
  if (first < 0) return [key];
  const parts = [key.slice(0, first)];
  const re = /\[([^\]]*)\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(key.slice(first))) !== null) parts.push(m[1]);
  return parts;
}

type Container = { [key: string]: FormValue };
const APPEND = '\u0000append';

function assign(target: Container, path: string[], value: string): void {
  let node: Container = target;
  for (let i = 0; i < path.length; i++) {
    let key = path[i];
    if (key === '') key = `${APPEND}${Object.keys(node).length}`;
    if (i === path.length - 1) {
      node[key] = value;
      return;
    }
    const existing = node[key];
    if (existing === undefined || typeof existing === 'string' || Array.isArray(existing)) node[key] = {};
    node = node[key] as Container;
  }
}

function normalizeArrays(value: FormValue): FormValue {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const entries = keys.map((k) => [k, normalizeArrays(value[k])] as const);
  const isArray = keys.length > 0 && keys.every((k) => /^\d+$/.test(k) || k.startsWith(APPEND));
  if (isArray) {
    const order = (k: string): number => Number(k.startsWith(APPEND) ? k.slice(APPEND.length) : k);
    return [...entries].sort((a, b) => order(a[0]) - order(b[0])).map(([, v]) => v);
  }
  return Object.fromEntries(entries);
}
