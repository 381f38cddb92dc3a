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

/** The call that lets bodies of `bytes` through the app's parser (Stripe events can exceed the defaults). */
export function bodyLimitFix(platform: string, bytes: number): string {
  return platform === 'fastify'
    ? `create the adapter with new FastifyAdapter({ bodyLimit: ${bytes} })`
    : `call app.useBodyParser('json', { limit: ${bytes} }) in main.ts`;
}
