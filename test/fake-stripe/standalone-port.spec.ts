import { createServer } from 'node:net';
import Stripe from 'stripe';
import { FakeStripe } from '../../lib/testing';

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('FakeStripe.start({ port })', () => {
  it('listens on the chosen port, where a client configured by hand reaches it', async () => {
    const port = await freePort();
    const fake = await FakeStripe.start({ seed: 10, port });
    try {
      expect(fake.port).toBe(port);
      expect(fake.url).toBe(`http://127.0.0.1:${port}`);
      const stripe = new Stripe(fake.secretKey, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0 });
      const customer = await stripe.customers.create({ email: 'port@example.com' });
      expect(fake.state.customers.get(customer.id)?.email).toBe('port@example.com');
    } finally {
      await fake.stop();
    }
  });

  it('fails to start with a clear error when the port is taken', async () => {
    const first = await FakeStripe.start({ seed: 11 });
    try {
      await expect(FakeStripe.start({ seed: 12, port: first.port })).rejects.toThrow(`FakeStripe: cannot listen on 127.0.0.1:${first.port} (EADDRINUSE)`);
    } finally {
      await first.stop();
    }
  });

  it('still picks a free port by default', async () => {
    const fake = await FakeStripe.start({ seed: 13 });
    try {
      expect(fake.port).toBeGreaterThan(0);
    } finally {
      await fake.stop();
    }
  });
});
