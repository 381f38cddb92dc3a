import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AddressInfo } from 'node:net';
import { BenchAppModule } from './bench-app.module';
import { BenchCommand, BenchControl } from './bench-control';
import { RemoteFakeStripe } from './remote-fake-stripe';

/**
 * The app under load, started by bench/run.js as a child process (so the load generator does not
 * share its event loop). Talks to the parent over IPC; prints nothing per request.
 */
async function main() {
  // Stripe's side of each call runs in another process, as the real Stripe's does: not on the app's event loop.
  const fake = await RemoteFakeStripe.start();
  await fake.call({ op: 'create-price', price: { id: 'price_sample_pro_month', unitAmount: 1500, interval: 'month', productName: 'Pro' } });
  await fake.call({ op: 'create-price', price: { id: 'price_sample_pro_year', unitAmount: 15000, interval: 'year', productName: 'Pro' } });
  await fake.call({ op: 'create-price', price: { id: 'price_sample_team_month', unitAmount: 4900, interval: 'month', productName: 'Team' } });
  // Warnings and errors only: a log line per request would measure the terminal, not the module.
  const app = await NestFactory.create<NestExpressApplication>(BenchAppModule.forRoot(fake, 'http://127.0.0.1:3000'), {
    rawBody: true,
    logger: ['error', 'warn'],
  });
  app.setGlobalPrefix('api');
  app.useBodyParser('json', { limit: '1mb' });
  app.enableShutdownHooks();
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const control = new BenchControl(app, fake, url);
  process.on('message', (message: { id: number; command: BenchCommand }) => {
    control.handle(message.command).then(
      (result) => {
        process.send?.({ id: message.id, ok: true, result });
        if (message.command.op === 'stop') setImmediate(() => process.exit(0));
      },
      (error: unknown) => process.send?.({ id: message.id, ok: false, error: error instanceof Error ? error.stack : String(error) }),
    );
  });
  process.send?.({ ready: true, url });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
