import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AppModule } from './app.module';
import { sampleOrigin, samplePort } from './payments.config';

/** The sample's web page: next to the sources, or two levels up from the compiled file. */
function publicDir(): string {
  const candidates = [join(__dirname, 'public'), join(__dirname, '..', '..', 'sample', 'public')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0];
}

async function bootstrap() {
  // rawBody: the webhook route verifies Stripe's signature over the exact bytes.
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { rawBody: true });
  app.setGlobalPrefix('api');
  // Stripe events reach 600 kB; Express's default JSON limit (100 kB) would answer 413 to them.
  // The webhook route still caps bodies itself (webhook.maxBodyBytes, 1 MiB by default).
  app.useBodyParser('json', { limit: '1mb' });
  app.useStaticAssets(publicDir());
  app.enableShutdownHooks();
  await app.listen(samplePort(), process.env.HOST ?? '127.0.0.1');
  new Logger('Sample').log(`Open ${sampleOrigin()} — plans at ${sampleOrigin()}/api/payments/plans`);
}

void bootstrap();
