import { createHash } from 'node:crypto';

/** What identifies a payer across accounts: the e-mail (normalised) and the cards' fingerprints. */
export interface TrialEvidence {
  email: string | null;
  cards: string[];
}

/** Providers that deliver `name+tag@` to `name@`, so the tag is dropped. */
const PLUS_TAG_DOMAINS = new Set([
  'gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'live.com', 'msn.com',
  'icloud.com', 'me.com', 'mac.com', 'fastmail.com', 'proton.me', 'protonmail.com', 'pm.me',
]);
/** Providers that ignore dots in the local part (Gmail only). */
const DOTLESS_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

/**
 * The address one mailbox is known by: trimmed and lowercased; for the providers above, a `+tag`
 * is dropped, and for Gmail (googlemail.com is gmail.com) the dots of the local part too.
 * Other domains keep their local part as written: for them `a.b` and `ab` may be two people.
 */
export function normaliseEmail(email: string): string | null {
  const trimmed = email.trim().toLowerCase();
  const at = trimmed.lastIndexOf('@');
  if (at < 1 || at === trimmed.length - 1) return null;
  let local = trimmed.slice(0, at);
  let domain = trimmed.slice(at + 1);
  if (domain === 'googlemail.com') domain = 'gmail.com';
  if (PLUS_TAG_DOMAINS.has(domain)) local = local.split('+')[0];
  if (DOTLESS_DOMAINS.has(domain)) local = local.replace(/\./g, '');
  return local ? `${local}@${domain}` : null;
}

/** The stored form of an e-mail: a SHA-256 of the normalised address, so the table holds no address. */
export function emailFingerprint(email: string | null | undefined): string | null {
  const normalised = typeof email === 'string' ? normaliseEmail(email) : null;
  return normalised ? createHash('sha256').update(normalised).digest('hex') : null;
}
