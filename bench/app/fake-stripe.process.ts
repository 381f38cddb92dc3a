import { FakeStripe } from 'nestjs-headless-payments/testing';
import type { StripeCommand } from './remote-fake-stripe';

/**
 * The bench's FakeStripe, in a process of its own (forked by the bench app): what Stripe's servers
 * do on a call then costs the app nothing, as with the real Stripe. Answers the app over IPC.
 */
async function main() {
  const fake = await FakeStripe.start({ seed: 7, webhookSecret: process.env.BENCH_WEBHOOK_SECRET });
  const answer = async (command: StripeCommand): Promise<unknown> => {
    switch (command.op) {
      case 'create-price':
        return fake.createPrice(command.price);
      case 'complete-checkout':
        return fake.completeCheckout(command.sessionId, { card: 'success' });
      case 'subscription':
        return fake.state.subscriptions.get(command.id) ?? null;
      case 'checkout-session':
        return fake.state.checkoutSessions.get(command.id) ?? null;
      case 'requests-since':
        return fake.requests.slice(command.from).map((r) => ({ method: r.method, path: r.path }));
      case 'request-count':
        return fake.requests.length;
      case 'latency':
        fake.faults.setLatency(command.ms);
        return command.ms;
      case 'stop':
        await fake.stop();
        setImmediate(() => process.exit(0));
        return true;
    }
  };
  process.on('message', (message: { id: number; command: StripeCommand }) => {
    answer(message.command).then(
      (result) => process.send?.({ id: message.id, ok: true, result: result === undefined ? null : JSON.parse(JSON.stringify(result)) }),
      (error: unknown) => process.send?.({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
    );
  });
  // Dies with the app, whatever way the app ends.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ ready: true, secretKey: fake.secretKey, webhookSecret: fake.webhookSecret, config: fake.stripeConfig() });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
