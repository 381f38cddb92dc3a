const MAX_ERROR_LENGTH = 500;

/** The error as a short line for a table (the inbox, the work queue): its class and message, with secrets and URLs cut out. */
export function describeError(error: unknown): string {
  const e = error as { name?: string; code?: string; message?: string; type?: string };
  // Stripe's own messages may quote request data: keep only its type and code.
  if (typeof e?.type === 'string' && e.type.startsWith('Stripe')) return `${e.type}${e.code ? ` [${e.code}]` : ''}`;
  const text = `${e?.name ?? 'Error'}${e?.code ? ` [${e.code}]` : ''}: ${e?.message ?? String(error)}`;
  return text
    .replace(/\b(sk|rk|pk|whsec)_[A-Za-z0-9_]+/g, '$1_***')
    .replace(/https?:\/\/\S+/g, '<url>')
    .slice(0, MAX_ERROR_LENGTH);
}
