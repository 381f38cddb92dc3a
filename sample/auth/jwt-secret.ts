import { randomBytes } from 'node:crypto';

let generated: string | undefined;

/** JWT_SECRET from the environment, or a random one per run for the offline demo. */
export function jwtSecret(): string {
  return process.env.JWT_SECRET ?? (generated ??= randomBytes(32).toString('hex'));
}
