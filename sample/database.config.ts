import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TypeOrmModuleOptions } from '@nestjs/typeorm';
import { PAYMENTS_ENTITIES } from 'nestjs-headless-payments';
import { User } from './user.entity';

/** DATABASE_URL (postgres://...) when given; otherwise an SQLite file under sample/data. */
export function databaseOptions(): TypeOrmModuleOptions {
  const entities = [User, ...PAYMENTS_ENTITIES];
  const url = process.env.DATABASE_URL;
  if (url) return { type: 'postgres', url, entities, synchronize: true };
  const dir = process.env.SAMPLE_DATA_DIR ?? join(process.cwd(), 'sample', 'data');
  mkdirSync(dir, { recursive: true });
  return { type: 'better-sqlite3', database: join(dir, 'sample.sqlite'), entities, synchronize: true };
}
