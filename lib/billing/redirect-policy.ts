/** Longest redirect value a client may send; real app URLs are far shorter. */
const MAX_REDIRECT_LENGTH = 2048;

/**
 * Resolves a client-supplied redirect (`successUrl`, `cancelUrl`, `returnUrl`) against the
 * configured one. Returns the configured URL when the client sent nothing, the client's URL (scheme
 * and host lowercased) when its origin is an allowed origin, or the configured origin + the client's path. Returns
 * null for everything else (the caller answers 400 `invalid_redirect`): protocol-relative
 * `//host`, `/\host`, backslashes, control characters, `javascript:` and other schemes, and
 * look-alike hosts such as `https://app.example.com.evil.com`.
 */
export function resolveRedirect(clientValue: string | undefined | null, configured: string, allowedOrigins: readonly string[]): string | null {
  if (clientValue === undefined || clientValue === null) return configured;
  if (typeof clientValue !== 'string' || clientValue.length === 0 || clientValue.length > MAX_REDIRECT_LENGTH) return null;
  // Browsers strip or reinterpret these (tabs and newlines vanish, '\' turns into '/'), so a value
  // that looks like a path could become another host: refuse them outright.
  if (/[\u0000-\u0020\u007f-\u009f\\]/.test(clientValue)) return null;
  const base = new URL(configured);
  if (clientValue.startsWith('/')) {
    if (clientValue.startsWith('//')) return null;
    const resolved = safeUrl(clientValue, base.origin);
    // Concatenate instead of using `resolved.href` so placeholders like {CHECKOUT_SESSION_ID} stay unencoded.
    return resolved && resolved.origin === base.origin ? base.origin + clientValue : null;
  }
  const url = safeUrl(clientValue);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) return null;
  if (url.username || url.password) return null;
  if (!allowedOrigins.includes(url.origin)) return null;
  // Scheme and host compare case-insensitively (URL lowercases them) and go on in that form, so
  // `HTTPS://App.Example.com/x` and `https://app.example.com/x` are one redirect; the rest is kept
  // as sent (placeholders like {CHECKOUT_SESSION_ID} unencoded).
  const authority = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(clientValue);
  return authority ? url.origin + clientValue.slice(authority[0].length) : null;
}

/** The origins a client may redirect to: those of the configured URLs plus `allowedOrigins`. */
export function allowedRedirectOrigins(configuredUrls: readonly (string | undefined)[], extraOrigins: readonly string[] = []): string[] {
  const origins = new Set<string>();
  for (const value of [...configuredUrls, ...extraOrigins]) {
    const url = value ? safeUrl(value) : null;
    if (url && (url.protocol === 'https:' || url.protocol === 'http:')) origins.add(url.origin);
  }
  return [...origins];
}

function safeUrl(value: string, base?: string): URL | null {
  try {
    return new URL(value, base);
  } catch {
    return null;
  }
}
