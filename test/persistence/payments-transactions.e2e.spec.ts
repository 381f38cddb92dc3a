import { DataSource } from 'typeorm';
import { PaymentsTransactions } from '../../lib/persistence/payments-transactions';

describe('PaymentsTransactions on SQLite', () => {
  let dataSource: DataSource;
  let transactions: PaymentsTransactions;

  beforeAll(async () => {
    dataSource = await new DataSource({ type: 'better-sqlite3', database: ':memory:' }).initialize();
    transactions = new PaymentsTransactions(dataSource);
  });
  afterAll(() => dataSource?.destroy());

  it('lets the event loop turn between queued transactions: a burst of them does not hold I/O and timers back until its end', async () => {
    // better-sqlite3 answers synchronously: without a turn in between, queued transactions ran one
    // after the other in microtasks, and the answers Stripe sent meanwhile were read after the last.
    const events: string[] = [];
    const burst = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0 ? transactions.run(async (tx) => void (await tx.manager.query('SELECT 1'), events.push('tx'))) : transactions.write(async (manager) => void (await manager.query('SELECT 1'), events.push('write'))),
    );
    const turn = new Promise<void>((resolve) => setImmediate(() => (events.push('turn'), resolve())));
    await Promise.all([...burst, turn]);
    expect(events).toHaveLength(21);
    expect(events.indexOf('turn')).toBeLessThan(10);
  });
});
