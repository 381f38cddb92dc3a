/**
 * The set-up sentences the webhook logs and answers, spelled for the app's HTTP platform: a Fastify
 * user told to call an Express-only method would be stuck, so each names the call that works there.
 */

/** The call that keeps the raw request bytes, the only way to verify Stripe's signature. */
export function rawBodyFix(platform: string): string {
  const create =
    platform === 'fastify'
      ? 'NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), { rawBody: true })'
      : 'NestFactory.create(AppModule, { rawBody: true })';
  return `create the app with ${create} so the webhook can verify the exact bytes Stripe signed`;
}

/** The Fastify call that lets bodies of `bytes` through its parser (Express's limit is not readable, so only documented). */
export function fastifyBodyLimitFix(bytes: number): string {
  return `create the adapter with new FastifyAdapter({ bodyLimit: ${bytes} })`;
}
